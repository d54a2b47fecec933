import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform, projectResource } from "@/lib/access/policy";
import { getRelease } from "@/lib/deploy/observe";
import { PageHeader } from "@/components/shell/page-header";
import { ReleaseLive } from "@/components/deploy/release-live";
import { BuiltByRun } from "@/components/ci/built-by-run";
import { pageParams, pageRead } from "@/lib/http/page";

export const metadata: Metadata = { title: "Release" };

export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await requireCtx();
  const { id } = await pageParams(params);
  const view = await pageRead(getRelease(ctx, id), { hide: true });
  const r = view.release;
  return (
    <>
      <PageHeader
        title={`${r.service.project.slug}/${r.service.slug} → ${r.environment}, release #${r.number}`}
        description="Each cluster's rollout, read live from the cluster."
      />
      {view.builtBy && <BuiltByRun run={view.builtBy} />}
      <ReleaseLive
        initial={JSON.parse(JSON.stringify(view))}
        canRetry={can(ctx.actor, "provisioning.retry", platform)}
        canDeploy={can(ctx.actor, "deploy.create", projectResource(r.service.project.id))}
      />
    </>
  );
}
