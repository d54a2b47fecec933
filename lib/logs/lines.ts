/**
 * Bytes of a container log read with `timestamps=true` -> RawLine. Chunks
 * arrive cut anywhere (mid-line, mid-character); a splitter keeps at most
 * about MAX_LINE_BYTES of the line being read: a longer line is cut there and
 * the rest, up to its newline, is counted and dropped without being kept.
 *
 * Also the two helpers every reader of positions needs: `tsKey` (a
 * timestamp as a fixed-width string that sorts by time, to the nanosecond)
 * and `positionAfter` (where a reader stands after some lines).
 */
import { MAX_LINE_BYTES, type LogLevel } from "./protocol";
import type { Position, RawLine } from "./types";

/** Longest timestamp prefix accepted (`2026-11-30T10:00:00.123456789+05:30 `). */
const MAX_PREFIX_BYTES = 48;
const NEWLINE = 0x0a;

/**
 * A timestamp as a string that compares like the time it names, to the
 * nanosecond: `2026-11-30T10:00:00.123456789` (UTC, 9 fraction digits).
 * RFC 3339 with any fraction (or none) and any offset; "" when not a time.
 */
export function tsKey(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(ts);
  if (!m) return "";
  const frac = (m[2] ?? "").padEnd(9, "0");
  if (m[3] === "Z" || m[3] === "z" || m[3] === "+00:00" || m[3] === "-00:00") return `${m[1]}.${frac}`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms)) return "";
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}`;
}

/** The key of an epoch-milliseconds time (every line at or after it has a key >= this). */
export function msKey(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-30T10:00:00.123Z
  return `${iso.slice(0, 23)}000000`;
}

/** `sinceTime` for the API (RFC 3339, whole seconds: the API drops fractions) at or before a key. */
export function sinceTimeOf(key: string): string {
  return `${key.slice(0, 19)}Z`;
}

/** Where a reader stands after `lines`, starting from `from` (null: before any line). */
export function positionAfter(from: Position | null, lines: readonly { ts: string }[]): Position | null {
  let pos = from;
  for (const l of lines) pos = pos && tsKey(pos.ts) === tsKey(l.ts) ? { ts: l.ts, n: pos.n + 1 } : { ts: l.ts, n: 1 };
  return pos;
}

/**
 * Drops the lines a reader at `pos` already has from a read that starts at
 * or before `pos.ts` (a `sinceTime` read at second precision): those with an
 * earlier timestamp, and the first `pos.n` of those with exactly its timestamp.
 */
export function dropThrough<T extends { ts: string }>(lines: readonly T[], pos: Position): T[] {
  const key = tsKey(pos.ts);
  let same = 0;
  const out: T[] = [];
  for (const l of lines) {
    const k = tsKey(l.ts);
    if (k < key) continue;
    if (k === key && same < pos.n) {
      same++;
      continue;
    }
    out.push(l);
  }
  return out;
}

const PINO_LEVELS: [number, LogLevel][] = [
  [60, "fatal"],
  [50, "error"],
  [40, "warn"],
  [30, "info"],
  [0, "debug"],
];

const WORDS: Record<string, LogLevel> = {
  fatal: "fatal",
  panic: "fatal",
  critical: "fatal",
  crit: "fatal",
  emerg: "fatal",
  emergency: "fatal",
  alert: "fatal",
  error: "error",
  err: "error",
  eror: "error",
  severe: "error",
  warn: "warn",
  warning: "warn",
  info: "info",
  information: "info",
  notice: "info",
  debug: "debug",
  trace: "debug",
  verbose: "debug",
  fine: "debug",
};

function levelWord(v: unknown): LogLevel | null {
  if (typeof v === "number") return (PINO_LEVELS.find(([min]) => v >= min) ?? [0, "debug"])[1];
  if (typeof v !== "string") return null;
  const w = v.trim().toLowerCase();
  if (/^\d+$/.test(w)) return levelWord(Number(w));
  return WORDS[w] ?? null;
}

const JSON_LEVEL_KEYS = new Set(["level", "severity", "lvl", "loglevel", "log.level", "levelname"]);

function jsonLevel(text: string): LogLevel | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    if (JSON_LEVEL_KEYS.has(k.toLowerCase())) {
      const l = levelWord(value);
      if (l) return l;
    }
  }
  return "other";
}

/** Uppercase level words as text formats print them (Spring, Python logging, uvicorn, glog-like). */
const TEXT_LEVEL = /(?:^|[\s[|(])(FATAL|PANIC|CRITICAL|EMERG|ERROR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE)(?=$|[\s\]|:),])/;
/** nginx's error log: `2026/11/30 10:00:00 [error] 29#29: ...`. */
const NGINX_LEVEL = /\[(emerg|alert|crit|error|warn|notice|info|debug)\]/;
const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl|severity)=("?)([A-Za-z]+)\1(?:\s|$)/i;
/** Lines of a stack trace or an uncaught error (Java, Node, Python, Go). */
const STACK_LINE =
  /^(?:\tat |\s+at \S|Caused by: |\t\.\.\. \d+ (?:common frames omitted|more)|Exception in thread |Traceback \(most recent call last\)|panic: |goroutine \d+ \[|[\w$.]*(?:Exception|Error)(?::|$))/;

/**
 * A line's level: JSON logs by their `level`/`severity`/`lvl` field (pino's
 * numbers 10-60, or words in any case), logfmt by `level=`, text by its first
 * level word (ERROR, WARN/WARNING, INFO, DEBUG/TRACE, FATAL/PANIC/CRITICAL,
 * uvicorn's `ERROR:`, nginx's `[error]`/`[warn]`/`[emerg]`), and stack-trace
 * lines (`\tat ...`, `Caused by:`, `...Exception: ...`, `Traceback`, `panic:`)
 * as errors; "other" when nothing says.
 */
export function levelOf(text: string): LogLevel {
  const t = text.trimStart();
  if (t.startsWith("{")) {
    const l = jsonLevel(t);
    if (l) return l;
  }
  const head = text.length > 512 ? text.slice(0, 512) : text;
  const logfmt = LOGFMT_LEVEL.exec(head);
  if (logfmt) return levelWord(logfmt[2]) ?? "other";
  const word = TEXT_LEVEL.exec(head);
  const nginx = NGINX_LEVEL.exec(head);
  const first = word && nginx ? (word.index <= nginx.index ? word[1] : nginx[1]) : (word?.[1] ?? nginx?.[1]);
  if (first) return levelWord(first) ?? "other";
  if (/^FATAL ERROR: /.test(text)) return "fatal";
  if (STACK_LINE.test(text)) return text.startsWith("panic: ") ? "fatal" : "error";
  return "other";
}

/** An indented line after an error (a stack frame, a traceback's source line) belongs to that error. */
function continues(text: string, previous: LogLevel | null): LogLevel | null {
  if (previous !== "error" && previous !== "fatal") return null;
  return /^[ \t]+\S/.test(text) ? previous : null;
}

/**
 * Splits one container's log (with timestamps) into lines. `push` each chunk
 * as it arrives, `end` when the response ends (a last line without newline).
 * Holds at most MAX_LINE_BYTES + a timestamp's bytes of the current line.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  /** Bytes of the current line held in memory (bounded by MAX_LINE_BYTES plus a timestamp). */
  get heldBytes(): number {
    return this.kept;
  }
  /** Bytes of the current line, kept or not. */
  private total = 0;
  private previousLevel: LogLevel | null = null;
  private lastTs = "";
  private readonly limit: number;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {
    this.limit = maxLineBytes + MAX_PREFIX_BYTES;
  }

  push(chunk: Uint8Array): RawLine[] {
    const out: RawLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk, start, end);
      if (nl === -1) break;
      const line = this.finish();
      if (line) out.push(line);
      start = nl + 1;
    }
    return out;
  }

  /** The last line when the log does not end with a newline (the kubelet cut it at limitBytes, or the stream broke). */
  end(): RawLine[] {
    if (this.total === 0) return [];
    const line = this.finish();
    return line ? [line] : [];
  }

  private take(chunk: Uint8Array, start: number, end: number) {
    const len = end - start;
    this.total += len;
    const room = this.limit - this.kept;
    if (room <= 0 || len === 0) return;
    const n = Math.min(room, len);
    this.parts.push(Buffer.from(chunk.subarray(start, start + n)));
    this.kept += n;
  }

  private finish(): RawLine | null {
    const buf = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.kept);
    const total = this.total;
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    // the timestamp prefix: up to the first space
    const sp = buf.indexOf(0x20);
    let ts = sp > 0 && sp < MAX_PREFIX_BYTES ? buf.subarray(0, sp).toString("latin1") : "";
    let key = ts ? tsKey(ts) : "";
    let body: Buffer;
    let bodyTotal: number;
    if (key) {
      body = buf.subarray(sp + 1);
      bodyTotal = total - sp - 1;
    } else {
      // not timestamped (should not happen with timestamps=true): keep it, at the time of the line before
      body = buf;
      bodyTotal = total;
      ts = this.lastTs || new Date().toISOString();
      key = tsKey(ts);
    }
    this.lastTs = ts;
    let cut: number | undefined;
    if (bodyTotal > this.maxLineBytes) {
      cut = bodyTotal;
      let at = this.maxLineBytes;
      // back to a character boundary (UTF-8 continuation bytes are 10xxxxxx)
      while (at > 0 && (body[at] & 0xc0) === 0x80) at--;
      body = body.subarray(0, at);
    }
    let text = body.toString("utf8");
    if (text.endsWith("\r")) text = text.slice(0, -1);
    const level = continues(text, this.previousLevel) ?? levelOf(text);
    this.previousLevel = level;
    const ms = Date.parse(`${key.slice(0, 23)}Z`);
    return cut === undefined ? { ts, ms, level, text } : { ts, ms, level, text, cut };
  }
}

/** All lines of a complete log (a bounded read). */
export function splitLog(bytes: Uint8Array): RawLine[] {
  const s = new LineSplitter();
  return [...s.push(bytes), ...s.end()];
}
