/**
 * One viewer's tail over Server-Sent Events (/api/logs/stream): the query
 * read into what the reader needs, the right checked before anything is
 * opened (./access.ts), then the reader's events framed as protocol.ts's
 * `LogEvent`s. Lines go out in batches (every 100 ms, or 500 lines), each
 * with the resume cursor as its id (./cursor.ts): a reconnect with
 * Last-Event-ID (or `cursor=`) resumes every source just after its last
 * delivered line.
 *
 * A viewer never slows anyone: the reader pushes into this viewer's own
 * queue, which is bounded (WHARF_LOG_VIEWER_MAX_LINES / _BYTES); when the
 * client does not read (the response stream's desiredSize stays at or below
 * zero) the oldest queued lines are dropped and the viewer gets a `dropped`
 * event with the count. A comment every 15 s keeps proxies from closing the
 * connection; the actor is read again every 30 s, and a reader who lost the
 * right gets `end` and no more lines. Closing the request closes everything.
 */
import type { Ctx } from "@/lib/context";
import { env } from "@/lib/env";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";
import type { LogEvent, LogLine, LogQuery } from "./protocol";
import type { Position } from "./types";
import { canReadLogs, resolveLogTarget, type LogTarget } from "./access";
import { advance, decodeCursor, encodeCursor, sourceId, type Cursor, type SourceKey } from "./cursor";
import type { LogReader, ReaderEvent, ReaderQuery, ReaderSubscription } from "./reader";

const log = childLogger("log-stream");

/** Lines per container when the viewer asks neither `tail` nor a time. */
export const DEFAULT_TAIL = 200;
/** Lines per `lines` event at most. */
const BATCH_LINES = 500;

/** What the reader is asked for a query (shared by the stream and the download). */
export function readerQueryOf(q: LogQuery, opts: { cursor?: Cursor; follow?: boolean; now?: number } = {}): ReaderQuery {
  const now = opts.now ?? Date.now();
  const untilMs = q.until ? Date.parse(q.until) : undefined;
  const start = q.sinceTime ? { sinceMs: Date.parse(q.sinceTime) } : q.since ? { sinceMs: now - q.since * 1000 } : { tail: q.tail ?? DEFAULT_TAIL };
  // `until` in the past is a bounded read; in the future the tail follows until every source is past it.
  const follow = opts.follow ?? (untilMs !== undefined ? untilMs > now : (q.follow ?? true));
  return {
    filters: { levels: q.level, include: q.include || undefined, exclude: q.exclude || undefined, clusters: q.cluster, pods: q.pod },
    start,
    follow,
    untilMs,
    previous: q.previous ?? false,
    resume: opts.cursor,
  };
}

export interface LogStreamOptions {
  ctx: Ctx;
  query: LogQuery;
  /** The Last-Event-ID header (wins over `query.cursor`). */
  lastEventId?: string | null;
  /** The actor again (every `recheckMs`); null once the session ended. */
  reload: () => Promise<Ctx | null>;
  reader: LogReader;
  signal?: AbortSignal;
  keepAliveMs?: number;
  recheckMs?: number;
  batchMs?: number;
}

type Entry = { line: LogLine; bytes: number } | { frame: string };

/** A queue with cheap removal at both ends' needs: push at the tail, take or drop at the head. */
class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length() {
    return this.items.length - this.head;
  }
  push(x: T) {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  /** Removes the first item matching, scanning from the head. */
  removeFirst(match: (x: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const x = this.items[i]!;
      if (match(x)) {
        this.items.splice(i, 1);
        return x;
      }
    }
    return undefined;
  }
  clear() {
    this.items = [];
    this.head = 0;
  }
}

function frame(e: Exclude<LogEvent, { event: "lines" }>) {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * The stream. Refusals (bad cursor, no such service, not the reader's
 * project, production without the right) are thrown before anything is
 * opened, for the route to answer 400/403/404.
 */
export async function openLogStream(opts: LogStreamOptions): Promise<ReadableStream<Uint8Array>> {
  const { query, signal, keepAliveMs = 15_000, recheckMs = 30_000, batchMs = 100 } = opts;
  const cursorText = opts.lastEventId || query.cursor;
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  const target = await resolveLogTarget(opts.ctx, query.service, query.env);
  const { WHARF_LOG_VIEWER_MAX_LINES: maxLines, WHARF_LOG_VIEWER_MAX_BYTES: maxBytes } = env();
  // A batch is never more than half of what the viewer may hold.
  const batchLines = Math.max(1, Math.min(BATCH_LINES, Math.floor(maxLines / 2)));

  const encoder = new TextEncoder();
  const openedMs = cursor?.openedMs ?? Date.now();
  const positions = new Map<string, { key: SourceKey; at: Position }>(cursor?.positions ?? []);
  const queue = new Deque<Entry>();
  let queuedLines = 0;
  let queuedBytes = 0;
  let dropped = 0;
  let closed = false;
  let ending = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  let sub: ReaderSubscription | undefined;
  /** The reader's history waits for room in this viewer's queue. */
  let holding = false;
  let counted = false;
  const timers: NodeJS.Timeout[] = [];

  const close = () => {
    if (closed) return;
    closed = true;
    if (counted) metrics().logViewers.dec();
    sub?.close();
    for (const t of timers) clearInterval(t);
    queue.clear();
    try {
      controllerRef?.close();
    } catch {
      // the reader went away first
    }
  };
  const canWrite = () => !closed && !!controllerRef && (controllerRef.desiredSize ?? 0) > 0;
  const write = (text: string) => controllerRef?.enqueue(encoder.encode(text));

  const linesFrame = (lines: LogLine[]) => {
    for (const l of lines) {
      const key: SourceKey = { clusterId: l.clusterId, pod: l.pod, container: l.container, ...(l.previous ? { previous: true } : {}) };
      const id = sourceId(key);
      positions.set(id, { key, at: advance(positions.get(id)?.at, l.ts) });
    }
    return `event: lines\nid: ${encodeCursor({ openedMs, positions })}\ndata: ${JSON.stringify({ lines })}\n\n`;
  };

  /** Writes what the client can take: a `dropped` note first if lines were lost, then lines in batches and events in order. */
  const flush = () => {
    while (canWrite()) {
      if (dropped) {
        const count = dropped;
        dropped = 0;
        write(
          frame({
            event: "dropped",
            data: { count, message: `This view fell behind and skipped ${count} line${count === 1 ? "" : "s"}; the other viewers did not.` },
          }),
        );
        continue;
      }
      const first = queue.peek();
      if (!first) break;
      if ("frame" in first) {
        queue.shift();
        write(first.frame);
        continue;
      }
      const batch: LogLine[] = [];
      while (batch.length < batchLines) {
        const e = queue.peek();
        if (!e || !("line" in e)) break;
        queue.shift();
        queuedLines--;
        queuedBytes -= e.bytes;
        batch.push(e.line);
      }
      write(linesFrame(batch));
    }
    if (holding && queuedLines < maxLines / 2 && queuedBytes < maxBytes / 2) {
      holding = false;
      sub?.more();
    }
    if (ending && queue.length === 0 && !dropped) close();
  };

  const dropOldest = () => {
    const before = dropped;
    while (queuedLines > maxLines || (queuedBytes > maxBytes && queuedLines > 0)) {
      const e = queue.removeFirst((x) => "line" in x);
      if (!e || !("line" in e)) break;
      queuedLines--;
      queuedBytes -= e.bytes;
      dropped++;
    }
    if (dropped > before) metrics().logDroppedLines.inc(dropped - before);
  };

  const onEvent = (e: ReaderEvent): boolean => {
    if (closed || ending) return true;
    if (e.event === "lines") {
      for (const line of e.data.lines) {
        queue.push({ line, bytes: line.text.length + 160 });
        queuedLines++;
        queuedBytes += line.text.length + 160;
      }
      // Past a batch or past the bound: out with what the client takes, then drop what it cannot.
      if (queuedLines >= batchLines || queuedLines > maxLines || queuedBytes > maxBytes) flush();
      dropOldest();
      // Half full: the reader keeps the rest of its history until the client took these (live lines still come, and drop).
      if (queuedLines >= maxLines / 2 || queuedBytes >= maxBytes / 2) holding = true;
      return !holding;
    }
    queue.push({ frame: frame(e) });
    if (e.event === "end") ending = true;
    flush();
    return true;
  };

  const recheck = async () => {
    if (closed || ending) return;
    const ctx = await opts.reload().catch(() => null);
    if (closed || ending) return;
    if (ctx && canReadLogs(ctx, target.projectId, target.env)) return;
    // Lines read while the right held are not sent once it is gone.
    sub?.close();
    queue.clear();
    queuedLines = queuedBytes = dropped = 0;
    ending = true;
    queue.push({ frame: frame({ event: "end", data: { reason: ctx ? "You may no longer read these logs." : "Signed out." } }) });
    flush();
  };

  const start = (target: LogTarget) => {
    sub = opts.reader.tail(
      target,
      { ...readerQueryOf(query, { cursor }), historyBatch: Math.max(1, Math.min(BATCH_LINES, Math.floor(maxLines / 4))) },
      onEvent,
    );
  };

  const highWaterMark = Math.min(256 * 1024, Math.floor(maxBytes / 2));
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        if (signal?.aborted) return close();
        metrics().logViewers.inc();
        counted = true;
        signal?.addEventListener("abort", close, { once: true });
        write("retry: 2000\n\n");
        timers.push(setInterval(flush, batchMs));
        timers.push(
          setInterval(() => {
            if (canWrite()) write(": keep-alive\n\n");
          }, keepAliveMs),
        );
        timers.push(setInterval(() => void recheck(), recheckMs));
        for (const t of timers) t.unref?.();
        try {
          start(target);
        } catch (err) {
          log.warn({ err, service: query.service }, "a log tail could not start");
          queue.push({ frame: frame({ event: "problem", data: { message: "The tail could not start; try again." } }) });
          ending = true;
          flush();
        }
      },
      pull() {
        flush();
      },
      cancel() {
        close();
      },
    },
    { highWaterMark, size: (chunk) => chunk.byteLength },
  );
}
