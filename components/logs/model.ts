/**
 * The log viewer's pure parts, kept apart from React so they are tested on
 * their own (model.test.ts): the rows the list shows and their bound, the
 * pause buffer, the query a set of filters asks for, pod colours, include
 * highlights and the lines/s meter.
 */
import { RE2JS } from "re2js";
import { LOG_LEVELS, MAX_LINE_BYTES, regexProblem, type LogLevel, type LogLine, type LogSourceEvent } from "@/lib/logs/protocol";

/** Lines (and markers) the browser keeps; older ones are let go, and the viewer says how many. */
export const MAX_ROWS = 20_000;
/** Lines a paused viewer keeps receiving before it lets the oldest unseen ones go. */
export const MAX_PAUSED = 20_000;

export type MarkerTone = "info" | "warn" | "error";
export type Row = { kind: "line"; key: number; line: LogLine } | { kind: "marker"; key: number; at: number; tone: MarkerTone; text: string };

/** Rows in arrival order with a bound: `letGo` counts what fell off the front. */
export interface Rows {
  rows: Row[];
  letGo: number;
}

export const EMPTY_ROWS: Rows = { rows: [], letGo: 0 };

/** Appends and keeps at most `max`, the oldest going first (returns a new value; the old one is untouched). */
export function appendRows(state: Rows, more: Row[], max = MAX_ROWS): Rows {
  if (more.length === 0) return state;
  const all = state.rows.concat(more);
  const over = all.length - max;
  return over > 0 ? { rows: all.slice(over), letGo: state.letGo + over } : { rows: all, letGo: state.letGo };
}

/** Lines counted in a state (markers excluded). */
export function lineCount(rows: Row[]): number {
  let n = 0;
  for (const r of rows) if (r.kind === "line") n++;
  return n;
}

/** A source event as the marker row shown where it happened. */
export function sourceMarker(e: LogSourceEvent, key: number): Row {
  const tone: MarkerTone = e.state === "unreachable" || e.state === "limit" ? "error" : e.state === "ended" || e.state === "waiting" ? "warn" : "info";
  const where = `${e.pod}${e.container ? ` (${e.container})` : ""} on ${e.cluster}`;
  const what: Record<LogSourceEvent["state"], string> = {
    joined: `${where} joined`,
    ended: `${where} ended`,
    unreachable: `${e.cluster} stopped answering: lines of ${where} stop here`,
    resumed: `${where} resumed: lines continue from where they stopped`,
    waiting: `${where} is waiting to start`,
    limit: `${where} is not streamed: ${e.cluster}'s limit of log streams is reached`,
  };
  return { kind: "marker", key, at: e.at, tone, text: e.message && e.message !== what[e.state] ? `${what[e.state]}: ${e.message}` : what[e.state] };
}

/** The filters a person sets in the toolbar (the page's state, not yet a query). */
export interface Filters {
  /** Seconds back, or null for the last `tail` lines per container. */
  since: number | null;
  tail: number;
  previous: boolean;
  levels: LogLevel[];
  include: string;
  exclude: string;
  clusters: string[];
  pods: string[];
}

export const DEFAULT_TAIL = 200;

export function defaultFilters(over: Partial<Filters> = {}): Filters {
  return { since: null, tail: DEFAULT_TAIL, previous: false, levels: [], include: "", exclude: "", clusters: [], pods: [], ...over };
}

/** A time window (a release's): lines from `sinceTime` to `until`, not followed. */
export interface Range {
  sinceTime: string;
  until: string;
}

/**
 * The query string of /api/logs/stream and /api/logs/download for these
 * filters (protocol.ts ZLogQuery). Every level chosen is the same as none.
 */
export function logQuery(serviceId: string, env: string, f: Filters, range?: Range | null): URLSearchParams {
  const q = new URLSearchParams({ service: serviceId, env });
  if (range) {
    q.set("sinceTime", range.sinceTime);
    q.set("until", range.until);
    q.set("follow", "0");
  } else {
    if (f.since !== null) q.set("since", String(f.since));
    q.set("follow", "1");
  }
  // The server ignores the tail when a time is given.
  if (!range && f.since === null) q.set("tail", String(f.tail));
  if (f.previous) q.set("previous", "1");
  if (f.levels.length > 0 && f.levels.length < LOG_LEVELS.length) q.set("level", LOG_LEVELS.filter((l) => f.levels.includes(l)).join(","));
  if (f.include) q.set("include", f.include);
  if (f.exclude) q.set("exclude", f.exclude);
  if (f.clusters.length) q.set("cluster", f.clusters.join(","));
  if (f.pods.length) q.set("pod", f.pods.join(","));
  return q;
}

/** Whether any filter narrows the lines (for the empty state's words); `clusterCount`: the clusters the view covers unfiltered. */
export function narrows(f: Filters, clusterCount = Infinity): boolean {
  return (
    (f.levels.length > 0 && f.levels.length < LOG_LEVELS.length) ||
    Boolean(f.include || f.exclude) ||
    (f.clusters.length > 0 && f.clusters.length < clusterCount) ||
    f.pods.length > 0
  );
}

/** A stable colour per pod name (FNV-1a hash to a hue), so a pod keeps its colour across reloads and viewers. */
export function podHue(pod: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pod.length; i++) {
    h ^= pod.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 360;
}

/** Chip colours on the viewer's dark background. */
export function podStyle(pod: string): { backgroundColor: string; color: string } {
  const hue = podHue(pod);
  return { backgroundColor: `hsl(${hue} 55% 24%)`, color: `hsl(${hue} 90% 82%)` };
}

/** Local time with milliseconds, 24 h: 14:03:07.412. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** "cut at 64 KB of 130 KB" for a line the server cut (`cut`: its full length in bytes). */
export function cutNote(cut: number): string {
  return `cut at ${Math.round(MAX_LINE_BYTES / 1024)} KB of ${Math.max(1, Math.round(cut / 1024))} KB`;
}

export type Segment = { text: string; match: boolean };

const MAX_HIGHLIGHTS = 200;

/**
 * The include pattern compiled for highlighting, with re2js, the same RE2
 * engine the server filters with: what is highlighted is what matched there
 * (a JS RegExp differs on `(?i)`, `\C`, Unicode classes). Null when empty or
 * not valid (the field shows why).
 */
export function compileHighlight(pattern: string): RE2JS | null {
  if (!pattern || regexProblem(pattern)) return null;
  return RE2JS.compile(pattern);
}

/** `text` split into matched and unmatched parts (at most 200 matches a line; empty matches are skipped). */
export function highlight(text: string, re: RE2JS | null): Segment[] {
  if (!re) return [{ text, match: false }];
  const out: Segment[] = [];
  const m = re.matcher(text);
  let last = 0;
  let found = 0;
  while (found < MAX_HIGHLIGHTS && m.find()) {
    const start = m.start();
    const end = m.end();
    if (end === start) continue;
    if (start > last) out.push({ text: text.slice(last, start), match: false });
    out.push({ text: text.slice(start, end), match: true });
    last = end;
    found++;
  }
  if (last < text.length || out.length === 0) out.push({ text: text.slice(last), match: false });
  return out;
}

/** Lines per second over the last `windowMs`, from arrival times. */
export class RateMeter {
  private marks: { at: number; n: number }[] = [];
  constructor(private readonly windowMs = 5000) {}
  add(n: number, at: number) {
    if (n > 0) this.marks.push({ at, n });
  }
  rate(now: number): number {
    const from = now - this.windowMs;
    while (this.marks.length && this.marks[0]!.at < from) this.marks.shift();
    const total = this.marks.reduce((s, m) => s + m.n, 0);
    return total / (this.windowMs / 1000);
  }
}
