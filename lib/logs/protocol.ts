/**
 * The log center's wire contract, shared by the stream route
 * (app/api/logs/stream), the download route (app/api/logs/download) and the
 * browser's viewer (components/logs): the query a viewer asks with, and the
 * Server-Sent Events it receives. Kept free of server imports so the client
 * bundle can use it.
 */
import { z } from "zod";
import { RE2JS } from "re2js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "other"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The largest line passed on; longer ones are cut here and flagged (`cut`). */
export const MAX_LINE_BYTES = 64 * 1024;
/** The most lines a viewer may ask per container before following. */
export const MAX_TAIL_LINES = 5000;
/** `since` choices offered by the viewer, in seconds. */
export const SINCE_CHOICES = [
  { seconds: 300, label: "5 min" },
  { seconds: 900, label: "15 min" },
  { seconds: 3600, label: "1 h" },
  { seconds: 3 * 3600, label: "3 h" },
] as const;

/**
 * A regular expression as users write it in the filter bar: RE2 syntax
 * (linear time, so a pattern cannot stall the server), `(?i)` for case.
 * Returns the reason it does not compile, or null.
 */
export function regexProblem(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    const m = (e as Error).message.replace(/^error parsing regexp: /, "");
    return `Not a valid regular expression: ${m}`;
  }
}

const zRegex = (field: string) =>
  z
    .string()
    .max(500, { message: `The ${field} pattern is at most 500 characters` })
    .superRefine((v, ctx) => {
      if (!v) return;
      const problem = regexProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

const zList = (max: number, what: string) =>
  z
    .string()
    .max(4000, { message: `Too many ${what}` })
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .min(1)
            .max(253, { message: `A ${what.replace(/s$/, "")} name is at most 253 characters` }),
        )
        .max(max, { message: `At most ${max} ${what}` }),
    );

const zBool = z.enum(["1", "0", "true", "false"], { message: "Use 1 or 0" }).transform((v) => v === "1" || v === "true");

const zIso = (field: string) =>
  z
    .string()
    .max(40)
    .refine((v) => Number.isFinite(Date.parse(v)), { message: `${field} is a time such as 2026-11-30T10:00:00Z` });

/**
 * What a viewer asks for, as query parameters (strings) of
 * /api/logs/stream and /api/logs/download.
 */
export const ZLogQuery = z
  .object({
    service: z.string().min(1, { message: "Pick a service" }).max(40, { message: "A service id is at most 40 characters" }),
    env: z.enum(["dev", "test", "staging", "prod"], { message: "The environment is one of dev, test, staging, prod" }),
    /** Lines from this many seconds ago (default: the last `tail` lines). */
    since: z.coerce
      .number({ message: "since is a number of seconds, such as 300" })
      .int()
      .min(1, { message: "since is at least 1 second" })
      .max(7 * 86400, { message: "since is at most 7 days" })
      .optional(),
    /** Lines from this time on (a release's window); wins over `since`. */
    sinceTime: zIso("sinceTime").optional(),
    /** Lines up to this time, then the stream ends (a release's window); implies no follow. */
    until: zIso("until").optional(),
    /** Lines per container before following (default 200). */
    tail: z.coerce
      .number({ message: "tail is a number of lines, such as 200" })
      .int()
      .min(0, { message: "tail is 0 or more lines" })
      .max(MAX_TAIL_LINES, { message: `tail is at most ${MAX_TAIL_LINES} lines` })
      .optional(),
    follow: zBool.optional(),
    /** Also the previous container's log of containers that restarted (a crash). */
    previous: zBool.optional(),
    /** Levels to keep (none given: all). */
    level: zList(LOG_LEVELS.length, "levels")
      .pipe(z.array(z.enum(LOG_LEVELS, { message: `A level is one of ${LOG_LEVELS.join(", ")}` })))
      .optional(),
    include: zRegex("include").optional(),
    exclude: zRegex("exclude").optional(),
    /** Cluster ids to keep (none: every cluster of the environment). */
    cluster: zList(50, "clusters").optional(),
    /** Pod names to keep (none: every pod of the service). */
    pod: zList(200, "pods").optional(),
    /** Resume position (the last `lines` event's id); the Last-Event-ID header does the same. */
    cursor: z.string().max(16_000, { message: "The resume cursor is too long" }).optional(),
  })
  .refine((q) => !q.until || !q.sinceTime || Date.parse(q.until) > Date.parse(q.sinceTime), {
    path: ["until"],
    message: "until is after sinceTime",
  });
export type LogQuery = z.infer<typeof ZLogQuery>;

/** One source of lines: a container of a pod on a cluster. */
export interface LogSourceRef {
  clusterId: string;
  cluster: string;
  pod: string;
  container: string;
}

/** One line as the viewer receives it. */
export interface LogLine extends LogSourceRef {
  /** The container runtime's timestamp, RFC 3339 with nanoseconds as the kubelet gives it. */
  ts: string;
  /** The same in epoch milliseconds (for sorting and lag). */
  ms: number;
  level: LogLevel;
  text: string;
  /** From the previous (crashed) instance of the container. */
  previous?: true;
  /** The line was longer than MAX_LINE_BYTES: its length in bytes; `text` is its start. */
  cut?: number;
}

/** A source's state change, shown in the stream where it happened. */
export interface LogSourceEvent extends LogSourceRef {
  state:
    | "joined" // a pod (or a container) started streaming
    | "ended" // the pod or container went (deleted, finished)
    | "unreachable" // its cluster stopped answering: its lines stop here
    | "resumed" // back after unreachable: lines continue from where they stopped
    | "waiting" // the container has not started (pulling, crash back-off)
    | "limit"; // the cluster's bound on upstream streams is reached: not streamed
  at: number;
  message: string;
}

/**
 * Server-Sent Events of /api/logs/stream:
 * - `hello`   {sources, clusters}: what the tail covers, once at the start
 * - `lines`   {lines: LogLine[]} with `id:` a resume cursor (send it back as Last-Event-ID or `cursor`)
 * - `source`  LogSourceEvent
 * - `cluster` {clusterId, cluster, ok, message}: a cluster of the environment stopped (ok false) or came back
 * - `dropped` {count, message}: this viewer fell behind and lost `count` lines (the others did not)
 * - `live`    {}: the history part is out, what follows is live
 * - `end`     {reason}: a bounded query (until, follow=0) is complete
 * - `problem` {message}: something the viewer should show (not fatal)
 */
export type LogEvent =
  | { event: "hello"; data: { sources: LogSourceRef[]; clusters: { clusterId: string; cluster: string }[] } }
  | { event: "lines"; data: { lines: LogLine[] }; id: string }
  | { event: "source"; data: LogSourceEvent }
  | { event: "cluster"; data: { clusterId: string; cluster: string; ok: boolean; message: string } }
  | { event: "dropped"; data: { count: number; message: string } }
  | { event: "live"; data: Record<string, never> }
  | { event: "end"; data: { reason: string } }
  | { event: "problem"; data: { message: string } };
