import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { getCiSettingsPage } from "@/lib/ci/pipeline-view";
import { getCiSettings } from "@/lib/ci/settings-store";
import { pageParams, pageRead } from "@/lib/http/page";
import { PageHeader } from "@/components/shell/page-header";
import { BuildsTabs } from "@/components/ci/builds-tabs";
import { CiSettingsForm } from "@/components/ci/ci-settings-form";
import { WebhookSettings } from "@/components/ci/webhook-settings";

export const metadata: Metadata = { title: "CI settings" };

export default async function CiSettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const page = await pageRead(getCiSettingsPage(ctx, slug));
  const { settings, version } = await pageRead(getCiSettings(ctx, page.project.id));
  return (
    <>
      <PageHeader
        title={`CI settings of ${page.project.name}`}
        description="Saved only if nobody else saved them since you opened this page. The pipeline changes when it is regenerated."
      />
      <BuildsTabs slug={page.project.slug} />
      <div className="grid gap-4">
        <CiSettingsForm projectId={page.project.id} slug={page.project.slug} version={version} settings={settings} />
        <WebhookSettings projectSlug={page.project.slug} endpoints={page.webhooks} secretCreatedAt={page.webhookSecretCreatedAt} />
      </div>
    </>
  );
}
