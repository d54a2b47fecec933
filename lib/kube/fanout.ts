/**
 * Reads across clusters: every cluster in parallel, each bounded by its own
 * timeout, so one slow or unreachable cluster degrades its own cells and
 * never the page. Results are cached per cluster for a few seconds and a
 * read in flight is shared, which bounds the load many viewers put on a
 * cluster.
 */
import { connectCluster, type ClusterConnection } from "./connection";
import { describeClusterFailure } from "./gateway";
import { env } from "@/lib/env";

export type ClusterRead<T> =
  { cluster: string; clusterId: string; ok: true; value: T; ms: number } | { cluster: string; clusterId: string; ok: false; error: string; ms: number };

const cache = new Map<string, { at: number; value: Promise<ClusterRead<unknown>> }>();

/** Drops a cluster's reused reads: its credentials changed, so what was read with the old ones no longer counts. */
export function forgetClusterReads(clusterId: string) {
  for (const k of cache.keys()) if (k.startsWith(`${clusterId}:`)) cache.delete(k);
}

/** Per-cluster bound of a read for a page (WHARF_CLUSTER_READ_TIMEOUT_MS, default 1.2 s). */
export function readTimeoutMs() {
  return env().WHARF_CLUSTER_READ_TIMEOUT_MS;
}

export async function readCluster<T>(
  clusterId: string,
  key: string,
  read: (conn: ClusterConnection) => Promise<T>,
  opts: { timeoutMs?: number; ttlMs?: number } = {},
): Promise<ClusterRead<T>> {
  const timeoutMs = opts.timeoutMs ?? readTimeoutMs();
  const cacheKey = `${clusterId}:${key}`;
  const hit = cache.get(cacheKey);
  const ttl = opts.ttlMs ?? env().WHARF_CLUSTER_READ_CACHE_MS;
  if (hit && Date.now() - hit.at < ttl) return hit.value as Promise<ClusterRead<T>>;
  const started = performance.now();
  const value = (async (): Promise<ClusterRead<T>> => {
    let name = clusterId;
    let server = "the cluster";
    try {
      const conn = await connectCluster(clusterId, timeoutMs);
      name = conn.name;
      server = conn.kc.getCurrentCluster()?.server ?? server;
      // The request itself is aborted at the timeout; the race also bounds connection set-up.
      const result = await Promise.race([
        read(conn),
        new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })), timeoutMs + 50)),
      ]);
      return { cluster: name, clusterId, ok: true, value: result, ms: Math.round(performance.now() - started) };
    } catch (e) {
      const err = describeClusterFailure(name, server, e, timeoutMs);
      return { cluster: name, clusterId, ok: false, error: err.reason, ms: Math.round(performance.now() - started) };
    }
  })();
  cache.set(cacheKey, { at: Date.now(), value });
  if (cache.size > 2000) for (const [k, v] of cache) if (Date.now() - v.at > 60_000) cache.delete(k);
  return value;
}

export function readClusters<T>(
  clusterIds: string[],
  key: string,
  read: (conn: ClusterConnection) => Promise<T>,
  opts?: { timeoutMs?: number; ttlMs?: number },
) {
  return Promise.all(clusterIds.map((id) => readCluster(id, key, read, opts)));
}
