/**
 * The upstream hub: at most one follow stream per container per process,
 * shared by every subscriber (every viewer of that container in this web
 * process), with a ring of its recent lines.
 *
 * How a subscription starts (StartAt):
 * - the first subscriber of a container: one bounded read of what it asked
 *   (`tailLines`, or `sinceTime` at whole seconds) fills the ring, then the
 *   follow stream opens just after the last line read (`sinceTime` of that
 *   line's second, dropping what was read: Position = timestamp + how many
 *   lines carried it);
 * - a later subscriber is served from the ring when the ring covers what it
 *   asks (the last N lines, the lines since a time, the lines after a
 *   Position), without asking the cluster; otherwise by one bounded read of
 *   the part before the ring, joined to the ring by position (no line lost or
 *   repeated), while the live lines that arrive meanwhile wait for it;
 * - `previous: true` keys are one-off reads of the last terminated instance
 *   (no follow, no sharing), then "ended".
 *
 * Faults and ends, as `state` events to every subscriber of the container:
 * - "unreachable" (the stream broke, the cluster refused or did not answer
 *   within the cluster timeout; a quiet container is fine), retried with
 *   backoff; on reconnect the follow asks `sinceTime` from the last position,
 *   drops what was delivered, then "resumed";
 * - "waiting": the kubelet's 400 "is waiting to start" (creating, crash
 *   back-off); retried, then "resumed" once it runs;
 * - a log that ends: the pod is read; deleted or being deleted, or the
 *   container finished for good -> "ended" and the stream closes for
 *   everyone; the container restarted -> the hub follows the new instance
 *   (its lines come after the old one's: "waiting" while it starts, then
 *   "resumed"), so a crash loop stays one subscription.
 * - "limit": the cluster already has WHARF_LOG_UPSTREAMS_PER_CLUSTER open
 *   streams in this process (an idle one, kept for its idle delay, is closed
 *   to make room first); nothing is streamed for that subscription.
 *
 * When the last subscriber leaves, the stream stays open
 * WHARF_LOG_IDLE_CLOSE_MS (a reload or a second viewer finds it), then closes.
 * Listeners are called synchronously and never awaited: a slow viewer is
 * bounded by its own queue (./stream.ts), never by the hub.
 */
import { Writable } from "node:stream";
import { ApiException, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { connectCluster, type ClusterConnection } from "@/lib/kube/connection";
import { describeClusterFailure } from "@/lib/kube/gateway";
import { followPodLog, type PodLogOptions, type PodLogStream } from "@/lib/kube/pod-log";
import { envPart } from "@/lib/env";
import { childLogger } from "@/lib/log";
import { reportLogUpstreams } from "@/lib/telemetry/metrics";
import { LineSplitter, msKey, sinceTimeOf, tsKey } from "./lines";
import type { ContainerKey, Position, RawLine, StartAt, Subscription, UpstreamEvent, UpstreamHub } from "./types";

const log = childLogger("log-upstream");

/** Lines kept from one bounded read (a long `since`): the latest ones. */
const MAX_READ_LINES = 20_000;
/** How long a bounded read may take to the last byte. */
const READ_TIMEOUT_MS = 60_000;

export interface UpstreamHubOptions {
  /** Opens a registered cluster (default: lib/kube/connection.ts). */
  connect?: (clusterId: string) => Promise<ClusterConnection>;
  /** Default WHARF_LOG_UPSTREAMS_PER_CLUSTER. */
  perCluster?: number;
  /** Default WHARF_LOG_IDLE_CLOSE_MS. */
  idleCloseMs?: number;
  /** Default WHARF_LOG_RING_LINES. */
  ringLines?: number;
  /** Default WHARF_LOG_RING_BYTES. */
  ringBytes?: number;
  /** Retry backoff: first and longest wait (default 1 s, 30 s). */
  retryMs?: [number, number];
  /** How long an opened cluster connection (its decrypted kubeconfig) is reused (default 60 s). */
  connectionTtlMs?: number;
}

/** A line with its place: its timestamp key and its number among the lines of that timestamp (1-based). */
interface Entry {
  line: RawLine;
  key: string;
  n: number;
  bytes: number;
}

interface Pos {
  key: string;
  n: number;
}

const cmp = (a: Pos, b: Pos) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.n - b.n);
const posOf = (p: Position): Pos => ({ key: tsKey(p.ts), n: p.n });
/** A key just after every line of `key`'s timestamp and before any later one. */
const after = (key: string) => `${key}~`;
/** Nothing covered. */
const NOTHING = "~";

/** Numbers lines in order, from `from` (null: the read starts at a whole second, so at the start of a timestamp). */
function numbered(lines: readonly RawLine[], from: Pos | null): Entry[] {
  let prev = from;
  return lines.map((line) => {
    const key = tsKey(line.ts);
    const n = prev && prev.key === key ? prev.n + 1 : 1;
    prev = { key, n };
    return { line, key, n, bytes: line.text.length + line.ts.length + 16 };
  });
}

function isWaiting(e: unknown): string | null {
  if (!(e instanceof ApiException) || e.code !== 400) return null;
  const msg = statusMessage(e);
  return /is waiting to start/.test(msg) ? msg : null;
}

function statusMessage(e: ApiException<unknown>): string {
  const body = e.body;
  if (typeof body === "string") {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? body);
    } catch {
      return body;
    }
  }
  return String((body as { message?: unknown } | null)?.message ?? e.message);
}

class Sub {
  /** The last line delivered (later lines only are passed on). */
  pos: Pos | null = null;
  /** Waiting for its backlog: live lines are held here meanwhile. */
  pending: Entry[] | null = [];
  closed = false;
  constructor(
    readonly start: StartAt,
    readonly listener: (e: UpstreamEvent) => void,
  ) {}

  emit(e: UpstreamEvent) {
    if (this.closed) return;
    try {
      this.listener(e);
    } catch (err) {
      log.warn({ err }, "a log listener failed");
    }
  }

  /**
   * Passes on the lines after what it has (lines arrive in order). `shared`:
   * the same lines as an array, handed as is to every subscriber that takes
   * them all (listeners must not change it).
   */
  deliver(entries: readonly Entry[], shared?: RawLine[]) {
    if (this.closed || !entries.length) return;
    let from = 0;
    if (this.pos) while (from < entries.length && cmp(entries[from], this.pos) <= 0) from++;
    if (from >= entries.length) return;
    this.pos = entries[entries.length - 1];
    const lines = from === 0 && shared ? shared : entries.slice(from).map((e) => e.line);
    this.emit({ kind: "lines", lines });
  }
}

/** Where the follow stream starts. */
type FollowFrom = { after: Pos } | { sinceKey: string } | { all: true } | { fresh: true };

class Upstream {
  readonly subs = new Set<Sub>();
  ring: Entry[] = [];
  private ringBytes = 0;
  /** The ring holds every line of the log whose key is >= this ("" the whole log, NOTHING none). */
  coverKey = NOTHING;
  /** The last line appended (the follow resumes after it). */
  last: Pos | null = null;
  private followFrom: FollowFrom = { fresh: true };
  /** The initial read is done: subscribers can be served. */
  ready = false;
  closed = false;
  private stream: PodLogStream | null = null;
  private attempt: AbortController | null = null;
  private wake: (() => void) | null = null;
  private backoff: number;
  /** The last trouble state sent (cleared by "resumed"). */
  private trouble: "unreachable" | "waiting" | null = null;
  idleTimer: NodeJS.Timeout | null = null;
  /** restartCount of the instance being followed. */
  private restarts: number | null = null;

  constructor(
    readonly hub: KubernetesUpstreamHub,
    readonly key: ContainerKey,
    readonly id: string,
  ) {
    this.backoff = hub.retryMs[0];
  }

  start(first: Sub) {
    this.add(first);
    void this.run(first);
  }

  add(sub: Sub) {
    this.subs.add(sub);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.ready) this.serve(sub);
    else if (this.trouble) queueMicrotask(() => sub.emit({ kind: "state", state: this.trouble ?? "unreachable", message: this.troubleMessage }));
  }

  private troubleMessage = "";

  remove(sub: Sub) {
    sub.closed = true;
    this.subs.delete(sub);
    if (this.subs.size === 0 && !this.closed && !this.idleTimer) {
      this.idleTimer = setTimeout(() => this.close(), this.hub.idleCloseMs);
      this.idleTimer.unref();
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.stream?.abort();
    this.attempt?.abort();
    this.wake?.();
    this.hub.forget(this);
  }

  private broadcast(e: UpstreamEvent) {
    for (const s of [...this.subs]) s.emit(e);
  }

  private setTrouble(state: "unreachable" | "waiting", message: string) {
    if (this.trouble === state) return;
    this.trouble = state;
    this.troubleMessage = message;
    this.broadcast({ kind: "state", state, message });
  }

  private clearTrouble(message: string) {
    if (!this.trouble) return;
    this.trouble = null;
    this.troubleMessage = "";
    this.broadcast({ kind: "state", state: "resumed", message });
  }

  /** Appends lines (in order) to the ring and passes them to the live subscribers. */
  private append(entries: Entry[]) {
    if (!entries.length) return;
    const fresh = this.last ? entries.filter((e) => cmp(e, this.last as Pos) > 0) : entries;
    if (!fresh.length) return;
    for (const e of fresh) {
      this.ring.push(e);
      this.ringBytes += e.bytes;
    }
    this.last = fresh[fresh.length - 1];
    // a follow of new lines only: the ring covers from its first line on
    if (this.coverKey === NOTHING) this.coverKey = after(fresh[0].key);
    this.trim();
    const lines = fresh.map((e) => e.line);
    for (const s of [...this.subs]) {
      if (s.pending) s.pending.push(...fresh);
      else s.deliver(fresh, lines);
    }
  }

  private trim() {
    const { ringLines, ringBytes } = this.hub;
    let drop = 0;
    let bytes = this.ringBytes;
    while (drop < this.ring.length - 1 && (this.ring.length - drop > ringLines || bytes > ringBytes)) {
      bytes -= this.ring[drop].bytes;
      drop++;
    }
    if (ringLines === 0 && this.ring.length) drop = this.ring.length;
    if (!drop) return;
    const cut = after(this.ring[drop - 1].key);
    if (cut > this.coverKey || this.coverKey === NOTHING) this.coverKey = cut;
    this.ring.splice(0, drop);
    this.ringBytes = this.ring.reduce((n, e) => n + e.bytes, 0);
  }

  /** What the ring gives for `start`, or null when it does not cover it. */
  private fromRing(start: StartAt): Entry[] | null {
    if (start.after) {
      const p = posOf(start.after);
      if (this.coverKey > p.key) return null;
      return this.ring.filter((e) => cmp(e, p) > 0);
    }
    if (start.sinceMs !== undefined) {
      const k = msKey(start.sinceMs);
      if (this.coverKey > k) return null;
      return this.ring.filter((e) => e.key >= k);
    }
    const tail = start.tail ?? 0;
    if (tail === 0) return [];
    if (this.ring.length >= tail || this.coverKey === "") return this.ring.slice(-tail);
    return null;
  }

  /** Starts a subscriber: its backlog (from the ring, or read), then "live". */
  private serve(sub: Sub, direct?: Entry[]) {
    const snapshot = [...this.ring];
    const hit = direct ?? this.fromRing(sub.start);
    if (hit) {
      // after the caller holds its subscription (listeners are never called inside subscribe)
      queueMicrotask(() => {
        if (sub.closed) return;
        const pending = sub.pending ?? [];
        sub.pending = null;
        sub.deliver(hit);
        sub.deliver(pending);
        sub.emit({ kind: "live" });
      });
      return;
    }
    void this.backfill(sub, snapshot);
  }

  /**
   * The part before the ring: one bounded read, retried with backoff while
   * the cluster does not answer (the live lines wait in the subscriber's
   * queue meanwhile, so none is lost), then joined to the ring by position.
   */
  private async backfill(sub: Sub, snapshot: Entry[]) {
    let read: Entry[] | null = null;
    let wait = this.hub.retryMs[0];
    let told = false;
    while (read === null) {
      try {
        const conn = await this.hub.connection(this.key.clusterId);
        read = await this.hub.read(conn, this.key, readParams(sub.start));
      } catch (e) {
        if (sub.closed || this.closed) return;
        if (!told && !this.trouble) sub.emit({ kind: "state", state: "unreachable", message: this.hub.describe(this.key, e) });
        told = true;
        await new Promise((r) => setTimeout(r, wait).unref());
        wait = Math.min(wait * 2, this.hub.retryMs[1]);
      }
      if (sub.closed || this.closed) return;
    }
    const queued = sub.pending ?? [];
    sub.pending = null;
    if (told && !this.trouble) sub.emit({ kind: "state", state: "resumed", message: "Back: the earlier lines are read" });
    // the read, then what the ring and the live stream add after its last line
    const joined = [...read];
    const end = read.length ? read[read.length - 1] : null;
    for (const e of [...snapshot, ...queued]) if (!end || cmp(e, end) > 0) joined.push(e);
    sub.deliver(select(joined, sub.start));
    sub.emit({ kind: "live" });
  }

  private async run(first: Sub) {
    let followed = false;
    while (!this.closed) {
      try {
        const conn = await this.hub.connection(this.key.clusterId);
        // the pod first: gone for good, or a restart since the instance we followed (whose end is then read from `previous`)
        const pod = containerState(await this.hub.readPod(conn, this.key), this.key.container);
        if (followed && pod.ended) {
          this.broadcast({ kind: "state", state: "ended", message: pod.ended });
          this.close();
          return;
        }
        if (this.restarts !== null && pod.restarts > this.restarts) await this.restarted(conn, pod);
        this.restarts = pod.restarts;
        if (this.closed) return;
        if (!this.ready) await this.initialRead(conn, first);
        if (this.closed) return;
        const splitter = new LineSplitter();
        const numbering: { prev: Pos | null } = { prev: null };
        const from = this.followFrom;
        const sink = new Writable({
          write: (chunk: Buffer, _enc, cb) => {
            this.takeFollow(numbered(splitter.push(chunk), numbering.prev), numbering, from);
            cb();
          },
        });
        const stream = await this.hub.open(conn, this.key, { follow: true, ...followParams(from) }, sink, (a) => (this.attempt = a));
        if (this.closed) {
          stream.abort();
          return;
        }
        this.stream = stream;
        followed = true;
        // a later reconnect that has no line to resume after asks from this second on (nothing missed meanwhile)
        if ("fresh" in from) this.followFrom = { sinceKey: tsKey(sinceTimeOf(msKey(Date.now()))) };
        this.backoff = this.hub.retryMs[0];
        this.clearTrouble(this.trouble === "waiting" ? "The container is running" : "Back: the lines continue where they stopped");
        const { error } = await stream.done;
        this.stream = null;
        this.takeFollow(numbered(splitter.end(), numbering.prev), numbering, from);
        if (this.closed) return;
        if (error) throw error;
        // the log ended (the container stopped, the pod went, or the server closed it): the pod says which, next round
        await this.pause();
      } catch (e) {
        if (this.closed) return;
        const waiting = isWaiting(e);
        if (waiting) this.setTrouble("waiting", waiting);
        else if (e instanceof ApiException && (e.code === 404 || e.code === 400)) {
          this.broadcast({ kind: "state", state: "ended", message: e.code === 404 ? `Pod ${this.key.pod} is gone` : statusMessage(e) });
          this.close();
          return;
        } else this.setTrouble("unreachable", this.hub.describe(this.key, e));
        await this.pause();
      }
    }
  }

  /** The container restarted since the instance followed: the rest of that instance's log, then its new instance. */
  private async restarted(conn: ClusterConnection, pod: ContainerState) {
    if (this.ready && this.last) {
      // only the last terminated instance is kept by the kubelet: with more than one restart meanwhile, the ones between are gone
      const rest = await this.hub.read(conn, { ...this.key, previous: true }, { sinceTime: sinceTimeOf(this.last.key) }).catch(() => []);
      if (this.closed) return;
      this.append(rest);
      if (this.last) this.followFrom = { after: this.last };
    }
    const message = `Container ${this.key.container} restarted${pod.lastReason ? ` (${pod.lastReason})` : ""}: following its new instance`;
    if (!pod.running) this.setTrouble("waiting", message);
    else if (this.trouble) this.clearTrouble(message);
    else this.broadcast({ kind: "state", state: "resumed", message });
  }

  /** Waits the current backoff (cut short by close), then doubles it. */
  private pause(): Promise<void> {
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.hub.retryMs[1]);
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

  /** Lines of the follow stream: numbered from its start (a whole second), only those after the last one kept. */
  private takeFollow(entries: Entry[], numbering: { prev: Pos | null }, from: FollowFrom) {
    if (!entries.length) return;
    numbering.prev = entries[entries.length - 1];
    const kept = "sinceKey" in from ? entries.filter((e) => e.key >= from.sinceKey) : entries;
    this.append(kept);
    // the next reconnect resumes after what arrived
    if (this.last) this.followFrom = { after: this.last };
  }

  /** The first subscriber's backlog: one bounded read that fills the ring, and where the follow starts. */
  private async initialRead(conn: ClusterConnection, first: Sub) {
    const params = readParams(first.start);
    let direct: Entry[] = [];
    if (!params) {
      this.followFrom = { fresh: true };
    } else {
      const read = await this.hub.read(conn, this.key, params);
      direct = select(read, first.start);
      if (this.closed) return;
      // a `since` read keeps its latest MAX_READ_LINES lines: then it covers from its first line only
      if (params.sinceTime && read.length < MAX_READ_LINES) this.coverKey = tsKey(params.sinceTime);
      else if (!params.sinceTime && read.length < (params.tailLines ?? 0)) this.coverKey = "";
      else if (read.length) this.coverKey = after(read[0].key);
      for (const e of read) {
        this.ring.push(e);
        this.ringBytes += e.bytes;
      }
      this.last = read.length ? read[read.length - 1] : null;
      this.trim();
      this.followFrom = this.last ? { after: this.last } : params.sinceTime ? { sinceKey: tsKey(params.sinceTime) } : { all: true };
    }
    this.ready = true;
    this.clearTrouble(this.trouble === "waiting" ? "The container is running" : "Back: the lines continue where they stopped");
    for (const s of [...this.subs]) this.serve(s, s === first ? direct : undefined);
  }
}

interface ContainerState {
  /** Set when the container's log is complete: why. */
  ended: string | null;
  restarts: number;
  running: boolean;
  lastReason?: string;
}

/** What a pod says about one of its containers. */
function containerState(pod: V1Pod, container: string): ContainerState {
  const name = pod.metadata?.name ?? "";
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  const restarts = cs?.restartCount ?? 0;
  const running = Boolean(cs?.state?.running);
  const lastReason = cs?.lastState?.terminated?.reason ?? cs?.state?.terminated?.reason;
  const policy = pod.spec?.restartPolicy ?? "Always";
  const terminated = cs?.state?.terminated;
  let ended: string | null = null;
  if (pod.metadata?.deletionTimestamp) ended = `Pod ${name} is being deleted`;
  else if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") ended = `Pod ${name} has finished (${pod.status.phase})`;
  else if (terminated && (policy === "Never" || (policy === "OnFailure" && terminated.exitCode === 0))) {
    ended = `Container ${container} has finished${terminated.reason ? ` (${terminated.reason})` : ""}`;
  }
  return { ended, restarts, running, lastReason };
}

/** The bounded read a StartAt needs (null: none, only new lines). */
function readParams(start: StartAt): (PodLogOptions & { sinceTime?: string; tailLines?: number }) | null {
  if (start.after) return { sinceTime: sinceTimeOf(tsKey(start.after.ts)) };
  if (start.sinceMs !== undefined) return { sinceTime: sinceTimeOf(msKey(start.sinceMs)) };
  if (start.tail) return { tailLines: start.tail };
  return null;
}

function followParams(from: FollowFrom): PodLogOptions {
  if ("after" in from) return { sinceTime: sinceTimeOf(from.after.key) };
  if ("sinceKey" in from) return { sinceTime: sinceTimeOf(from.sinceKey) };
  if ("fresh" in from) return { tailLines: 0 };
  return {};
}

/** The lines of `entries` (in order, contiguous to the live end) a StartAt asks for. */
function select(entries: Entry[], start: StartAt): Entry[] {
  if (start.after) {
    const p = posOf(start.after);
    return entries.filter((e) => cmp(e, p) > 0);
  }
  if (start.sinceMs !== undefined) {
    const k = msKey(start.sinceMs);
    return entries.filter((e) => e.key >= k);
  }
  return start.tail ? entries.slice(-start.tail) : [];
}

const keyId = (k: ContainerKey) => JSON.stringify([k.clusterId, k.namespace, k.pod, k.container]);

export class KubernetesUpstreamHub implements UpstreamHub {
  readonly perCluster: number;
  readonly idleCloseMs: number;
  readonly ringLines: number;
  readonly ringBytes: number;
  readonly retryMs: [number, number];
  private readonly connectionTtlMs: number;
  private readonly connect: (clusterId: string) => Promise<ClusterConnection>;
  private readonly upstreams = new Map<string, Upstream>();
  private readonly connections = new Map<string, { at: number; conn: Promise<ClusterConnection> }>();
  private readonly resolved = new Map<string, ClusterConnection>();
  private readonly oneOffs = new Set<AbortController>();
  private readonly unreport: () => void;

  constructor(opts: UpstreamHubOptions = {}) {
    const e = envPart("WHARF_LOG_UPSTREAMS_PER_CLUSTER", "WHARF_LOG_IDLE_CLOSE_MS", "WHARF_LOG_RING_LINES", "WHARF_LOG_RING_BYTES");
    this.perCluster = opts.perCluster ?? e.WHARF_LOG_UPSTREAMS_PER_CLUSTER;
    this.idleCloseMs = opts.idleCloseMs ?? e.WHARF_LOG_IDLE_CLOSE_MS;
    this.ringLines = opts.ringLines ?? e.WHARF_LOG_RING_LINES;
    this.ringBytes = opts.ringBytes ?? e.WHARF_LOG_RING_BYTES;
    this.retryMs = opts.retryMs ?? [1000, 30_000];
    this.connectionTtlMs = opts.connectionTtlMs ?? 60_000;
    this.connect = opts.connect ?? ((id) => connectCluster(id));
    this.unreport = reportLogUpstreams(() => this.stats().map((s) => ({ cluster: this.resolved.get(s.clusterId)?.name ?? s.clusterId, open: s.open })));
  }

  subscribe(key: ContainerKey, start: StartAt, listener: (e: UpstreamEvent) => void): Subscription {
    const sub = new Sub(start, listener);
    if (key.previous) {
      void this.readPrevious(key, sub);
      return { close: () => void (sub.closed = true) };
    }
    const id = keyId(key);
    let up = this.upstreams.get(id);
    if (up) {
      up.add(sub);
      return { close: () => up?.remove(sub) };
    }
    if (!this.makeRoom(key.clusterId)) {
      queueMicrotask(() =>
        sub.emit({
          kind: "state",
          state: "limit",
          message: `This cluster already has ${this.perCluster} log streams open in this process (WHARF_LOG_UPSTREAMS_PER_CLUSTER): this container is not followed`,
        }),
      );
      return { close: () => void (sub.closed = true) };
    }
    up = new Upstream(this, key, id);
    this.upstreams.set(id, up);
    up.start(sub);
    return { close: () => up?.remove(sub) };
  }

  stats(): { clusterId: string; open: number }[] {
    const open = new Map<string, number>();
    for (const u of this.upstreams.values()) open.set(u.key.clusterId, (open.get(u.key.clusterId) ?? 0) + 1);
    return [...open].map(([clusterId, n]) => ({ clusterId, open: n }));
  }

  /** Closes every stream now (the end of a test file, a process that exits). */
  close() {
    for (const u of [...this.upstreams.values()]) u.close();
    for (const a of this.oneOffs) a.abort();
    this.unreport();
  }

  /** Room for one more stream on a cluster: under the bound, or after closing its oldest idle stream. */
  private makeRoom(clusterId: string): boolean {
    const mine = [...this.upstreams.values()].filter((u) => u.key.clusterId === clusterId);
    if (mine.length < this.perCluster) return true;
    const idle = mine.find((u) => u.subs.size === 0);
    if (!idle) return false;
    idle.close();
    return true;
  }

  /** @internal an upstream closed */
  forget(u: Upstream) {
    if (this.upstreams.get(u.id) === u) this.upstreams.delete(u.id);
  }

  /** @internal */
  async connection(clusterId: string): Promise<ClusterConnection> {
    const held = this.connections.get(clusterId);
    if (held && Date.now() - held.at < this.connectionTtlMs) return held.conn;
    const conn = this.connect(clusterId);
    this.connections.set(clusterId, { at: Date.now(), conn });
    try {
      const c = await conn;
      this.resolved.set(clusterId, c);
      return c;
    } catch (e) {
      this.connections.delete(clusterId);
      throw e;
    }
  }

  /** @internal What a person reads when a cluster failed: its name and why. */
  describe(key: ContainerKey, e: unknown): string {
    const conn = this.resolved.get(key.clusterId);
    if (!conn) return describeClusterFailure(key.clusterId, "the API server", e, 0).message;
    return describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "the API server", e, conn.timeoutMs).message;
  }

  /**
   * @internal Opens a log request; rejects when the cluster refuses or does not
   * answer within its timeout (no bytes after the answer are not a failure).
   */
  async open(
    conn: ClusterConnection,
    key: ContainerKey,
    params: PodLogOptions,
    sink: Writable,
    onAttempt: (a: AbortController) => void = () => {},
  ): Promise<PodLogStream> {
    const attempt = new AbortController();
    onAttempt(attempt);
    const timer = setTimeout(() => attempt.abort(), conn.timeoutMs);
    try {
      // an abort before the answer rejects with an AbortError: describeClusterFailure words it "No answer within ..."
      return await followPodLog(conn.kc, { namespace: key.namespace, pod: key.pod, container: key.container }, sink, {
        ...params,
        timestamps: true,
        previous: key.previous || undefined,
        end: false,
        signal: attempt.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** @internal One bounded read (no follow), numbered; keeps the latest MAX_READ_LINES lines. */
  async read(conn: ClusterConnection, key: ContainerKey, params: PodLogOptions | null): Promise<Entry[]> {
    if (!params) return [];
    const splitter = new LineSplitter();
    let lines: RawLine[] = [];
    const keep = (more: RawLine[]) => {
      for (const l of more) lines.push(l);
      if (lines.length > MAX_READ_LINES * 1.5) lines = lines.slice(-MAX_READ_LINES);
    };
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        keep(splitter.push(chunk));
        cb();
      },
    });
    const stream = await this.open(conn, key, { ...params, follow: false }, sink);
    const timer = setTimeout(() => stream.abort(), READ_TIMEOUT_MS);
    const { error } = await stream.done;
    clearTimeout(timer);
    if (error) throw error;
    keep(splitter.end());
    if (lines.length > MAX_READ_LINES) lines = lines.slice(-MAX_READ_LINES);
    return numbered(lines, null);
  }

  /** @internal The pod of a container (bounded by the cluster timeout). */
  readPod(conn: ClusterConnection, key: ContainerKey): Promise<V1Pod> {
    return conn.api(CoreV1Api).readNamespacedPod({ name: key.pod, namespace: key.namespace });
  }

  /** `previous: true`: one read of the last terminated instance, then "ended". */
  private async readPrevious(key: ContainerKey, sub: Sub) {
    const controller = new AbortController();
    this.oneOffs.add(controller);
    let wait = this.retryMs[0];
    try {
      for (;;) {
        if (sub.closed || controller.signal.aborted) return;
        try {
          const conn = await this.connection(key.clusterId);
          const all = await this.read(conn, key, readParams(sub.start) ?? {});
          sub.pending = null;
          // no start given: the whole (last MAX_READ_LINES of the) previous log
          sub.deliver(readParams(sub.start) ? select(all, sub.start) : all);
          sub.emit({ kind: "state", state: "ended", message: `The end of the previous instance of ${key.container}` });
          return;
        } catch (e) {
          if (e instanceof ApiException && (e.code === 400 || e.code === 404)) {
            sub.emit({ kind: "state", state: "ended", message: statusMessage(e) });
            return;
          }
          sub.emit({ kind: "state", state: "unreachable", message: this.describe(key, e) });
          await new Promise((r) => setTimeout(r, wait).unref());
          wait = Math.min(wait * 2, this.retryMs[1]);
        }
      }
    } finally {
      this.oneOffs.delete(controller);
    }
  }
}

// Kept on globalThis so a hot reload in dev reuses the open streams instead of opening new ones.
const g = globalThis as typeof globalThis & { wharfUpstreamHub?: KubernetesUpstreamHub };

/** The process's hub (one follow stream per container per process). */
export function upstreamHub(): KubernetesUpstreamHub {
  g.wharfUpstreamHub ??= new KubernetesUpstreamHub();
  return g.wharfUpstreamHub;
}
