/**
 * The live side of a run page (/api/ci/runs/<id>/stream): a server-sent
 * event stream that sends the run's state at once and again whenever the
 * worker announces a change on `wharf_ci` (run status, a task or step that
 * moved), and the log of the one step being viewed: what is stored first,
 * then each batch the worker publishes, never a byte twice. Log events carry
 * `id: <stepId>:<byte offset reached>`, so a browser that reconnects
 * (Last-Event-ID) resumes where it was. The stream ends (`end`) once the run
 * has ended and the viewed step's whole log is sent.
 *
 * One LISTEN connection per process serves every open run page
 * (lib/notifications/live.ts `channelHub`). Memory per viewer is bounded:
 * log batches waiting to be sent are capped (past the cap the stream reads
 * the log from Postgres instead), and a reader too slow to take what is sent
 * is disconnected (its browser reconnects and resumes from its last id).
 */
import { z } from "zod";
import type { Ctx } from "@/lib/context";
import { AppError } from "@/lib/errors";
import { childLogger } from "@/lib/log";
import { channelHub, type HubEvent } from "@/lib/notifications/live";
import { getRunState, getStepLog, isRunActive, type RunState } from "./run-view";
import { CI_CHANNEL } from "./step-log";

const log = childLogger("ci-stream");

const ZCiEvent = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("log"), runId: z.string(), stepId: z.string(), offset: z.number().int().min(0), text: z.string() }),
  z.object({ kind: z.literal("run"), runId: z.string(), status: z.string() }),
  z.object({ kind: z.literal("tasks"), runId: z.string() }),
]);
export type CiEvent = z.output<typeof ZCiEvent>;

export function parseCiEvent(payload: string | undefined): CiEvent | null {
  try {
    const parsed = ZCiEvent.safeParse(JSON.parse(payload ?? ""));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The process's one LISTEN on `wharf_ci`. */
export function ciHub() {
  return channelHub(CI_CHANNEL, parseCiEvent);
}

/** `<stepId>:<bytes>`: the Last-Event-ID of a log event. */
export function logEventId(stepId: string, bytes: number) {
  return `${stepId}:${bytes}`;
}

/** Where a reconnecting reader was in the step's log, from its Last-Event-ID (0 for another step or none). */
export function resumeOffset(lastEventId: string | null | undefined, stepId: string | null): number {
  if (!lastEventId || !stepId) return 0;
  const m = /^(.+):(\d{1,12})$/.exec(lastEventId);
  return m && m[1] === stepId ? Number(m[2]) : 0;
}

/** Log batches held for one viewer at most; past it the log is read again from Postgres. */
const MAX_PENDING_BATCHES = 64;
/** Bytes queued for a reader before it counts as stuck and is disconnected. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export interface RunStreamOptions {
  ctx: Ctx;
  runId: string;
  /** The step whose log is sent (null: state only). */
  stepId: string | null;
  /** Bytes of that step's log the reader has already (from ?from= or Last-Event-ID). */
  fromByte: number;
  /** The actor again before each read; null once the session ended. */
  reload: () => Promise<Ctx | null>;
  signal?: AbortSignal;
  keepAliveMs?: number;
}

/**
 * The stream. Refusals (no such run, not the reader's project, a step of
 * another run) are thrown before it starts, for the route to answer 404.
 */
export async function runStream(opts: RunStreamOptions): Promise<ReadableStream<Uint8Array>> {
  const { runId, stepId, signal, keepAliveMs = 15_000 } = opts;
  // Authorize and check the step before anything is streamed.
  const initial = await getRunState(opts.ctx, runId);
  if (stepId && !initial.tasks.some((t) => t.steps.some((s) => s.id === stepId))) {
    throw new AppError("NOT_FOUND", "This step is not part of the run.");
  }

  const encoder = new TextEncoder();
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  let keepAlive: NodeJS.Timeout | undefined;
  let subscription: { close: () => void } | undefined;
  let sent = opts.fromByte;
  let lastState = "";
  let stateDirty = true;
  let logGap = true;
  let pending: { offset: number; text: string }[] = [];
  let working = false;

  const close = () => {
    if (closed) return;
    closed = true;
    subscription?.close();
    clearInterval(keepAlive);
    try {
      controllerRef?.close();
    } catch {
      // the reader went away first
    }
  };
  const send = (text: string) => {
    if (closed || !controllerRef) return;
    if ((controllerRef.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
      // The reader does not keep up: let it reconnect and resume from its last id rather than hold its backlog.
      log.info({ runId }, "a run stream's reader fell behind; closing it");
      return close();
    }
    controllerRef.enqueue(encoder.encode(text));
  };
  /** Sends what of a batch the reader lacks; false when the batch starts past what it has (a gap to read from Postgres). */
  const sendLog = (offset: number, text: string) => {
    const bytes = Buffer.from(text, "utf8");
    const end = offset + bytes.length;
    if (offset > sent) return false;
    if (end <= sent) return true;
    const fresh = bytes.subarray(sent - offset).toString("utf8");
    sent = end;
    send(`event: log\nid: ${logEventId(stepId!, sent)}\ndata: ${JSON.stringify({ stepId, offset: end - Buffer.byteLength(fresh), text: fresh })}\n\n`);
    return true;
  };

  /** Does what events asked for, one pass at a time: state first (a step that started shows before its lines), then the log. */
  const work = async () => {
    if (working) return;
    working = true;
    try {
      while (!closed && (stateDirty || logGap || pending.length)) {
        const ctx = await opts.reload();
        if (!ctx) {
          send('event: end\ndata: {"reason":"signed-out"}\n\n');
          return close();
        }
        let state: RunState | null = null;
        if (stateDirty) {
          stateDirty = false;
          state = await getRunState(ctx, runId);
          const json = JSON.stringify(state);
          if (json !== lastState) {
            lastState = json;
            send(`event: state\ndata: ${json}\n\n`);
          }
        }
        if (stepId) {
          const batches = pending;
          pending = [];
          for (const b of batches) if (!sendLog(b.offset, b.text)) logGap = true;
          if (logGap) {
            logGap = false;
            const stored = await getStepLog(ctx, stepId, { fromByte: sent });
            if (stored.text) sendLog(stored.fromByte, stored.text);
          }
        }
        // Ended once the run has and its promotions are settled (they are written just after it ends, and may wait for a free environment).
        if (state && !isRunActive(state.status) && state.promotionsSettled && !stateDirty && !pending.length) {
          // The worker archives every log before it ends the run: what is stored now is all there is.
          if (stepId) {
            const rest = await getStepLog(ctx, stepId, { fromByte: sent });
            if (rest.text) sendLog(rest.fromByte, rest.text);
          }
          send(`event: end\ndata: ${JSON.stringify({ status: state.status })}\n\n`);
          return close();
        }
      }
    } catch (err) {
      log.warn({ err, runId }, "a run stream could not read the run");
      send(`event: failure\ndata: ${JSON.stringify({ message: "The run could not be read; reconnecting." })}\n\n`);
      close();
    } finally {
      working = false;
    }
  };

  const onEvent = (event: HubEvent<CiEvent>) => {
    if ("resync" in event) {
      stateDirty = true;
      logGap = true;
    } else if (event.runId !== runId) {
      return;
    } else if (event.kind === "log") {
      if (event.stepId !== stepId) return;
      if (pending.length >= MAX_PENDING_BATCHES) {
        pending = [];
        logGap = true;
      } else pending.push({ offset: event.offset, text: event.text });
    } else {
      stateDirty = true;
    }
    void work();
  };

  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        controllerRef = controller;
        if (signal?.aborted) return close();
        signal?.addEventListener("abort", close, { once: true });
        send("retry: 2000\n\n");
        const sub = ciHub().subscribe(onEvent);
        subscription = sub;
        // Listening before the first read: nothing committed after it is missed.
        await sub.ready;
        keepAlive = setInterval(() => send(": keep-alive\n\n"), keepAliveMs);
        keepAlive.unref?.();
        void work();
      },
      cancel() {
        close();
      },
    },
    { highWaterMark: 1024 * 1024, size: (chunk) => chunk.byteLength },
  );
}
