/**
 * Release health: did a release make its service worse? For each cluster of
 * the release, the service's error ratio and latency p99 in a window before
 * the release started and in one after it (from its end, or from its start
 * while it still runs, up to HEALTH_WINDOW_MS, now, or the start of the
 * service's next release in the environment), read through
 * `queryProject` (so only the project's namespaces), and a verdict per
 * cluster by one written rule (`judge`):
 *
 *   rose      when both windows served at least MIN_REQUESTS requests and
 *             after > max(before × 2, before + 1 percentage point)
 *             and after > the service's error-ratio objective
 *             (spec.objectives.errorRatio, default 1%);
 *   steady    otherwise, with enough traffic in both windows;
 *   not_enough_traffic  fewer than MIN_REQUESTS requests in either window
 *             (a first release has no "before"): no flag rather than a false one;
 *   collecting the after window is shorter than MIN_AFTER_MS yet.
 *
 * Rights: `deploy.read` and `monitoring.read` on the project.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { releaseTargets } from "@/lib/deploy/releases";
import type { EnvKind } from "@/lib/deploy/spec";
import { queryProject } from "./project";
import type { ClusterSeries } from "./prom";
import { monitoringStatus } from "./status";

/** The length of each window compared. */
export const HEALTH_WINDOW_MS = 10 * 60_000;
/** Fewer requests than this in a window: not enough traffic to judge. */
export const MIN_REQUESTS = 30;
/** The after window must be at least this long before it is judged. */
export const MIN_AFTER_MS = 30_000;
/** The error-ratio objective of a service whose spec names none. */
export const DEFAULT_ERROR_OBJECTIVE = 0.01;

/** The service's error-ratio objective from a (release's or service's) spec, read defensively: the spec may predate objectives. */
const ZObjectives = z.object({
  objectives: z
    .object({ errorRatio: z.number().min(0).max(1).optional() })
    .partial()
    .optional(),
});
export function errorObjectiveOf(spec: unknown): number {
  const parsed = ZObjectives.safeParse(spec);
  return (parsed.success ? parsed.data.objectives?.errorRatio : undefined) ?? DEFAULT_ERROR_OBJECTIVE;
}

export interface WindowFigures {
  from: string;
  to: string;
  /** Requests served in the window (all clusters' pods of the service in this cluster). */
  requests: number;
  /** 5xx share, null without traffic. */
  errorRatio: number | null;
  /** Seconds, null without traffic. */
  p99: number | null;
}

export type Verdict = "rose" | "steady" | "not_enough_traffic" | "collecting";

export type ClusterHealth =
  | { cluster: string; ok: true; before: WindowFigures; after: WindowFigures; verdict: Verdict; why: string; spark: { t: number; ratio: number | null }[] }
  | { cluster: string; ok: false; source: string; reason: string };

export type ReleaseHealth =
  | { state: "not_configured"; message: string }
  | { state: "down"; message: string }
  | { state: "not_started"; message: string }
  | { state: "ok"; objective: number; flagged: boolean; windowMinutes: number; clusters: ClusterHealth[] };

const pct = (r: number) => `${(r * 100).toFixed(r < 0.1 ? 2 : 1)}%`;

/** The rule, on one cluster's two windows. */
export function judge(before: WindowFigures, after: WindowFigures, objective: number, afterMs: number): { verdict: Verdict; why: string } {
  if (afterMs < MIN_AFTER_MS) return { verdict: "collecting", why: "The release has only just started: figures after it are still coming in." };
  if (before.requests < MIN_REQUESTS || after.requests < MIN_REQUESTS) {
    const which = before.requests < MIN_REQUESTS ? "before" : "after";
    return {
      verdict: "not_enough_traffic",
      why: `Not enough traffic to compare: ${Math.round(which === "before" ? before.requests : after.requests)} requests ${which} the release (at least ${MIN_REQUESTS} needed).`,
    };
  }
  const b = before.errorRatio ?? 0;
  const a = after.errorRatio ?? 0;
  const bar = Math.max(b * 2, b + 0.01);
  if (a > bar && a > objective) {
    return { verdict: "rose", why: `The error ratio rose from ${pct(b)} to ${pct(a)}, above the objective of ${pct(objective)}.` };
  }
  return { verdict: "steady", why: `The error ratio went from ${pct(b)} to ${pct(a)} (objective ${pct(objective)}).` };
}

const quote = (s: string) => JSON.stringify(s);

/** The names of a Deployment's pods (`<deployment>-<pod-template-hash>-<5 chars>`), as a PromQL regular expression. */
export function podPattern(deployment: string) {
  return `${deployment}-[a-z0-9]+-[a-z0-9]{5}`;
}

/** The last value of each cluster's series (one series per cluster: the queries sum by cluster). */
function lastByCluster(result: ClusterSeries[]): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const c of result) {
    if (!c.ok) continue;
    const s = c.series[0];
    const v = s?.values.at(-1);
    const n = v ? Number(v[1]) : NaN;
    out.set(c.cluster, Number.isFinite(n) ? n : null);
  }
  return out;
}

/** Each cluster's error ratio and latency around one of the service's releases. */
export async function releaseHealth(ctx: Ctx, releaseId: string, now: Date = new Date()): Promise<ReleaseHealth> {
  const release = await db().release.findUnique({
    where: { id: releaseId },
    select: {
      id: true,
      environment: true,
      startedAt: true,
      finishedAt: true,
      spec: true,
      manifests: true,
      serviceId: true,
      service: { select: { slug: true, projectId: true } },
    },
  });
  if (!release) throw new AppError("NOT_FOUND", "This release does not exist.");
  const resource = projectResource(release.service.projectId);
  authorize(ctx, "deploy.read", resource);
  authorize(ctx, "monitoring.read", resource);

  const status = await monitoringStatus(ctx);
  if (status.state === "not_configured") return { state: "not_configured", message: `${status.message} ${status.install}` };
  if (!release.startedAt) return { state: "not_started", message: "The release has not reached the clusters yet: there is nothing to compare." };

  const objective = errorObjectiveOf(release.spec);
  const start = release.startedAt;
  const afterFrom = release.finishedAt ?? release.startedAt;
  // The after window ends where the service's next release in this environment began: what came after is that release's.
  const next = await db().release.findFirst({
    where: { serviceId: release.serviceId, environment: release.environment, startedAt: { gt: start } },
    orderBy: { startedAt: "asc" },
    select: { startedAt: true },
  });
  const afterTo = new Date(Math.min(afterFrom.getTime() + HEALTH_WINDOW_MS, now.getTime(), next?.startedAt?.getTime() ?? Infinity));
  const afterMs = Math.max(0, afterTo.getTime() - afterFrom.getTime());
  const superseded = !!next?.startedAt && next.startedAt.getTime() < afterFrom.getTime() + MIN_AFTER_MS;
  const beforeFrom = new Date(start.getTime() - HEALTH_WINDOW_MS);
  // The request series carry the pod, not the Deployment: a Deployment's pods are `<name>-<template hash>-<5 chars>`.
  const sel = `pod=~${quote(podPattern(release.service.slug))}`;

  // One evaluation at the end of each window, over the window ([Ns]): a range query of one step (queryProject reads now or a range).
  const at = (t: Date) => ({ start: new Date(t.getTime() - 1000), end: t, stepSeconds: 1 });
  const windowQueries = (to: Date, ms: number) => {
    const w = `${Math.max(1, Math.round(ms / 1000))}s`;
    const environments = [release.environment as EnvKind];
    return Promise.all([
      queryProject(ctx, {
        projectId: release.service.projectId,
        environments,
        range: at(to),
        promql: `sum by (cluster) (increase(http_requests_total{${sel}}[${w}]))`,
      }),
      queryProject(ctx, {
        projectId: release.service.projectId,
        environments,
        range: at(to),
        promql: `sum by (cluster) (increase(http_requests_total{${sel}, code=~"5.."}[${w}]))`,
      }),
      queryProject(ctx, {
        projectId: release.service.projectId,
        environments,
        range: at(to),
        promql: `histogram_quantile(0.99, sum by (cluster, le) (rate(http_request_duration_seconds_bucket{${sel}}[${w}])))`,
      }),
    ]);
  };
  const sparkStep = Math.max(5, Math.ceil((afterTo.getTime() - beforeFrom.getTime()) / 1000 / 60));
  const [before, after, spark] = await Promise.all([
    windowQueries(start, HEALTH_WINDOW_MS),
    windowQueries(afterTo, Math.max(afterMs, 1000)),
    afterTo > beforeFrom
      ? queryProject(ctx, {
          projectId: release.service.projectId,
          environments: [release.environment as EnvKind],
          range: { start: beforeFrom, end: afterTo, stepSeconds: sparkStep },
          // A service without a single 5xx has no 5xx series: `or ... * 0` makes its ratio 0, not missing.
          promql: `(sum by (cluster) (rate(http_requests_total{${sel}, code=~"5.."}[1m])) or sum by (cluster) (rate(http_requests_total{${sel}}[1m])) * 0) / sum by (cluster) (rate(http_requests_total{${sel}}[1m]))`,
        })
      : Promise.resolve(null),
  ]);

  const clusters = releaseTargets(release)
    .map((t) => t.clusterName)
    .sort();
  const failureOf = (name: string) => [...before, ...after].map((r) => r.clusters.find((c) => c.cluster === name)).find((c) => c && !c.ok);
  const figures = (w: Awaited<ReturnType<typeof windowQueries>>, name: string, from: Date, to: Date): WindowFigures => {
    const requests = lastByCluster(w[0].clusters).get(name) ?? 0;
    const errors = lastByCluster(w[1].clusters).get(name) ?? 0;
    const p99 = lastByCluster(w[2].clusters).get(name) ?? null;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      requests,
      errorRatio: requests > 0 ? Math.min(1, errors / requests) : null,
      p99: requests > 0 ? p99 : null,
    };
  };

  const out: ClusterHealth[] = clusters.map((name) => {
    const failed = failureOf(name);
    if (failed && !failed.ok) return { cluster: name, ok: false, source: failed.source, reason: failed.reason };
    const b = figures(before, name, beforeFrom, start);
    const a = figures(after, name, afterFrom, afterTo);
    const series = spark?.clusters.find((c) => c.cluster === name);
    const points =
      series && series.ok ? (series.series[0]?.values ?? []).map(([t, v]) => ({ t: t * 1000, ratio: Number.isFinite(Number(v)) ? Number(v) : null })) : [];
    let verdict = judge(b, a, objective, afterMs);
    if (verdict.verdict === "collecting" && superseded) {
      verdict = { verdict: "not_enough_traffic", why: "The service's next release started too soon after this one to compare." };
    }
    return { cluster: name, ok: true, before: b, after: a, ...verdict, spark: points };
  });
  if (status.state === "down" && out.every((c) => !c.ok)) return { state: "down", message: status.message };
  return {
    state: "ok",
    objective,
    flagged: out.some((c) => c.ok && c.verdict === "rose"),
    windowMinutes: HEALTH_WINDOW_MS / 60_000,
    clusters: out,
  };
}
