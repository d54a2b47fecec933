/**
 * Is monitoring usable? What every monitoring page asks first:
 *   - not configured: no WHARF_PROMETHEUS_URL and no cluster with a URL of its own
 *     (the page says so plainly, and what to install);
 *   - down: one or more sources do not answer (each named, with why);
 *   - up: every source answered a query.
 * Each source is asked `vector(1)` (a query: the only request a cluster's own
 * Prometheus gets), bounded like every query; the answer is reused 5 s.
 */
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { envPart } from "@/lib/env";
import { query, type PromSource } from "./prom";
import { globalSource, unsafeClusterSources } from "./sources";

export const MONITORING_INSTALL_HINT =
  "Set WHARF_PROMETHEUS_URL to your Prometheus (or Thanos, Mimir, VictoriaMetrics). On a development machine, `npm run dev` starts one when the Debian packages are installed: apt-get install prometheus prometheus-alertmanager";

export interface SourceStatus {
  /** "global" or "cluster:<name>". */
  source: string;
  url: string;
  /** The clusters read from it. */
  clusters: string[];
  ok: boolean;
  /** Why not, when not ok. */
  reason?: string;
  ms: number;
}

export type MonitoringStatus =
  | { state: "not_configured"; message: string; install: string }
  | { state: "down"; message: string; sources: SourceStatus[]; down: SourceStatus[]; alertmanagerUrl?: string }
  | { state: "up"; sources: SourceStatus[]; alertmanagerUrl?: string };

let cached: { at: number; key: string; value: Promise<MonitoringStatus> } | undefined;
const CACHE_MS = 5_000;

export async function monitoringStatus(ctx: Ctx, opts: { fresh?: boolean } = {}): Promise<MonitoringStatus> {
  authorize(ctx, "monitoring.status.read", platform);
  const clusters = await unsafeClusterSources();
  const global = globalSource();
  const sources = new Map<string, { source: PromSource; clusters: string[] }>();
  if (global) sources.set(global.id, { source: global, clusters: [] });
  for (const c of clusters) {
    if (!c.source) continue;
    const entry = sources.get(c.source.id) ?? { source: c.source, clusters: [] };
    entry.clusters.push(c.cluster);
    sources.set(c.source.id, entry);
  }
  if (!sources.size) {
    return {
      state: "not_configured",
      message: "Monitoring is not set up: no Prometheus is configured, so there are no metrics to show.",
      install: MONITORING_INSTALL_HINT,
    };
  }
  const key = JSON.stringify([...sources.values()].map((s) => [s.source.id, s.source.url, s.clusters]));
  if (!opts.fresh && cached && cached.key === key && Date.now() - cached.at < CACHE_MS) return cached.value;
  const value = (async (): Promise<MonitoringStatus> => {
    const checked = await Promise.all(
      [...sources.values()].map(async ({ source, clusters: names }): Promise<SourceStatus> => {
        const r = await query(source, "vector(1)");
        return { source: source.id, url: source.url, clusters: names, ok: r.ok, ...(r.ok ? {} : { reason: r.reason }), ms: r.ms };
      }),
    );
    const down = checked.filter((s) => !s.ok);
    const alertmanagerUrl = envPart("WHARF_ALERTMANAGER_URL").WHARF_ALERTMANAGER_URL;
    if (!down.length) return { state: "up", sources: checked, ...(alertmanagerUrl ? { alertmanagerUrl } : {}) };
    const message =
      down.length === 1
        ? `Metrics${down[0].clusters.length ? ` of ${down[0].clusters.join(", ")}` : ""} cannot be read: ${down[0].reason}`
        : `Metrics cannot be read from ${down.length} sources: ${down.map((d) => d.reason).join("; ")}`;
    return { state: "down", message, sources: checked, down, ...(alertmanagerUrl ? { alertmanagerUrl } : {}) };
  })();
  cached = { at: Date.now(), key, value };
  return value;
}
