/**
 * Where each cluster's metrics are read from. The choice (docs/monitoring.md):
 * one global Prometheus-API URL (WHARF_PROMETHEUS_URL) whose series carry
 * `cluster="<registry name>"`, and, per cluster, an optional URL of its own
 * (set by an admin on the cluster's page) that replaces it for that cluster.
 */
import { db } from "@/lib/db/client";
import { envPart } from "@/lib/env";
import type { ClusterSource, PromSource } from "./prom";

/** The portal's own Prometheus (WHARF_PROMETHEUS_URL), or null when monitoring is not configured. */
export function globalSource(): PromSource | null {
  const url = envPart("WHARF_PROMETHEUS_URL").WHARF_PROMETHEUS_URL;
  return url ? { id: "global", url, managed: true } : null;
}

/** The source of one cluster, from its registry row. */
export function sourceOfCluster(cluster: { name: string; prometheusUrl: string }, global: PromSource | null = globalSource()): ClusterSource {
  if (cluster.prometheusUrl)
    return { cluster: cluster.name, source: { id: `cluster:${cluster.name}`, url: cluster.prometheusUrl, managed: false }, byLabel: false };
  return { cluster: cluster.name, source: global, byLabel: true };
}

/**
 * Every registered cluster (or those named) with its source. Not authorized:
 * cluster names and their metrics URLs are what every monitoring read needs;
 * callers authorize what they read (monitoring.read on the project).
 */
export async function unsafeClusterSources(names?: string[]): Promise<ClusterSource[]> {
  const rows = await db().cluster.findMany({
    where: names ? { name: { in: names } } : {},
    orderBy: { name: "asc" },
    select: { name: true, prometheusUrl: true },
  });
  const global = globalSource();
  return rows.map((r) => sourceOfCluster(r, global));
}
