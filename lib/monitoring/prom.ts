/**
 * The one PromQL client. Every call is bounded (WHARF_PROMETHEUS_TIMEOUT_MS
 * per source, default 1.5 s, also sent to Prometheus as `timeout`), every
 * answer is parsed with zod, and failures come back as values naming the
 * source and why ("Prometheus at X did not answer within 1.5 s",
 * "bad_data: 1:5: parse error: ..."), never as exceptions into a page.
 *
 * Sources (lib/monitoring/sources.ts) are either the portal's Prometheus
 * (WHARF_PROMETHEUS_URL, `managed`: Wharf writes its rules and may reload it)
 * or a cluster's own, pasted by an admin: to those only PromQL queries are
 * sent (GET /api/v1/query and /api/v1/query_range), without credentials and
 * without following redirects.
 *
 * `queryClusters` / `queryRangeClusters` read several clusters at once: one
 * request per source (a cluster matcher added to every selector for the
 * labelled source), all sources in parallel, the series handed back per
 * cluster; one source down marks its own clusters, never the others.
 */
import { z } from "zod";
import { envPart } from "@/lib/env";
import { clusterMatcher, withMatcher } from "./promql";

/** Where metrics are read from. */
export interface PromSource {
  /** "global", or "cluster:<name>" for a cluster's own Prometheus. */
  id: string;
  /** Base URL, without a trailing slash. */
  url: string;
  /** Wharf runs it (WHARF_PROMETHEUS_URL): rules, alerts and reload are allowed; other sources only get queries. */
  managed: boolean;
}

/** A failure as a value: which source, and why in words. */
export interface PromFailure {
  ok: false;
  source: string;
  reason: string;
}
export type PromResult<T> = { ok: true; source: string; data: T; warnings: string[]; ms: number } | (PromFailure & { ms: number });

const ZLabels = z.record(z.string(), z.string());
/** [unix seconds, "value"]: Prometheus sends values as strings ("NaN", "+Inf" included). */
const ZSample = z.tuple([z.number(), z.string()]);

export const ZInstantData = z.discriminatedUnion("resultType", [
  z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: ZLabels, value: ZSample })) }),
  z.object({ resultType: z.literal("scalar"), result: ZSample }),
  z.object({ resultType: z.literal("string"), result: ZSample }),
  z.object({ resultType: z.literal("matrix"), result: z.array(z.object({ metric: ZLabels, values: z.array(ZSample) })) }),
]);
export type TInstantData = z.infer<typeof ZInstantData>;

export const ZRangeData = z.object({
  resultType: z.literal("matrix"),
  result: z.array(z.object({ metric: ZLabels, values: z.array(ZSample) })),
});
export type TRangeData = z.infer<typeof ZRangeData>;

const ZRule = z.object({
  name: z.string(),
  query: z.string(),
  type: z.enum(["alerting", "recording"]),
  health: z.string(),
  lastError: z.string().optional(),
  /** RFC 3339; "0001-01-01T00:00:00Z" before the first evaluation. */
  lastEvaluation: z.string().optional(),
  state: z.string().optional(),
  duration: z.number().optional(),
  labels: ZLabels.optional(),
  annotations: ZLabels.optional(),
});
export const ZRulesData = z.object({
  groups: z.array(z.object({ name: z.string(), file: z.string(), interval: z.number().optional(), rules: z.array(ZRule) })),
});
export type TRulesData = z.infer<typeof ZRulesData>;

export const ZAlertsData = z.object({
  alerts: z.array(
    z.object({ labels: ZLabels, annotations: ZLabels.optional(), state: z.string(), activeAt: z.string().optional(), value: z.string().optional() }),
  ),
});
export type TAlertsData = z.infer<typeof ZAlertsData>;

const ZEnvelope = z.object({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

/** The most of one answer read (a query over many series); past it the answer is refused. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** 1500 -> "1.5 s", 800 -> "0.8 s". */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function label(source: PromSource) {
  return `Prometheus at ${source.url}`;
}

/** Why a request to `source` failed, in words. */
export function describePromFailure(source: PromSource, e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `${label(source)} did not answer within ${seconds(timeoutMs)}`;
  const code = err?.cause?.code;
  if (code === "ECONNREFUSED") return `${label(source)} refused the connection: is it running?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `${label(source)}: the host name ${new URL(source.url).hostname} does not resolve`;
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return `${label(source)} closed the connection`;
  if (code && /CERT|SSL|TLS/.test(code)) return `${label(source)}: its TLS certificate is not trusted (${code})`;
  return `${label(source)} could not be reached: ${err?.cause?.message ?? err?.message ?? String(e)}`;
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw Object.assign(new Error(`the answer is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB: narrow the query`), { name: "TooLarge" });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

interface CallOpts {
  timeoutMs?: number;
  method?: "GET" | "POST";
}

/** One bounded request; the envelope's `data` parsed with `schema`. */
async function call<T>(source: PromSource, path: string, params: Record<string, string>, schema: z.ZodType<T>, opts: CallOpts = {}): Promise<PromResult<T>> {
  const timeoutMs = opts.timeoutMs ?? envPart("WHARF_PROMETHEUS_TIMEOUT_MS").WHARF_PROMETHEUS_TIMEOUT_MS;
  const started = performance.now();
  const done = <R extends object>(r: R) => ({ ...r, ms: Math.round(performance.now() - started) });
  const fail = (reason: string) => done({ ok: false as const, source: source.id, reason });
  const url = new URL(source.url.replace(/\/+$/, "") + path);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  let text: string;
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.method ?? "GET",
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
    text = await readCapped(res);
  } catch (e) {
    if ((e as Error).name === "TooLarge") return fail(`${label(source)}: ${(e as Error).message}`);
    return fail(describePromFailure(source, e, timeoutMs));
  }
  if (res.status >= 300 && res.status < 400) {
    return fail(`${label(source)} answered with a redirect to ${res.headers.get("location") ?? "elsewhere"}, which Wharf does not follow: give the final URL`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const envelope = ZEnvelope.safeParse(json);
  if (!envelope.success) {
    return fail(`${label(source)} answered HTTP ${res.status}, not the Prometheus API: is it the base URL /api/v1 lives under?`);
  }
  if (envelope.data.status === "error") return fail(`${envelope.data.errorType ?? "error"}: ${envelope.data.error ?? `HTTP ${res.status}`}`);
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) return fail(`${label(source)} answered ${path} in a shape Wharf does not know: ${data.error.issues[0]?.message ?? "unexpected data"}`);
  return done({ ok: true as const, source: source.id, data: data.data, warnings: envelope.data.warnings ?? [] });
}

/** Prometheus' `timeout` parameter: it stops evaluating when Wharf stops waiting. */
function evalTimeout(opts: CallOpts) {
  return `${opts.timeoutMs ?? envPart("WHARF_PROMETHEUS_TIMEOUT_MS").WHARF_PROMETHEUS_TIMEOUT_MS}ms`;
}

/** GET /api/v1/query. `time` defaults to now. */
export function query(source: PromSource, promql: string, opts: CallOpts & { time?: Date } = {}): Promise<PromResult<TInstantData>> {
  return call(
    source,
    "/api/v1/query",
    { query: promql, timeout: evalTimeout(opts), ...(opts.time ? { time: String(opts.time.getTime() / 1000) } : {}) },
    ZInstantData,
    opts,
  );
}

export interface Range {
  start: Date;
  end: Date;
  /** Seconds between points. */
  stepSeconds: number;
}

/** GET /api/v1/query_range. */
export function queryRange(source: PromSource, promql: string, range: Range, opts: CallOpts = {}): Promise<PromResult<TRangeData>> {
  return call(
    source,
    "/api/v1/query_range",
    {
      query: promql,
      start: String(range.start.getTime() / 1000),
      end: String(range.end.getTime() / 1000),
      step: String(range.stepSeconds),
      timeout: evalTimeout(opts),
    },
    ZRangeData,
    opts,
  );
}

function onlyManaged<T>(source: PromSource, what: string): PromResult<T> | null {
  if (source.managed) return null;
  return { ok: false, source: source.id, reason: `${label(source)} is a cluster's own Prometheus: Wharf only sends it queries, not ${what}`, ms: 0 };
}

/** GET /api/v1/rules: the rule groups Prometheus loaded, with each rule's health. */
export async function rules(source: PromSource, opts: CallOpts = {}): Promise<PromResult<TRulesData>> {
  return onlyManaged<TRulesData>(source, "rule reads") ?? call(source, "/api/v1/rules", {}, ZRulesData, opts);
}

/** GET /api/v1/alerts: active (pending and firing) alerts. */
export async function alerts(source: PromSource, opts: CallOpts = {}): Promise<PromResult<TAlertsData>> {
  return onlyManaged<TAlertsData>(source, "alert reads") ?? call(source, "/api/v1/alerts", {}, ZAlertsData, opts);
}

/** A lifecycle endpoint (plain text answers): ok, or why not. */
async function lifecycle(source: PromSource, path: string, method: "GET" | "POST", opts: CallOpts): Promise<PromResult<null>> {
  const timeoutMs = opts.timeoutMs ?? envPart("WHARF_PROMETHEUS_TIMEOUT_MS").WHARF_PROMETHEUS_TIMEOUT_MS;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(source.url.replace(/\/+$/, "") + path, { method, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const text = (await readCapped(res)).trim();
    if (res.ok) return { ok: true, source: source.id, data: null, warnings: [], ms: ms() };
    if (res.status === 403 && path === "/-/reload") {
      return { ok: false, source: source.id, reason: `${label(source)} refuses reloads: start it with --web.enable-lifecycle`, ms: ms() };
    }
    return {
      ok: false,
      source: source.id,
      reason: `${label(source)} answered ${path} with HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ""}`,
      ms: ms(),
    };
  } catch (e) {
    return { ok: false, source: source.id, reason: describePromFailure(source, e, timeoutMs), ms: ms() };
  }
}

/** GET /-/ready: Prometheus has loaded its data and serves queries. */
export async function ready(source: PromSource, opts: CallOpts = {}): Promise<PromResult<null>> {
  return onlyManaged<null>(source, "readiness probes") ?? lifecycle(source, "/-/ready", "GET", opts);
}

/** POST /-/reload: Prometheus reads its configuration and rule files again (a rule file that does not load is named in the reason). */
export async function reload(source: PromSource, opts: CallOpts = {}): Promise<PromResult<null>> {
  return onlyManaged<null>(source, "reloads") ?? lifecycle(source, "/-/reload", "POST", { timeoutMs: Math.max(opts.timeoutMs ?? 0, 10_000) });
}

/** A cluster and where its metrics are read from (lib/monitoring/sources.ts). */
export interface ClusterSource {
  cluster: string;
  /** null: no source (no WHARF_PROMETHEUS_URL and no URL of its own). */
  source: PromSource | null;
  /** Its series are those of `source` labelled `cluster="<cluster>"` (the global source); false: every series of `source` is this cluster's. */
  byLabel: boolean;
}

export interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}
export type ClusterSeries = { cluster: string; ok: true; source: string; series: Series[]; warnings: string[] } | (PromFailure & { cluster: string });

function group(clusters: ClusterSource[]) {
  const groups = new Map<string, { source: PromSource; byLabel: boolean; clusters: string[] }>();
  for (const c of clusters) {
    if (!c.source) continue;
    const key = `${c.source.id}|${c.byLabel}`;
    const g = groups.get(key) ?? { source: c.source, byLabel: c.byLabel, clusters: [] };
    g.clusters.push(c.cluster);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function seriesOf(data: TInstantData | TRangeData): Series[] {
  if (data.resultType === "vector") return data.result.map((r) => ({ metric: r.metric, values: [r.value] }));
  if (data.resultType === "matrix") return data.result.map((r) => ({ metric: r.metric, values: r.values }));
  return [{ metric: {}, values: [data.result] }];
}

async function fanOut(
  clusters: ClusterSource[],
  promql: string,
  run: (source: PromSource, q: string) => Promise<PromResult<TInstantData | TRangeData>>,
): Promise<ClusterSeries[]> {
  const byCluster = new Map<string, ClusterSeries>();
  await Promise.all(
    group(clusters).map(async (g) => {
      let q = promql;
      try {
        if (g.byLabel) q = withMatcher(promql, clusterMatcher(g.clusters));
      } catch (e) {
        for (const c of g.clusters) byCluster.set(c, { cluster: c, ok: false, source: g.source.id, reason: (e as Error).message });
        return;
      }
      const r = await run(g.source, q);
      for (const c of g.clusters) {
        if (!r.ok) {
          byCluster.set(c, { cluster: c, ok: false, source: r.source, reason: r.reason });
          continue;
        }
        const all = seriesOf(r.data);
        const mine = g.byLabel ? all.filter((s) => s.metric.cluster === c) : all.map((s) => ({ ...s, metric: { ...s.metric, cluster: c } }));
        byCluster.set(c, { cluster: c, ok: true, source: r.source, series: mine, warnings: r.warnings });
      }
    }),
  );
  return clusters.map(
    (c) =>
      byCluster.get(c.cluster) ?? {
        cluster: c.cluster,
        ok: false,
        source: "none",
        reason: `No Prometheus is configured for ${c.cluster}: set WHARF_PROMETHEUS_URL, or a Prometheus URL on the cluster's page`,
      },
  );
}

/**
 * An instant query for several clusters at once. Write `promql` for one
 * Prometheus (keep `cluster` in any `by (...)` to tell clusters apart in the
 * global source); each cluster gets its own series, or its source's failure.
 */
export function queryClusters(clusters: ClusterSource[], promql: string, opts: CallOpts & { time?: Date } = {}) {
  return fanOut(clusters, promql, (s, q) => query(s, q, opts));
}

/** A range query for several clusters at once (see queryClusters). */
export function queryRangeClusters(clusters: ClusterSource[], promql: string, range: Range, opts: CallOpts = {}) {
  return fanOut(clusters, promql, (s, q) => queryRange(s, q, range, opts));
}
