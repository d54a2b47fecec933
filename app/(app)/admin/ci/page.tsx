import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { getSeedJobPage } from "@/lib/ci/pipeline-view";
import { allowPage, pageRead } from "@/lib/http/page";
import { PageHeader } from "@/components/shell/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { StatusBadge } from "@/components/ui/status-badge";
import { TimeAgo } from "@/components/shell/time-ago";
import { SeedJobPlan } from "@/components/ci/seed-job-plan";

export const metadata: Metadata = { title: "CI seed job" };

export default async function SeedJobPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "ci.regenerate.all", platform));
  const page = await pageRead(getSeedJobPage(ctx));
  // The Jenkins files are not shown here (the project's Pipeline tab has them): keep the page's payload to the plan.
  const plans = page.plans.map(({ jenkins: _jenkins, ...p }) => p);
  return (
    <>
      <PageHeader
        title="CI seed job"
        description="Regenerates every project's pipelines from its metadata and template. Nothing is applied until you confirm the plan."
      />
      <Card className="mb-4">
        <CardHeader>
          <CardTitle>Build clusters</CardTitle>
          <CardDescription>
            Clusters marked for builds hold the projects&apos; CI namespaces; the first by name is used. Mark one under Clusters.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {page.buildClusters.length === 0 ? (
            <p className="text-sm text-muted-foreground">No cluster is marked for builds: nothing can be regenerated.</p>
          ) : (
            <ul className="grid gap-2 text-sm" aria-label="Build clusters">
              {page.buildClusters.map((c, i) => (
                <li key={c.id} className="flex flex-wrap items-center gap-2" data-testid="build-cluster">
                  <StatusBadge status={c.status} />
                  <span className="font-mono font-medium">{c.name}</span>
                  <span className="text-muted-foreground">{c.region}</span>
                  {i === 0 && <span className="text-xs text-muted-foreground">(in use)</span>}
                  <span className="text-xs text-muted-foreground">
                    checked <TimeAgo date={c.lastCheckedAt} />
                  </span>
                  {c.statusReason && <span className="w-full text-xs break-words text-muted-foreground">{c.statusReason}</span>}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <SeedJobPlan plans={plans} />
    </>
  );
}
