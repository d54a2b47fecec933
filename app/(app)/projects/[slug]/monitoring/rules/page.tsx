import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { pageParams, pageRead } from "@/lib/http/page";
import { rulesPage } from "@/lib/monitoring/rules-edit";
import { RulesEditor } from "@/components/monitoring/rules-editor";
import { RulesStatus } from "@/components/monitoring/rules-status";
import { PageHeader } from "@/components/shell/page-header";
import { Button } from "@/components/ui/button";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: `Alert rules of ${(await params).slug}` };
}

export default async function RulesPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  // Hidden like the project's other pages: to someone outside it, a project they may not read does not exist.
  const page = await pageRead(rulesPage(ctx, slug), { hide: true });
  return (
    <>
      <PageHeader
        title={`Alert rules of ${page.project.name}`}
        description="Generated from each service's spec and objectives, per environment; deployed to Wharf's Prometheus and as PrometheusRule objects on each cluster."
        actions={
          <>
            <Button asChild variant="outline">
              <Link href={`/projects/${page.project.slug}/monitoring`}>Dashboard</Link>
            </Button>
            <Button asChild variant="outline">
              <Link href={`/projects/${page.project.slug}`}>Project</Link>
            </Button>
          </>
        }
      />
      <RulesStatus page={page} />
      <RulesEditor
        projectId={page.project.id}
        version={page.version}
        canEdit={page.canEdit}
        environments={page.environments}
        rules={page.rules}
        extra={page.settings.extra}
      />
    </>
  );
}
