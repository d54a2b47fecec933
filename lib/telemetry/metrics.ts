/**
 * Prometheus metrics (prom-client). One registry per process, kept on
 * globalThis so the route handlers, actions and proxy of a Next server share
 * it. Queue and cluster gauges are read from Postgres at scrape time, so any
 * web instance reports the whole queue.
 */
import client from "prom-client";
import { db } from "@/lib/db/client";

interface WharfMetrics {
  registry: client.Registry;
  httpRequests: client.Counter<"method" | "route" | "status">;
  httpDuration: client.Histogram<"method" | "route" | "status">;
  actions: client.Counter<"action" | "outcome">;
  actionDuration: client.Histogram<"action">;
  jobRuns: client.Counter<"task" | "outcome">;
  jobDuration: client.Histogram<"task">;
  /** Open log tails (SSE viewers) of this process. */
  logViewers: client.Gauge;
  /** Lines dropped for log viewers that did not read (lib/logs/stream.ts). */
  logDroppedLines: client.Counter;
}

/** Open container log streams of one log hub, per cluster (lib/logs/upstream.ts registers each hub). */
export type LogUpstreamSource = () => { cluster: string; open: number }[];

const g: typeof globalThis & { wharfMetrics?: WharfMetrics; wharfLogUpstreamSources?: Set<LogUpstreamSource> } = globalThis;

function logUpstreamSources(): Set<LogUpstreamSource> {
  g.wharfLogUpstreamSources ??= new Set();
  return g.wharfLogUpstreamSources;
}

/** Counts a log hub's open streams in `wharf_log_upstream_streams`; returns the call that stops counting it. */
export function reportLogUpstreams(source: LogUpstreamSource): () => void {
  logUpstreamSources().add(source);
  return () => logUpstreamSources().delete(source);
}

function create(): WharfMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ app: "wharf" });
  client.collectDefaultMetrics({ register: registry });
  const m: WharfMetrics = {
    registry,
    httpRequests: new client.Counter({
      name: "wharf_http_requests_total",
      help: "HTTP requests handled by Wharf route handlers",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: "wharf_http_request_duration_seconds",
      help: "Duration of HTTP requests handled by Wharf route handlers",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    actions: new client.Counter({
      name: "wharf_server_actions_total",
      help: "Server actions called, by outcome (ok or the error code)",
      labelNames: ["action", "outcome"],
      registers: [registry],
    }),
    actionDuration: new client.Histogram({
      name: "wharf_server_action_duration_seconds",
      help: "Duration of server actions",
      labelNames: ["action"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    jobRuns: new client.Counter({
      name: "wharf_job_runs_total",
      help: "Jobs run by this worker process, by task and outcome",
      labelNames: ["task", "outcome"],
      registers: [registry],
    }),
    logViewers: new client.Gauge({
      name: "wharf_log_viewers",
      help: "Log tails (Server-Sent Event viewers) open in this process",
      registers: [registry],
    }),
    logDroppedLines: new client.Counter({
      name: "wharf_log_viewer_dropped_lines_total",
      help: "Log lines dropped for viewers that did not read them in time (each viewer is told)",
      registers: [registry],
    }),
    jobDuration: new client.Histogram({
      name: "wharf_job_duration_seconds",
      help: "Duration of jobs run by this worker process",
      labelNames: ["task"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };

  new client.Gauge({
    name: "wharf_jobs",
    help: "Jobs in the queue by task and state (queued, running, failed = attempts exhausted)",
    labelNames: ["task", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db().$queryRaw<{ task: string; state: string; count: bigint }[]>`
        select t.identifier as task,
               case when j.locked_at is not null then 'running'
                    when j.attempts >= j.max_attempts then 'failed'
                    else 'queued' end as state,
               count(*) as count
        from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        group by 1, 2`;
      for (const r of rows) this.set({ task: r.task, state: r.state }, Number(r.count));
    },
  });
  new client.Gauge({
    name: "wharf_clusters",
    help: "Registered clusters by last known status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const status of ["reachable", "unreachable", "credentials_rejected", "missing_permissions", "unknown"]) this.set({ status }, 0);
      const rows = await db().cluster.groupBy({ by: ["status"], _count: { _all: true } });
      for (const r of rows) this.set({ status: r.status }, r._count._all);
    },
  });
  new client.Gauge({
    name: "wharf_log_upstream_streams",
    help: "Container log streams this process keeps open to clusters (one per container, shared by its viewers)",
    labelNames: ["cluster"],
    registers: [registry],
    collect() {
      this.reset();
      const open = new Map<string, number>();
      for (const source of logUpstreamSources()) for (const s of source()) open.set(s.cluster, (open.get(s.cluster) ?? 0) + s.open);
      for (const [cluster, n] of open) this.set({ cluster }, n);
    },
  });
  return m;
}

export function metrics(): WharfMetrics {
  g.wharfMetrics ??= create();
  return g.wharfMetrics;
}
