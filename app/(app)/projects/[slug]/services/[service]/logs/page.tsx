import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { ArrowLeft } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { getLogsPage } from "@/lib/logs/page";
import { pageParams, pageRead } from "@/lib/http/page";
import { PageHeader } from "@/components/shell/page-header";
import { LogViewer } from "@/components/logs/log-viewer";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { cn } from "@/lib/utils";

export async function generateMetadata({ params }: { params: Promise<{ slug: string; service: string }> }): Promise<Metadata> {
  const p = await params;
  return { title: `Logs · ${p.slug}/${p.service}` };
}

/** A service's live logs in one environment: every pod on every cluster of it, merged (components/logs). */
export default async function ServiceLogsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; service: string }>;
  searchParams: Promise<{ env?: string; cluster?: string; pod?: string }>;
}) {
  const ctx = await requireCtx();
  const { slug, service: serviceSlug } = await pageParams(params);
  const q = await pageParams(searchParams);
  const data = await pageRead(getLogsPage(ctx, slug, serviceSlug, { env: str(q.env), cluster: str(q.cluster), pod: str(q.pod) }));
  const base = `/projects/${slug}/services/${serviceSlug}`;
  const env = data.environment;
  return (
    <>
      <PageHeader
        title={`Logs: ${data.service.project.name} / ${data.service.slug}`}
        description={
          env
            ? `Every pod of ${data.service.slug} on every cluster of ${env} (${data.clusters.map((c) => c.cluster).join(", ") || "no cluster"}), merged by time.`
            : undefined
        }
        actions={
          <Button asChild variant="outline">
            <Link href={`${base}${env ? `?env=${env}` : ""}`}>
              <ArrowLeft /> Service
            </Link>
          </Button>
        }
      />
      {!env ? (
        <EmptyState title="No environment yet" description="Give the project an environment on its page; once the service runs there, its logs show here." />
      ) : (
        <>
          {data.environments.length > 1 && (
            <nav className="mb-4 flex flex-wrap gap-2" aria-label="Environments">
              {data.environments.map((e) => (
                <Link
                  key={e}
                  href={`${base}/logs?env=${e}`}
                  className={cn("rounded-md px-3 py-1.5 text-sm", e === env ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
                  aria-current={e === env ? "page" : undefined}
                >
                  {e}
                </Link>
              ))}
            </nav>
          )}
          <LogViewer
            key={`${env}|${data.initialClusters.join(",")}|${data.initialPods.join(",")}`}
            serviceId={data.service.id}
            env={env}
            clusters={data.clusters}
            initialClusters={data.initialClusters}
            initialPods={data.initialPods}
            label={`Logs of ${data.service.slug} in ${env}`}
          />
        </>
      )}
    </>
  );
}

/** A query parameter given twice arrives as an array: the first counts. */
function str(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
