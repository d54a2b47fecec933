/**
 * Which pod a client is: none of the Apollo clients sends a label, so a gray
 * rule by pod label (or pod name) is resolved from the IP the client reports,
 * looked up among the pods of the service's namespace (`<project>-<env>`) on
 * the clusters of that environment. One bounded list call per cluster and
 * namespace (lib/kube/fanout.ts: the cluster's timeout, failures become "not
 * known", never an error for the client), shared by every client of the
 * project.
 *
 * Staleness: a pod's IP changes at every restart and may be given to another
 * pod, so a listing is reused for WHARF_CONFIG_POD_CACHE_MS only (5 s by
 * default: a client asks once at start and once per publish, so a few
 * seconds already collapse a rollout's burst into one read, while an IP that
 * moved is wrong for 5 s at most). An IP that is not in a listing read
 * before its request (a pod that just started: the usual case for a client's
 * first request, which must not miss its gray release) waits for a listing
 * read after it, at most four per second per namespace. So a client that is
 * no pod pays up to 250 ms per request, and only while a gray release of its
 * namespace is active (the pod is looked up only then).
 */
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { readCluster } from "@/lib/kube/fanout";
import { childLogger } from "@/lib/log";
import type { EnvKind } from "@/lib/catalog/environments";
import { parseAppId } from "../store";

const log = childLogger("config-pods");

export interface PodIdentity {
  pod: string;
  labels: Record<string, string>;
  cluster: string;
}

type Listing = Map<string, PodIdentity> | null;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/** The pods of a listing that answer for an IP: running or starting pods with their own IP (not the node's). */
export function podsByIp(pods: readonly V1Pod[], cluster: string): Map<string, PodIdentity> {
  const out = new Map<string, PodIdentity>();
  for (const p of pods) {
    const ip = p.status?.podIP;
    if (!ip || p.spec?.hostNetwork || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
    const identity = { pod: p.metadata?.name ?? "", labels: { ...(p.metadata?.labels ?? {}) }, cluster };
    // Two live pods with one IP should not happen; prefer the one not being deleted.
    if (!out.has(ip) || !p.metadata?.deletionTimestamp) out.set(ip, identity);
  }
  return out;
}

export class PodDirectory {
  private readonly listings = new Map<string, Cached<Listing>>();
  private readonly clusters = new Map<string, Cached<{ id: string; name: string }[]>>();
  private readonly next = new Map<string, Promise<Listing>>();

  constructor(
    private readonly ttlMs: number,
    private readonly minRefreshMs = 250,
  ) {}

  private clustersOf(environment: EnvKind, projectSlug: string) {
    const key = `${environment}:${projectSlug}`;
    const hit = this.clusters.get(key);
    if (hit && Date.now() - hit.at < Math.max(this.ttlMs, 1_000)) return hit.value;
    const value = db()
      .environmentCluster.findMany({
        where: { environment: { kind: environment, project: { slug: projectSlug } } },
        select: { cluster: { select: { id: true, name: true } } },
      })
      .then((rows) => rows.map((r) => r.cluster));
    value.catch(() => this.clusters.delete(key));
    if (this.clusters.size > 10_000) this.clusters.clear();
    this.clusters.set(key, { at: Date.now(), value });
    return value;
  }

  /** Reads a namespace's pods now; the result replaces the cached listing when it is the newest. */
  private read(cluster: { id: string; name: string }, namespace: string): Cached<Listing> {
    const key = `${cluster.id}:${namespace}`;
    const value = readCluster(
      cluster.id,
      `config-pods:${namespace}`,
      async (conn) => (await conn.api(CoreV1Api).listNamespacedPod({ namespace, limit: 2000 })).items,
      { ttlMs: 0 },
    ).then((r) => {
      if (r.ok) return podsByIp(r.value, cluster.name);
      log.debug({ cluster: cluster.name, namespace, error: r.error }, "pods not read: gray rules by label do not apply to these clients now");
      return null;
    });
    const entry = { at: Date.now(), value };
    if (this.listings.size > 5_000) for (const [k, v] of this.listings) if (Date.now() - v.at > 60_000) this.listings.delete(k);
    this.listings.set(key, entry);
    return entry;
  }

  /**
   * A listing read at `since` or later: the cached one when it is that
   * recent, else a new read, at most one per `minRefreshMs` per namespace (a
   * caller arriving sooner waits for the next one, shared).
   */
  private listingSince(cluster: { id: string; name: string }, namespace: string, since: number): Promise<Listing> {
    const key = `${cluster.id}:${namespace}`;
    const hit = this.listings.get(key);
    if (hit && hit.at >= since) return hit.value;
    const wait = hit ? hit.at + this.minRefreshMs - Date.now() : 0;
    if (wait <= 0) return this.read(cluster, namespace).value;
    let next = this.next.get(key);
    if (!next) {
      next = new Promise<Listing>((resolve) =>
        setTimeout(() => {
          this.next.delete(key);
          resolve(this.read(cluster, namespace).value);
        }, wait),
      );
      this.next.set(key, next);
    }
    return next;
  }

  private cachedListing(cluster: { id: string; name: string }, namespace: string): Promise<Listing> {
    const hit = this.listings.get(`${cluster.id}:${namespace}`);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    return this.read(cluster, namespace).value;
  }

  /**
   * The pod of an IP among the service's pods in the environment, or null.
   * `hints` (the client's cluster and data centre) narrow the search to that
   * cluster when they name one: pod IP ranges of two clusters may overlap.
   * An IP found on two clusters is ambiguous and identifies nobody.
   */
  async identify(environment: EnvKind, appId: string, hints: readonly (string | undefined)[], ip: string): Promise<PodIdentity | null> {
    const app = parseAppId(appId);
    if (!app) return null;
    const namespace = `${app.projectSlug}-${environment}`;
    const all = await this.clustersOf(environment, app.projectSlug);
    const hinted = all.filter((c) => hints.includes(c.name));
    const clusters = hinted.length ? hinted : all;
    const asked = Date.now();
    const found = await Promise.all(
      clusters.map(async (c) => {
        const first = await this.cachedListing(c, namespace);
        if (first?.has(ip)) return first.get(ip)!;
        // Not in a listing read before this request (a pod that just started?): read again.
        return (await this.listingSince(c, namespace, asked))?.get(ip) ?? null;
      }),
    );
    const matches = found.filter((f): f is PodIdentity => f !== null);
    if (matches.length > 1) log.warn({ ip, namespace, clusters: matches.map((m) => m.cluster) }, "an IP is a pod on several clusters: not used for gray rules");
    return matches.length === 1 ? matches[0]! : null;
  }
}
