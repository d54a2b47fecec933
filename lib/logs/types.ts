/**
 * The seams inside the log center's server side (the wire contract with the
 * browser is ./protocol.ts):
 *
 *   lines.ts     bytes of a container log -> RawLine (timestamp, level, 64 KB cut)
 *   upstream.ts  UpstreamHub: at most one follow stream per container per
 *                process, shared by every viewer, with a ring of recent lines
 *   pods.ts      PodWatcher: the pods of a service on a cluster, shared
 *   reader.ts    LogReader: a service's merged, filtered lines (the Kubernetes
 *                reader over the two above; a LogQL reader can replace it)
 *   stream.ts    one viewer: authorization, SSE framing, bounded buffer, cursor
 */
import type { LogLevel } from "./protocol";

/** One container's log on one cluster (`previous`: its last terminated instance). */
export interface ContainerKey {
  clusterId: string;
  namespace: string;
  pod: string;
  container: string;
  previous?: boolean;
}

/** A parsed line of one container. */
export interface RawLine {
  /** The kubelet's timestamp as written (RFC 3339, nanoseconds). */
  ts: string;
  /** Epoch milliseconds of `ts`. */
  ms: number;
  level: LogLevel;
  text: string;
  /** Set when the line was cut at MAX_LINE_BYTES: its full length in bytes. */
  cut?: number;
}

/**
 * Where a reader of one container stopped: the timestamp of the last line it
 * got and how many lines carried exactly that timestamp (so a resume from
 * `sinceTime`, which the API takes at second precision, drops what was seen
 * and nothing else).
 */
export interface Position {
  ts: string;
  n: number;
}

/** Where a subscription starts: the last `tail` lines, the lines since `sinceMs`, or just after `after`. */
export interface StartAt {
  tail?: number;
  sinceMs?: number;
  after?: Position;
}

export type UpstreamEvent =
  /** Lines in the container's order, none repeated, none skipped. */
  | { kind: "lines"; lines: RawLine[] }
  /** The backlog asked for by StartAt is out; what follows is live. */
  | { kind: "live" }
  /**
   * unreachable: the cluster stopped answering (lines stop; the hub retries and
   * resumes after the last line); resumed: back; ended: the container or pod
   * is gone and the log is complete; waiting: the container has not started
   * (the hub retries); limit: the cluster's bound on streams is reached.
   * A container that restarts is followed into its new instance: the rest of
   * the old one's log, then "waiting" while it backs off (or "resumed" with
   * the restart's reason at once), then its lines: a crash loop is one
   * subscription.
   */
  | { kind: "state"; state: "unreachable" | "resumed" | "ended" | "waiting" | "limit"; message: string };

export interface Subscription {
  close(): void;
}

export interface UpstreamHub {
  /**
   * Lines of `key` from `start` on, then live. The listener is called
   * synchronously, never inside `subscribe` itself, and never awaited; a
   * `lines` array may be the same object for every subscriber: do not change it.
   */
  subscribe(key: ContainerKey, start: StartAt, listener: (e: UpstreamEvent) => void): Subscription;
  /** Open upstream streams per cluster (also the `wharf_log_upstream_streams` gauge). */
  stats(): { clusterId: string; open: number }[];
}

export interface PodInfo {
  name: string;
  uid: string;
  phase: string;
  ready: boolean;
  /** Being deleted (deletionTimestamp set). */
  deleting: boolean;
  containers: { name: string; restartCount: number; state: "running" | "waiting" | "terminated"; reason?: string }[];
}

export type PodWatchEvent =
  /** The full list (first, and after a reconnect). */
  | { kind: "sync"; pods: PodInfo[] }
  | { kind: "upsert"; pod: PodInfo }
  | { kind: "deleted"; pod: PodInfo }
  | { kind: "unreachable"; message: string }
  | { kind: "resumed" };

export interface PodWatcher {
  /** Pods matching `selector` in `namespace` on a cluster; one watch per (cluster, namespace, selector) per process. */
  watch(clusterId: string, namespace: string, selector: string, listener: (e: PodWatchEvent) => void): Subscription;
}
