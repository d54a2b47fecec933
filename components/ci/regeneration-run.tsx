"use client";

/**
 * The provisioning run a regeneration started, step by step; the page is
 * refreshed while the run is still going so the steps' statuses move on.
 */
import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { StatusBadge } from "@/components/ui/status-badge";
import { TimeAgo } from "@/components/shell/time-ago";
import type { RegenerationRunView } from "@/lib/ci/pipeline-view";

const ACTIVE = ["pending", "running"];

export function RegenerationRun({ run, highlight }: { run: RegenerationRunView; highlight: boolean }) {
  const router = useRouter();
  const active = ACTIVE.includes(run.status);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(t);
  }, [active, router]);
  return (
    <Card id="run" data-testid="regeneration-run" data-status={run.status} className={highlight ? "ring-2 ring-primary/40" : undefined}>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2">
          {highlight ? "Regeneration started" : "Last regeneration"} <StatusBadge status={run.status} />
        </CardTitle>
        <CardDescription>
          Started <TimeAgo date={run.createdAt} />
          {run.finishedAt && (
            <>
              , finished <TimeAgo date={run.finishedAt} />
            </>
          )}
          . A failed step is retried with backoff; an operator can retry it by hand.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <ol className="divide-y text-sm" aria-label="Regeneration steps">
          {run.steps.map((s) => (
            <li key={s.id} className="flex flex-wrap items-start gap-2 py-2" data-testid="regeneration-step" data-status={s.status}>
              <StatusBadge status={s.status} />
              <div className="min-w-0 flex-1">
                <p className="font-medium">{s.title}</p>
                <p className="text-xs [overflow-wrap:anywhere] text-muted-foreground">
                  {s.target}
                  {s.clusterName ? ` on ${s.clusterName}` : ""}
                </p>
                {s.lastError && <p className="mt-1 text-xs break-words text-destructive">{s.lastError}</p>}
              </div>
            </li>
          ))}
        </ol>
      </CardContent>
    </Card>
  );
}
