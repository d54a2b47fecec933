"use client";

import Link from "@/components/ui/link";
import { useQuery } from "@tanstack/react-query";
import { TimeAgo } from "@/components/shell/time-ago";
import { Loader2, RotateCw, TriangleAlert } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { StatusBadge } from "@/components/ui/status-badge";
import { useAction } from "@/components/forms/use-action";
import { retryStepAction } from "@/lib/provisioning/actions";
import { RestoreButton } from "./service-actions";

interface Step {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  lastError: string;
  cluster: { name: string } | null;
  title: string;
}
interface Live {
  cluster: string;
  clusterId: string;
  ok: boolean;
  error?: string;
  value?: {
    /** How the cluster differs from this release, where it is the one Wharf last applied there. */
    drift: string[] | null;
    deployment: {
      image: string;
      revision: string;
      replicas: number;
      updated: number;
      ready: number;
      available: number;
      conditions: { type: string; status: string; reason: string; message: string }[];
    } | null;
    events: { at: string; type: string; reason: string; object: string; message: string; count: number }[];
  };
}
export interface ReleaseView {
  release: {
    id: string;
    number: number;
    status: string;
    reason: string;
    image: string;
    environment: string;
    strategy: string;
    createdAt: string;
    finishedAt: string | null;
    tag: string;
    specVersion: number;
    service: { slug: string; project: { slug: string } };
  };
  run: { status: string; steps: Step[] } | null;
  namespace: string;
  live: Live[];
}

const ACTIVE = new Set(["queued", "progressing"]);

function RetryButton({ stepId, onDone }: { stepId: string; onDone: () => void }) {
  const retry = useAction(retryStepAction, { success: "Retrying", onSuccess: onDone });
  return (
    <Button size="sm" variant="outline" disabled={retry.pending} onClick={() => void retry.run({ stepId })}>
      {retry.pending ? <Loader2 className="animate-spin" /> : <RotateCw />} Retry
    </Button>
  );
}

/** A release's rollout on each cluster, polled every 2 s while it runs. */
export function ReleaseLive({ initial, canRetry, canDeploy }: { initial: ReleaseView; canRetry: boolean; canDeploy: boolean }) {
  const { data, refetch } = useQuery({
    queryKey: ["release", initial.release.id],
    queryFn: async (): Promise<ReleaseView> => {
      const res = await fetch(`/api/releases/${initial.release.id}`);
      if (!res.ok) throw new Error(`release: ${res.status}`);
      return res.json();
    },
    initialData: initial,
    refetchInterval: (q) => (q.state.data && !ACTIVE.has(q.state.data.release.status) ? 15_000 : 2000),
  });
  const r = data.release;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <StatusBadge status={r.status} />
        <span data-testid="release-status" className="sr-only">
          {r.status}
        </span>
        <span className="min-w-0 font-mono break-all">{r.image}</span>
        <Badge variant="outline">{r.strategy.replace(/_/g, " ")}</Badge>
        {data.live.some((l) => l.value?.drift) && (
          <Badge variant="warning">
            drifted on{" "}
            {data.live
              .filter((l) => l.value?.drift)
              .map((l) => l.cluster)
              .join(", ")}
          </Badge>
        )}
        <span className="text-muted-foreground">
          started <TimeAgo date={r.createdAt} />
        </span>
        <Link className="underline" href={`/projects/${r.service.project.slug}/services/${r.service.slug}?env=${r.environment}`}>
          history of {r.service.slug} in {r.environment}
        </Link>
      </div>
      {(r.status === "failed" || r.status === "rolled_back") && (
        <Alert variant="destructive" data-testid="release-failure">
          <AlertTitle>{r.status === "rolled_back" ? "The rollout failed and was rolled back to the last good release" : "The rollout failed"}</AlertTitle>
          <AlertDescription>{r.reason || "A step failed."}</AlertDescription>
        </Alert>
      )}
      <div className="grid gap-6 lg:grid-cols-2">
        {data.live.map((l) => {
          const steps = data.run?.steps.filter((s) => s.cluster?.name === l.cluster) ?? [];
          const d = l.value?.deployment;
          return (
            <Card key={l.clusterId} data-testid={`rollout-${l.cluster}`}>
              <CardHeader>
                <CardTitle>{l.cluster}</CardTitle>
                <CardDescription>{data.namespace}</CardDescription>
              </CardHeader>
              <CardContent className="space-y-4 text-sm">
                {l.value?.drift && (
                  <Alert className="border-warning" data-testid={`drift-${l.cluster}`}>
                    <TriangleAlert className="text-warning" />
                    <AlertTitle className="line-clamp-none">Drifted: {l.cluster} no longer runs this release</AlertTitle>
                    <AlertDescription className="break-words">
                      <p>Changed outside Wharf: {l.value.drift.join("; ")}.</p>
                    </AlertDescription>
                    {canDeploy && r.status === "succeeded" && (
                      <div className="col-start-2 mt-2">
                        <RestoreButton
                          release={{ id: r.id, number: r.number, tag: r.tag, specVersion: r.specVersion }}
                          cluster={l.cluster}
                          clusterId={l.clusterId}
                          environment={r.environment as "dev" | "test" | "staging" | "prod"}
                          differences={l.value.drift}
                          drifted={r.number}
                        />
                      </div>
                    )}
                  </Alert>
                )}
                <ul className="space-y-2">
                  {steps.map((s) => (
                    <li key={s.id} className="flex flex-wrap items-center gap-2">
                      <span className="w-20 text-muted-foreground">{s.kind === "release-apply" ? "apply" : "rollout"}</span>
                      <StatusBadge status={s.status} />
                      {s.attempts > 1 && (
                        <span className="text-xs text-muted-foreground">
                          attempt {s.attempts} of {s.maxAttempts}
                        </span>
                      )}
                      {canRetry && (s.status === "failed" || s.status === "retrying") && <RetryButton stepId={s.id} onDone={() => void refetch()} />}
                      {s.lastError && s.status !== "succeeded" && <div className="basis-full text-xs text-destructive">{s.lastError}</div>}
                    </li>
                  ))}
                </ul>
                {!l.ok ? (
                  <p className="text-destructive">{l.error}</p>
                ) : !d ? (
                  <p className="text-muted-foreground">No Deployment on this cluster yet.</p>
                ) : (
                  <>
                    <div className="space-y-1">
                      <div className="flex justify-between text-xs">
                        <span>
                          {d.updated}/{d.replicas} updated · {d.ready} ready · {d.available} available
                        </span>
                        <span className="font-mono">rev {d.revision}</span>
                      </div>
                      <Progress value={d.replicas ? (Math.min(d.updated, d.available) / d.replicas) * 100 : 100} aria-label={`Rollout on ${l.cluster}`} />
                      <div className="font-mono text-xs break-all text-muted-foreground">{d.image}</div>
                    </div>
                    <ul className="space-y-1 text-xs">
                      {d.conditions.map((c) => (
                        <li key={c.type}>
                          <span className="font-medium">{c.type}</span> {c.status} {c.reason && <span className="text-muted-foreground">({c.reason})</span>}{" "}
                          {c.message}
                        </li>
                      ))}
                    </ul>
                    {(l.value?.events.length ?? 0) > 0 && (
                      <ul className="space-y-1 border-t pt-2 text-xs" aria-label={`Events on ${l.cluster}`}>
                        {l.value!.events.map((e, i) => (
                          <li key={i} className={e.type === "Warning" ? "wrap-anywhere text-destructive" : "wrap-anywhere"}>
                            <span className="font-medium">{e.reason}</span> {e.object}: {e.message}
                            {e.count > 1 ? ` (x${e.count})` : ""}
                          </li>
                        ))}
                      </ul>
                    )}
                  </>
                )}
              </CardContent>
            </Card>
          );
        })}
      </div>
    </div>
  );
}
