import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Suspense } from "react";
import { requireCtx } from "@/lib/access/session";
import { pageParams, pageRead } from "@/lib/http/page";
import { getProjectDashboard } from "@/lib/monitoring/dashboards";
import { monitoringStatus } from "@/lib/monitoring/status";
import { PageHeader } from "@/components/shell/page-header";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ProjectDashboard } from "@/components/monitoring/dashboard";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: `Monitoring · ${(await params).slug}` };
}

export default async function ProjectMonitoringPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const [view, status] = await Promise.all([pageRead(getProjectDashboard(ctx, slug), { hide: true }), monitoringStatus(ctx)]);
  return (
    <>
      <PageHeader
        title="Monitoring"
        description={
          <>
            <Link href={`/projects/${view.project.slug}`} className="underline-offset-4 hover:underline">
              {view.project.name}
            </Link>
            : request rate, errors, latency and resources per service, clusters side by side.
          </>
        }
        actions={
          <Button asChild variant="outline">
            <Link href={`/projects/${view.project.slug}/monitoring/rules`}>Alert rules</Link>
          </Button>
        }
      />
      {status.state === "not_configured" && (
        <Alert className="mb-6">
          <AlertTitle>Monitoring is not set up</AlertTitle>
          <AlertDescription>
            {status.message} {status.install}
          </AlertDescription>
        </Alert>
      )}
      {status.state === "down" && (
        <Alert variant="destructive" className="mb-6">
          <AlertTitle>Metrics cannot be read</AlertTitle>
          <AlertDescription>{status.message}</AlertDescription>
        </Alert>
      )}
      <Suspense>
        <ProjectDashboard view={view} monitoring={{ usable: status.state !== "not_configured" }} />
      </Suspense>
    </>
  );
}
