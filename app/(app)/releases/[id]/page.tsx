import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform, projectResource } from "@/lib/access/policy";
import { getRelease } from "@/lib/deploy/observe";
import { PageHeader } from "@/components/shell/page-header";
import { ReleaseLive } from "@/components/deploy/release-live";
import { BuiltByRun } from "@/components/ci/built-by-run";
import { pageParams, pageRead } from "@/lib/http/page";
import { releaseHealth } from "@/lib/monitoring/health";
import { HealthSection } from "@/components/monitoring/health-section";

export const metadata: Metadata = { title: "Release" };

export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await requireCtx();
  const { id } = await pageParams(params);
  const view = await pageRead(getRelease(ctx, id), { hide: true });
  const r = view.release;
  // Release health needs monitoring.read besides deploy.read (the page's own right).
  const health = can(ctx.actor, "monitoring.read", projectResource(r.service.project.id)) ? await releaseHealth(ctx, r.id) : null;
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
      {health && (
        <div className="mt-6">
          <HealthSection health={health} releaseAt={r.startedAt ? new Date(r.startedAt).getTime() : null} />
        </div>
      )}
    </>
  );
}
