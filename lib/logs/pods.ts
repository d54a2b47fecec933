/**
 * The pod watcher: the pods of a service on a cluster (a namespace and a
 * label selector), one list+watch per (cluster, namespace, selector) per
 * process, shared by every subscriber.
 *
 * A subscriber first gets `sync` (the full list), then `upsert` and `deleted`
 * as the watch reports them (at once: a pod that becomes ready is reported
 * by the event that made it ready). The watch resumes from the last
 * resourceVersion it saw (BOOKMARKs keep it current); an expired one (410
 * Gone) is answered by a new list (`sync`). When the cluster stops answering,
 * subscribers get `unreachable` with the reason; the watcher retries with
 * backoff and, once the list answers again, sends `sync` and `resumed`.
 * The watch closes a short while (default 5 s) after its last subscriber left.
 */
import { CoreV1Api, Watch } from "@kubernetes/client-node";
import { connectCluster, type ClusterConnection } from "@/lib/kube/connection";
import { describeClusterFailure } from "@/lib/kube/gateway";
import { childLogger } from "@/lib/log";
import type { PodInfo, PodWatchEvent, PodWatcher, Subscription } from "./types";

const log = childLogger("log-pods");

export interface PodWatcherOptions {
  /** Opens a registered cluster (default: lib/kube/connection.ts). */
  connect?: (clusterId: string) => Promise<ClusterConnection>;
  /** How long a watch stays open after its last subscriber left (default 5 s). */
  idleCloseMs?: number;
  /** Retry backoff: first and longest wait (default 500 ms, 30 s). */
  retryMs?: [number, number];
}

/** The parts of a pod (as the API sends it) the log center reads. */
interface RawPod {
  metadata?: { name?: string; uid?: string; resourceVersion?: string; deletionTimestamp?: unknown };
  spec?: { containers?: { name: string }[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      restartCount?: number;
      state?: { running?: object; waiting?: { reason?: string }; terminated?: { reason?: string } };
    }[];
  };
}

/** A pod as the log center sees it. */
export function podInfo(pod: RawPod): PodInfo {
  const statuses = pod.status?.containerStatuses ?? [];
  const names = pod.spec?.containers?.map((c) => c.name) ?? statuses.map((s) => s.name);
  return {
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
    phase: pod.status?.phase ?? "Pending",
    ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    deleting: Boolean(pod.metadata?.deletionTimestamp),
    containers: names.map((name) => {
      const s = statuses.find((c) => c.name === name);
      const state = s?.state?.running ? "running" : s?.state?.terminated ? "terminated" : "waiting";
      const reason = s?.state?.waiting?.reason ?? s?.state?.terminated?.reason;
      return { name, restartCount: s?.restartCount ?? 0, state, ...(reason ? { reason } : {}) };
    }),
  };
}

type Listener = (e: PodWatchEvent) => void;

class Expired extends Error {}

class SharedWatch {
  readonly listeners = new Set<Listener>();
  private pods = new Map<string, PodInfo>();
  private rv = "";
  private synced = false;
  private trouble: string | null = null;
  private closed = false;
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private backoff: number;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly watcher: KubernetesPodWatcher,
    readonly id: string,
    readonly clusterId: string,
    readonly namespace: string,
    readonly selector: string,
  ) {
    this.backoff = watcher.retryMs[0];
    void this.run();
  }

  add(l: Listener) {
    this.listeners.add(l);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.synced || this.trouble) {
      // after the caller holds its subscription
      queueMicrotask(() => {
        if (!this.listeners.has(l)) return;
        if (this.synced) call(l, { kind: "sync", pods: [...this.pods.values()] });
        if (this.trouble) call(l, { kind: "unreachable", message: this.trouble });
      });
    }
  }

  remove(l: Listener) {
    this.listeners.delete(l);
    if (this.listeners.size === 0 && !this.closed && !this.idleTimer) {
      this.idleTimer = setTimeout(() => this.close(), this.watcher.idleCloseMs);
      this.idleTimer.unref();
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.abort?.abort();
    this.wake?.();
    this.watcher.forget(this);
  }

  private emit(e: PodWatchEvent) {
    for (const l of [...this.listeners]) call(l, e);
  }

  private async run() {
    let conn: ClusterConnection | null = null;
    while (!this.closed) {
      let watching = false;
      try {
        conn ??= await this.watcher.connect(this.clusterId);
        const list = await conn.api(CoreV1Api).listNamespacedPod({ namespace: this.namespace, labelSelector: this.selector || undefined });
        if (this.closed) return;
        this.pods = new Map(list.items.map((p) => [p.metadata?.name ?? "", podInfo(p as RawPod)]));
        this.rv = list.metadata?.resourceVersion ?? "";
        this.synced = true;
        this.emit({ kind: "sync", pods: [...this.pods.values()] });
        if (this.trouble) {
          this.trouble = null;
          this.emit({ kind: "resumed" });
        }
        this.backoff = this.watcher.retryMs[0];
        watching = true;
        // watch from the list's version, again after each server-side close, until an error or 410
        while (!this.closed) await this.watchOnce(conn);
      } catch (e) {
        if (this.closed) return;
        if (e instanceof Expired) continue; // relist at once
        if (watching) {
          // the watch broke: one list at once (a reset connection, a restarted API server) before calling it unreachable
          log.debug({ err: e }, "pod watch broke; listing again");
          watching = false;
          try {
            await conn?.api(CoreV1Api).listNamespacedPod({ namespace: this.namespace, labelSelector: this.selector || undefined, limit: 1 });
            continue;
          } catch (again) {
            e = again;
          }
        }
        if (this.closed) return;
        const reason = conn
          ? describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "the API server", e, conn.timeoutMs).message
          : describeClusterFailure(this.clusterId, "the API server", e, 0).message;
        if (!this.trouble) {
          this.trouble = reason;
          this.emit({ kind: "unreachable", message: reason });
        }
        conn = null; // opened again next time (a cluster re-registered with new credentials)
        await this.pause();
      }
    }
  }

  /** One watch request: resolves when the server closes it, rejects on an error (Expired: list again). */
  private watchOnce(conn: ClusterConnection): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let expired = false;
      const path = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods`;
      const params = { labelSelector: this.selector || undefined, resourceVersion: this.rv || undefined, allowWatchBookmarks: true };
      new Watch(conn.kc)
        .watch(
          path,
          params,
          (type: string, obj: RawPod & { code?: number }) => {
            if (this.closed) return;
            if (type === "ERROR") {
              if (obj.code === 410) expired = true;
              return;
            }
            const rv = obj.metadata?.resourceVersion;
            if (rv) this.rv = rv;
            if (type === "BOOKMARK") return;
            const pod = podInfo(obj);
            if (type === "DELETED") {
              this.pods.delete(pod.name);
              this.emit({ kind: "deleted", pod });
            } else if (type === "ADDED" || type === "MODIFIED") {
              const before = this.pods.get(pod.name);
              this.pods.set(pod.name, pod);
              if (!before || JSON.stringify(before) !== JSON.stringify(pod)) this.emit({ kind: "upsert", pod });
            }
          },
          (err: unknown) => {
            this.abort = null;
            if (expired) reject(new Expired("resourceVersion expired"));
            else if (err && !this.closed) reject(err);
            else resolve();
          },
        )
        .then((controller) => {
          this.abort = controller;
          if (this.closed) controller.abort();
        }, reject);
    });
  }

  private pause(): Promise<void> {
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.watcher.retryMs[1]);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, wait);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }
}

function call(l: Listener, e: PodWatchEvent) {
  try {
    l(e);
  } catch (err) {
    log.warn({ err }, "a pod listener failed");
  }
}

export class KubernetesPodWatcher implements PodWatcher {
  readonly idleCloseMs: number;
  readonly retryMs: [number, number];
  readonly connect: (clusterId: string) => Promise<ClusterConnection>;
  private readonly watches = new Map<string, SharedWatch>();

  constructor(opts: PodWatcherOptions = {}) {
    this.idleCloseMs = opts.idleCloseMs ?? 5_000;
    this.retryMs = opts.retryMs ?? [500, 30_000];
    this.connect = opts.connect ?? ((id) => connectCluster(id));
  }

  watch(clusterId: string, namespace: string, selector: string, listener: Listener): Subscription {
    const id = JSON.stringify([clusterId, namespace, selector]);
    let w = this.watches.get(id);
    if (!w) {
      w = new SharedWatch(this, id, clusterId, namespace, selector);
      this.watches.set(id, w);
    }
    const held = w;
    held.add(listener);
    return { close: () => held.remove(listener) };
  }

  /** Open watches (one per cluster, namespace and selector). */
  stats(): { clusterId: string; namespace: string; selector: string; subscribers: number }[] {
    return [...this.watches.values()].map((w) => ({ clusterId: w.clusterId, namespace: w.namespace, selector: w.selector, subscribers: w.listeners.size }));
  }

  /** Closes every watch now (the end of a test file, a process that exits). */
  close() {
    for (const w of [...this.watches.values()]) w.close();
  }

  /** @internal a watch closed */
  forget(w: SharedWatch) {
    if (this.watches.get(w.id) === w) this.watches.delete(w.id);
  }
}

// Kept on globalThis so a hot reload in dev reuses the open watches.
const g = globalThis as typeof globalThis & { wharfPodWatcher?: KubernetesPodWatcher };

/** The process's pod watcher (one watch per cluster, namespace and selector). */
export function podWatcher(): KubernetesPodWatcher {
  g.wharfPodWatcher ??= new KubernetesPodWatcher();
  return g.wharfPodWatcher;
}
