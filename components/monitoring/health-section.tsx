import { AlertTriangle } from "lucide-react";
import type { ClusterHealth, ReleaseHealth, WindowFigures } from "@/lib/monitoring/health";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { HealthSparkline } from "./health-sparkline";

const pct = (r: number | null) => (r === null ? "no traffic" : `${(r * 100).toFixed(r < 0.1 ? 2 : 1)}%`);
const secs = (s: number | null) => (s === null ? "–" : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);

const VERDICT: Record<string, { label: string; variant: "destructive" | "success" | "secondary" | "outline" }> = {
  rose: { label: "Error ratio rose", variant: "destructive" },
  steady: { label: "Steady", variant: "success" },
  not_enough_traffic: { label: "Not enough traffic", variant: "secondary" },
  collecting: { label: "Collecting", variant: "outline" },
};

function Window({ name, w }: { name: string; w: WindowFigures }) {
  return (
    <div className="min-w-0">
      <div className="text-xs text-muted-foreground">{name}</div>
      <div className="font-medium tabular-nums">{pct(w.errorRatio)} errors</div>
      <div className="text-xs text-muted-foreground tabular-nums">
        p99 {secs(w.p99)} · {Math.round(w.requests).toLocaleString("en")} requests
      </div>
    </div>
  );
}

function ClusterCard({ c, objective, releaseAt }: { c: ClusterHealth; objective: number; releaseAt: number }) {
  if (!c.ok) {
    return (
      <div className="rounded-md border border-destructive/40 p-3 text-sm" data-testid={`health-${c.cluster}`}>
        <div className="font-medium">{c.cluster}</div>
        <p className="text-destructive">
          Metrics cannot be read ({c.source}): {c.reason}
        </p>
      </div>
    );
  }
  const v = VERDICT[c.verdict]!;
  return (
    <div className="space-y-2 rounded-md border p-3 text-sm" data-testid={`health-${c.cluster}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="font-medium">{c.cluster}</span>
        <Badge variant={v.variant}>{v.label}</Badge>
      </div>
      <div className="grid grid-cols-2 gap-3">
        <Window name="Before" w={c.before} />
        <Window name="After" w={c.after} />
      </div>
      <HealthSparkline points={c.spark} releaseAt={releaseAt} objective={objective} label={`Error ratio on ${c.cluster} around the release`} />
      <p className="text-xs text-muted-foreground">{c.why}</p>
    </div>
  );
}

/** The section's title (its id names the region) and what it measures. */
function HealthHeader({ titleId }: { titleId: string }) {
  return (
    <CardHeader>
      <CardTitle id={titleId}>Release health</CardTitle>
      <CardDescription>
        Error ratio (5xx share) and latency p99 in the 10 minutes before the release and after it, per cluster. Flagged when the error ratio after is above both
        twice the ratio before plus one percentage point, and the service&apos;s objective; fewer than 30 requests in a window is not enough traffic to judge.
      </CardDescription>
    </CardHeader>
  );
}

/** The section while Prometheus answers: the release page shows its rollout without waiting for the metrics. */
export function HealthSectionPending() {
  return (
    // Its own title id: while the figures stream in, the document briefly holds both this and the finished section.
    <Card role="region" aria-labelledby="release-health-pending-title" aria-busy="true">
      <HealthHeader titleId="release-health-pending-title" />
      <CardContent>
        <p className="mb-3 text-sm text-muted-foreground">Reading the error ratio and latency from Prometheus…</p>
        <div className="grid gap-3 md:grid-cols-2">
          <Skeleton className="h-24" />
          <Skeleton className="h-24" />
        </div>
      </CardContent>
    </Card>
  );
}

/** The release page's health section: each cluster's error ratio and p99 before and after, and the flag. */
export function HealthSection({ health, releaseAt }: { health: ReleaseHealth; releaseAt: number | null }) {
  return (
    <Card role="region" aria-labelledby="release-health-title">
      <HealthHeader titleId="release-health-title" />
      <CardContent className="space-y-3">
        {health.state !== "ok" ? (
          <p className="text-sm text-muted-foreground">{health.message}</p>
        ) : (
          <>
            {health.flagged && (
              <p role="status" className="flex items-center gap-2 text-sm font-medium text-destructive">
                <AlertTriangle className="size-4" aria-hidden /> The error ratio rose after this release (objective {pct(health.objective)}).
              </p>
            )}
            <div className="grid gap-3 md:grid-cols-2">
              {health.clusters.map((c) => (
                <ClusterCard key={c.cluster} c={c} objective={health.objective} releaseAt={releaseAt ?? 0} />
              ))}
            </div>
          </>
        )}
      </CardContent>
    </Card>
  );
}
