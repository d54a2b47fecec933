import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { PageHeader } from "@/components/shell/page-header";
import { Badge } from "@/components/ui/badge";
import { ConfigPickers, ConfigTabs } from "@/components/config/pickers";
import { loadConfigService } from "./load";

type Params = { params: Promise<{ slug: string; service: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { slug, service } = await params;
  return { title: `Config of ${slug}/${service}` };
}

/** The config tabs of a service: header, environment and cluster pickers, and the tabs (Items, History, Gray, Instances, Settings). */
export default async function ServiceConfigLayout({ params, children }: Params & { children: React.ReactNode }) {
  const { project, service, config } = await loadConfigService(params);
  const base = `/projects/${project.slug}/services/${service.slug}`;
  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            Config of {service.name}
            <Badge variant="secondary" className="font-mono">
              {config.appId}
            </Badge>
          </span>
        }
        description={
          <>
            <Link href={`/projects/${project.slug}`} className="hover:underline">
              {project.name}
            </Link>{" "}
            ·{" "}
            <Link href={base} className="font-mono hover:underline">
              {service.slug}
            </Link>{" "}
            · Apollo appId <span className="font-mono">{config.appId}</span>: drafts, releases and rollbacks of its configuration, per environment and cluster.
          </>
        }
      />
      {config.environments.length === 0 ? null : (
        <div className="mb-4 space-y-4">
          <ConfigPickers environments={config.environments} />
          <ConfigTabs base={base} />
        </div>
      )}
      {children}
    </>
  );
}
