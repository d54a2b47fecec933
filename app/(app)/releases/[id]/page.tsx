import type { Metadata } from "next";
import { Suspense } from "react";
import { requireCtx } from "@/lib/access/session";
import { can, platform, projectResource } from "@/lib/access/policy";
import { getRelease } from "@/lib/deploy/observe";
import { PageHeader } from "@/components/shell/page-header";
import { ReleaseLive } from "@/components/deploy/release-live";
import { BuiltByRun } from "@/components/ci/built-by-run";
import { pageParams, pageRead } from "@/lib/http/page";
import { releaseLogWindow } from "@/lib/logs/page";
import { LogViewer } from "@/components/logs/log-viewer";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { releaseHealth } from "@/lib/monitoring/health";
import { HealthSection, HealthSectionPending } from "@/components/monitoring/health-section";
import type { Ctx } from "@/lib/context";

export const metadata: Metadata = { title: "Release" };

export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await requireCtx();
  const { id } = await pageParams(params);
  const view = await pageRead(getRelease(ctx, id), { hide: true });
  const r = view.release;
  const logWindow = releaseLogWindow(ctx, r);
  const logClusters = view.live.map((c) => ({ clusterId: c.clusterId, cluster: c.cluster }));
  // Release health needs monitoring.read besides deploy.read (the page's own right).
  const showHealth = can(ctx.actor, "monitoring.read", projectResource(r.service.project.id));
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
      {showHealth && (
        <div className="mt-6">
          {/* Prometheus can take seconds: the rollout above shows first, and the health follows in the same response. */}
          <Suspense fallback={<HealthSectionPending />}>
            <StreamedHealth ctx={ctx} releaseId={r.id} releaseAt={r.startedAt ? new Date(r.startedAt).getTime() : null} />
          </Suspense>
        </div>
      )}
      {logWindow && logClusters.length > 0 && (
        <Card className="mt-6">
          <CardHeader>
            <CardTitle>Logs around this release</CardTitle>
            <CardDescription>
              From a minute before the release started to {r.finishedAt ? "its end" : "now (it is still running; reload for later lines)"}, on{" "}
              {logClusters.map((c) => c.cluster).join(" and ")}: <LocalTime iso={logWindow.sinceTime} /> to <LocalTime iso={logWindow.until} />. Pods replaced
              since are gone with their logs: the clusters keep the logs of the pods that still exist (a log store would keep the rest, see docs/logs.md).
            </CardDescription>
          </CardHeader>
          <CardContent>
            <LogViewer
              serviceId={r.service.id}
              env={r.environment}
              clusters={logClusters}
              initialClusters={logClusters.map((c) => c.clusterId)}
              range={logWindow}
              label={`Logs around release #${r.number}`}
            />
          </CardContent>
        </Card>
      )}
    </>
  );
}

async function StreamedHealth({ ctx, releaseId, releaseAt }: { ctx: Ctx; releaseId: string; releaseAt: number | null }) {
  return <HealthSection health={await releaseHealth(ctx, releaseId)} releaseAt={releaseAt} />;
}

/** A time as its ISO text in the markup (the reader's time zone is the browser's; the viewer's lines show local time). */
function LocalTime({ iso }: { iso: string }) {
  return <time dateTime={iso}>{iso.replace("T", " ").replace(/\.\d+Z$/, " UTC")}</time>;
}
