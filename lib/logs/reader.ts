/**
 * A service's merged, filtered lines. `LogReader` is the seam: the stream
 * (./stream.ts) and the download ask it for a target (a service in an
 * environment, ./access.ts) with the filters passed in, so a reader backed by
 * a log store can push the selection and the filters down (a LogQL reader
 * writes them as `{namespace="…", pod=~"…"} |~ "include" !~ "exclude"`, see
 * ./filters.ts `toLogQL` and docs/logs.md). `kubeReader` reads the clusters'
 * own pod logs through the process's UpstreamHub and PodWatcher.
 *
 * Order: the history part (each source's backlog) is one k-way merge by
 * timestamp; the live part holds lines for a short reorder window (~300 ms)
 * and lets them out in timestamp order; a line that arrives later than the
 * window (a slow cluster) goes out as it comes, never held longer.
 */
import type { LogEvent, LogLine, LogSourceEvent, LogSourceRef } from "./protocol";
import type { ContainerKey, PodInfo, PodWatcher, PodWatchEvent, RawLine, StartAt, Subscription, UpstreamEvent, UpstreamHub } from "./types";
import type { LogTarget } from "./access";
import { compileFilters, type LogFilters } from "./filters";
import { sourceId, type Cursor, type SourceKey } from "./cursor";
import { upstreamHub } from "./upstream";
import { podWatcher } from "./pods";

/** What a reader tells its sink: the wire events, with `lines` not yet given a resume id (the stream does that). */
export type ReaderEvent = Exclude<LogEvent, { event: "lines" }> | { event: "lines"; data: { lines: LogLine[] } };
/**
 * Takes the reader's events. Returning false during the history says "hold on,
 * I am full": the reader keeps the rest of the history (it has it in memory
 * already) until `more()`, for at most a few seconds, instead of pushing it
 * into a viewer's queue that would drop it. Live lines are never held.
 */
export type ReaderSink = (e: ReaderEvent) => boolean | void;

export interface ReaderSubscription extends Subscription {
  /** The sink has room again: the history goes on. */
  more(): void;
}

export interface ReaderQuery {
  filters: LogFilters;
  /** Where each source starts: its last `tail` lines, or its lines since `sinceMs`. */
  start: { tail?: number; sinceMs?: number };
  /** Keep following after the history (a live tail); false: end once every source's history is out. */
  follow: boolean;
  /** Lines up to this time only; the tail ends once every source is past it. */
  untilMs?: number;
  /** Also each restarted container's previous instance (its crash). */
  previous: boolean;
  /** Resume a stream: each named source after its position, the others from the original stream's start. */
  resume?: Cursor;
  /** History lines per event at most (default 500): a sink can say it is full between two. */
  historyBatch?: number;
}

export interface LogWindow {
  /** From this time (a release's start, a `since`). */
  sinceMs?: number;
  /** Or the last lines of each container. */
  tail?: number;
  untilMs: number;
}

export interface LogReader {
  /** History then (with `follow`) live lines, as events into `sink`, until closed or complete (`end`). */
  tail(target: LogTarget, query: ReaderQuery, sink: ReaderSink): ReaderSubscription;
  /** A bounded read (a release's window, a download): the events up to `end`. */
  range(target: LogTarget, window: LogWindow, query: Pick<ReaderQuery, "filters" | "previous">): AsyncIterable<ReaderEvent>;
}

export interface KubeReaderOptions {
  hub: UpstreamHub;
  watcher: PodWatcher;
  /** How long live lines wait for earlier ones from other sources (default 300 ms). */
  reorderMs?: number;
  /** Clusters whose pods are not listed by then are left out of `hello` (default 5 s); they join when they answer. */
  helloDeadlineMs?: number;
  /** A source whose history is not out by then no longer holds the others' (default 10 s). */
  historyDeadlineMs?: number;
}

/** Sources that joined after the stream opened start this long before it (clocks of nodes differ a little). */
const JOIN_SLACK_MS = 60_000;
const TICK_MS = 50;
/** The longest a sink may hold the history back; then it goes on (and a viewer that still does not read drops). */
const HOLD_MS = 10_000;

function compareLines(a: LogLine, b: LogLine) {
  return a.ms - b.ms || (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0);
}

interface Source {
  id: string;
  key: SourceKey;
  /** The pod's uid: a pod of the same name later is another source. */
  uid: string;
  ref: LogSourceRef;
  sub?: Subscription;
  /** Lines waiting for the history merge (history phase only), from `head` on. */
  queue: LogLine[];
  head: number;
  /** Its history is out (live, or it will not come: ended, unreachable, waiting, limit). */
  historyDone: boolean;
  /** Nothing more is wanted of it (non-follow after its history, past `until`, ended). */
  done: boolean;
  ended: boolean;
  live: boolean;
}

interface ClusterState {
  clusterId: string;
  cluster: string;
  up: boolean;
  synced: boolean;
  watch?: Subscription;
}

class Tail {
  private readonly sources = new Map<string, Source>();
  private readonly clusters = new Map<string, ClusterState>();
  private readonly keep;
  private readonly openedMs = Date.now();
  private helloSent = false;
  /** The sink said it is full: the history waits (since then). */
  private heldSince: number | null = null;
  private batching = false;
  private phase: "history" | "live" | "ended" = "history";
  private reorder: { line: LogLine; at: number }[] = [];
  private lastOut: LogLine | null = null;
  private timer?: NodeJS.Timeout;
  private readonly helloDeadline: number;
  private historyDeadline = Infinity;

  constructor(
    private readonly opts: Required<KubeReaderOptions>,
    private readonly target: LogTarget,
    private readonly query: ReaderQuery,
    private readonly sink: ReaderSink,
  ) {
    this.keep = compileFilters(query.filters);
    this.helloDeadline = Date.now() + opts.helloDeadlineMs;
  }

  open(): Subscription {
    for (const c of this.target.clusters) {
      if (!this.keep.keepsCluster(c.clusterId)) continue;
      this.clusters.set(c.clusterId, { ...c, up: true, synced: false });
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref?.();
    if (this.clusters.size === 0) {
      const why = this.target.clusters.length ? "None of the environment's clusters is kept by the cluster filter." : "This environment has no cluster yet.";
      this.emit({ event: "problem", data: { message: why } });
    }
    for (const c of this.clusters.values()) {
      c.watch = this.opts.watcher.watch(c.clusterId, this.target.namespace, this.target.selector, (e) => this.onPods(c, e));
    }
    this.tick();
    return { close: () => this.close() };
  }

  close() {
    if (this.phase === "ended" && !this.timer) return;
    this.phase = "ended";
    clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clusters.values()) c.watch?.close();
    for (const s of this.sources.values()) s.sub?.close();
  }

  private emit(e: ReaderEvent): boolean {
    if (this.phase === "ended") return true;
    return this.sink(e) !== false;
  }

  more() {
    if (this.heldSince === null) return;
    this.heldSince = null;
    this.tick();
  }

  private setCluster(c: ClusterState, up: boolean, message: string) {
    if (c.up === up) return;
    c.up = up;
    this.emit({ event: "cluster", data: { clusterId: c.clusterId, cluster: c.cluster, ok: up, message } });
  }

  private onPods(c: ClusterState, e: PodWatchEvent) {
    if (this.phase === "ended") return;
    // Subscriptions may answer at once (from the hub's ring): the merge waits until the whole change is taken in.
    this.batching = true;
    try {
      this.takePods(c, e);
    } finally {
      this.batching = false;
    }
    this.tick();
  }

  private takePods(c: ClusterState, e: PodWatchEvent) {
    switch (e.kind) {
      case "sync": {
        this.setCluster(c, true, `${c.cluster} answers again.`);
        const names = new Set(e.pods.map((p) => p.name));
        for (const s of [...this.sources.values()]) if (s.key.clusterId === c.clusterId && !names.has(s.key.pod)) this.endSource(s, "The pod is gone.");
        for (const p of e.pods) this.addPod(c, p);
        c.synced = true;
        break;
      }
      case "upsert":
        this.addPod(c, e.pod);
        break;
      case "deleted":
        for (const s of [...this.sources.values()]) if (s.key.clusterId === c.clusterId && s.key.pod === e.pod.name) this.endSource(s, "The pod was deleted.");
        break;
      case "unreachable":
        c.synced = true;
        this.setCluster(c, false, e.message);
        // Its sources no longer hold the merge back.
        for (const s of this.sources.values()) if (s.key.clusterId === c.clusterId) s.historyDone = true;
        break;
      case "resumed":
        this.setCluster(c, true, `${c.cluster} answers again.`);
        break;
    }
  }

  private addPod(c: ClusterState, pod: PodInfo) {
    if (!this.keep.keepsPod(pod.name)) return;
    // A bounded read takes the pods there are when it opens; later ones are past its end.
    if (this.helloSent && !this.query.follow) return;
    for (const container of pod.containers) {
      this.addSource(c, { clusterId: c.clusterId, pod: pod.name, container: container.name }, pod.uid);
      if (this.query.previous && container.restartCount > 0) {
        this.addSource(c, { clusterId: c.clusterId, pod: pod.name, container: container.name, previous: true }, pod.uid);
      }
    }
  }

  private startOf(id: string): StartAt {
    const resumed = this.query.resume?.positions.get(id);
    if (resumed) return { after: resumed.at };
    if (this.query.resume) return { sinceMs: Math.min(this.query.start.sinceMs ?? Infinity, this.query.resume.openedMs - JOIN_SLACK_MS) };
    if (this.helloSent) return { sinceMs: Math.min(this.query.start.sinceMs ?? Infinity, this.openedMs - JOIN_SLACK_MS) };
    return this.query.start;
  }

  private addSource(c: ClusterState, key: SourceKey, uid: string) {
    const id = sourceId(key);
    const known = this.sources.get(id);
    // A name that comes back as another pod (a StatefulSet's web-0 recreated) is a new source.
    if (known && !(known.uid !== uid && known.ended && known.head >= known.queue.length)) return;
    const ref: LogSourceRef = { clusterId: c.clusterId, cluster: c.cluster, pod: key.pod, container: key.container };
    const s: Source = { id, key, uid, ref, queue: [], head: 0, historyDone: false, done: false, ended: false, live: false };
    this.sources.set(id, s);
    if (this.helloSent) this.sourceEvent(s, "joined", key.previous ? "The previous instance of the container." : "The pod started.");
    const ck: ContainerKey = {
      clusterId: c.clusterId,
      namespace: this.target.namespace,
      pod: key.pod,
      container: key.container,
      ...(key.previous ? { previous: true } : {}),
    };
    const sub = this.opts.hub.subscribe(ck, this.startOf(id), (e) => this.onUpstream(s, e));
    // It may have ended while subscribing (a previous instance's read served at once).
    if (s.ended) sub.close();
    else s.sub = sub;
  }

  private sourceEvent(s: Source, state: LogSourceEvent["state"], message: string) {
    this.emit({ event: "source", data: { ...s.ref, state, at: Date.now(), message } });
  }

  private endSource(s: Source, message: string) {
    // A previous instance's log is one read that always ends: no marker for that.
    if (!s.ended && !s.key.previous) this.sourceEvent(s, "ended", message);
    s.ended = s.done = s.historyDone = true;
    s.sub?.close();
    s.sub = undefined;
  }

  private onUpstream(s: Source, e: UpstreamEvent) {
    if (this.phase === "ended" || s.ended) return;
    if (e.kind === "lines") {
      for (const raw of e.lines) this.take(s, raw);
    } else if (e.kind === "live") {
      s.live = s.historyDone = true;
      if (!this.query.follow) s.done = true;
    } else {
      s.historyDone = true;
      const c = this.clusters.get(s.key.clusterId);
      if (e.state === "ended") {
        this.endSource(s, e.message);
      } else {
        this.sourceEvent(s, e.state, e.message);
        if (c && e.state === "unreachable") this.setCluster(c, false, e.message);
        if (c && e.state === "resumed") this.setCluster(c, true, e.message);
        if (!this.query.follow && e.state !== "resumed") s.done = true;
      }
    }
    if (!this.batching) this.tick();
  }

  private take(s: Source, raw: RawLine) {
    if (s.done) return;
    if (this.query.untilMs !== undefined && raw.ms > this.query.untilMs) {
      s.done = true;
      return;
    }
    if (!this.keep.keepsLine(raw)) return;
    const line: LogLine = { ...s.ref, ts: raw.ts, ms: raw.ms, level: raw.level, text: raw.text };
    if (s.key.previous) line.previous = true;
    if (raw.cut !== undefined) line.cut = raw.cut;
    if (this.phase === "history") s.queue.push(line);
    else this.reorder.push({ line, at: Date.now() });
  }

  private tick() {
    if (this.phase === "ended") return;
    const now = Date.now();
    if (!this.helloSent) {
      const ready = [...this.clusters.values()].every((c) => c.synced);
      if (!ready && now < this.helloDeadline) return;
      this.helloSent = true;
      this.historyDeadline = now + this.opts.historyDeadlineMs;
      this.emit({
        event: "hello",
        data: {
          sources: [...this.sources.values()].map((s) => s.ref),
          clusters: this.target.clusters.map((c) => ({ clusterId: c.clusterId, cluster: c.cluster })),
        },
      });
    }
    if (this.phase === "history") {
      if (now >= this.historyDeadline) for (const s of this.sources.values()) s.historyDone = true;
      if (this.heldSince !== null && now - this.heldSince >= HOLD_MS) this.heldSince = null;
      if (this.heldSince === null) this.mergeHistory(now);
      if (this.phase === "history") return;
    }
    this.flushLive(now);
    this.maybeEnd(now);
  }

  /** The k-way merge: the earliest head goes out while every source still in its history has one to compare. */
  private mergeHistory(now: number) {
    const all = [...this.sources.values()];
    let out: LogLine[] = [];
    const send = () => {
      this.lastOut = out[out.length - 1]!;
      const room = this.emit({ event: "lines", data: { lines: out } });
      out = [];
      if (!room) this.heldSince = now;
      return room;
    };
    for (;;) {
      let min: Source | null = null;
      let waiting = false;
      for (const s of all) {
        if (s.head >= s.queue.length) {
          if (!s.historyDone) waiting = true;
          continue;
        }
        if (!min || compareLines(s.queue[s.head]!, min.queue[min.head]!) < 0) min = s;
      }
      if (waiting || !min) break;
      out.push(min.queue[min.head++]!);
      if (min.head === min.queue.length) {
        min.queue = [];
        min.head = 0;
      }
      if (out.length >= (this.query.historyBatch ?? 500) && !send()) return;
    }
    if (out.length && !send()) return;
    if (all.every((s) => s.historyDone && s.head >= s.queue.length)) {
      this.phase = "live";
      this.emit({ event: "live", data: {} });
    }
  }

  /** Lets out the live lines that waited the reorder window, and every line up to the latest of them, in timestamp order. */
  private flushLive(now: number) {
    if (!this.reorder.length) return;
    const ripe = now - this.opts.reorderMs;
    const settled = !this.query.follow || this.sourcesAllDone();
    let cutoff: LogLine | null = null;
    for (const r of this.reorder) if ((settled || r.at <= ripe) && (!cutoff || compareLines(r.line, cutoff) > 0)) cutoff = r.line;
    if (this.lastOut && (!cutoff || compareLines(this.lastOut, cutoff) > 0)) cutoff = this.lastOut;
    if (!cutoff) return;
    const out: LogLine[] = [];
    const keep: typeof this.reorder = [];
    for (const r of this.reorder) {
      if (compareLines(r.line, cutoff) <= 0) out.push(r.line);
      else keep.push(r);
    }
    if (!out.length) return;
    this.reorder = keep;
    out.sort(compareLines);
    if (!this.lastOut || compareLines(out[out.length - 1]!, this.lastOut) > 0) this.lastOut = out[out.length - 1]!;
    this.emit({ event: "lines", data: { lines: out } });
  }

  private sourcesAllDone() {
    const now = Date.now();
    const until = this.query.untilMs;
    for (const s of this.sources.values()) {
      // A live source that has written nothing past `until` by then is past it too.
      if (!s.done && until !== undefined && s.live && now > until + this.opts.reorderMs) s.done = true;
      if (!s.done) return false;
    }
    return true;
  }

  private maybeEnd(now: number) {
    const bounded = !this.query.follow || this.query.untilMs !== undefined;
    if (!bounded || this.phase !== "live") return;
    if (!this.sourcesAllDone()) return;
    if (this.query.follow && this.query.untilMs !== undefined && now <= this.query.untilMs) return;
    this.flushLive(now);
    if (this.reorder.length) return;
    this.emit({ event: "end", data: { reason: this.query.untilMs !== undefined ? "until" : "complete" } });
    this.close();
  }
}

/** The Kubernetes reader: the clusters' pod logs through the process's shared upstream streams and pod watches. */
export function kubeReader(opts: KubeReaderOptions): LogReader {
  const full: Required<KubeReaderOptions> = { reorderMs: 300, helloDeadlineMs: 5_000, historyDeadlineMs: 10_000, ...opts };
  const reader: LogReader = {
    tail(target, query, sink) {
      const t = new Tail(full, target, query, sink);
      const sub = t.open();
      return { close: () => sub.close(), more: () => t.more() };
    },
    range(target, window, query) {
      return {
        [Symbol.asyncIterator]() {
          const queue: ReaderEvent[] = [];
          let wake: (() => void) | null = null;
          let done = false;
          let sub: ReaderSubscription | null = null;
          const start = () => {
            sub = reader.tail(
              target,
              {
                ...query,
                start: window.sinceMs !== undefined ? { sinceMs: window.sinceMs } : { tail: window.tail },
                follow: window.untilMs > Date.now(),
                untilMs: window.untilMs,
              },
              (e) => {
                queue.push(e);
                wake?.();
                // The history waits while the reader of the range has events to take.
                return queue.length < 64;
              },
            );
          };
          return {
            async next(): Promise<IteratorResult<ReaderEvent>> {
              if (!sub) start();
              while (!queue.length && !done) await new Promise<void>((r) => (wake = r));
              wake = null;
              const e = queue.shift();
              if (queue.length < 16) sub?.more();
              if (!e) return { done: true, value: undefined };
              if (e.event === "end") done = true;
              return { done: false, value: e };
            },
            async return(): Promise<IteratorResult<ReaderEvent>> {
              done = true;
              sub?.close();
              return { done: true, value: undefined };
            },
          };
        },
      };
    },
  };
  return reader;
}

/** The process's reader: the Kubernetes reader over the process's hub and pod watcher. */
export function logReader(): LogReader {
  return kubeReader({ hub: upstreamHub(), watcher: podWatcher() });
}
