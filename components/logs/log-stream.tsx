"use client";

/**
 * One connection of the log viewer: an EventSource on /api/logs/stream for
 * one query (the parent renders it with `key={url}`, so a filter change is a
 * new connection with a fresh list). A dropped connection is resumed by the
 * browser itself with Last-Event-ID (the server goes on from that cursor, so
 * nothing is lost or repeated); meanwhile the status says "Reconnecting…".
 * A connection the server refuses (400, 403) cannot be read by EventSource:
 * the URL is fetched once to read the error, which the parent shows at the
 * fields.
 *
 * The list is virtualized (@tanstack/react-virtual) and bounded (MAX_ROWS);
 * pausing keeps receiving into a bounded buffer and resumes without loss.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDownToLine, CircleAlert, Info, Pause, Play, TriangleAlert } from "lucide-react";
import type { RE2JS } from "re2js";
import type { ErrorBody } from "@/lib/errors";
import type { LogEvent, LogLine, LogSourceEvent, LogSourceRef } from "@/lib/logs/protocol";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import {
  appendRows,
  cutNote,
  EMPTY_ROWS,
  formatTime,
  highlight,
  lineCount,
  MAX_PAUSED,
  MAX_ROWS,
  podStyle,
  RateMeter,
  sourceMarker,
  type Row,
  type Rows,
} from "./model";

type Status = "connecting" | "history" | "live" | "reconnecting" | "ended" | "failed";
/** A row before it gets its key. */
type NewRow = { kind: "line"; line: LogLine } | { kind: "marker"; at: number; tone: "info" | "warn" | "error"; text: string };
type EventData<E extends LogEvent["event"]> = Extract<LogEvent, { event: E }>["data"];

export interface ClusterState {
  clusterId: string;
  cluster: string;
  ok: boolean | null;
  message: string;
}

const LEVEL_CLASS: Record<LogLine["level"], string> = {
  fatal: "bg-red-600 text-white",
  error: "bg-red-500/25 text-red-200",
  warn: "bg-amber-500/25 text-amber-200",
  info: "bg-sky-500/20 text-sky-200",
  debug: "bg-zinc-700 text-zinc-300",
  other: "bg-zinc-800 text-zinc-400",
};

const srcKey = (s: LogSourceRef) => `${s.clusterId}/${s.pod}/${s.container}`;

export function LogStream({
  url,
  env,
  clusters,
  highlightRe,
  narrowed,
  range,
  onSources,
  onFailure,
}: {
  /** /api/logs/stream?… for this connection. */
  url: string;
  env: string;
  clusters: { clusterId: string; cluster: string }[];
  highlightRe: RE2JS | null;
  /** Some filter narrows the lines (for the empty state's words). */
  narrowed: boolean;
  /** A bounded window (a release's): starts at the oldest line, ends with `end`. */
  range: boolean;
  onSources: (sources: LogSourceRef[]) => void;
  onFailure: (error: ErrorBody) => void;
}) {
  const [status, setStatus] = useState<Status>("connecting");
  const [endReason, setEndReason] = useState("");
  const [rows, setRows] = useState<Rows>(EMPTY_ROWS);
  const [paused, setPaused] = useState(false);
  const [pending, setPending] = useState<Rows>(EMPTY_ROWS);
  const [follow, setFollow] = useState(!range);
  const [sources, setSources] = useState<Map<string, LogSourceRef & { active: boolean }>>(new Map());
  const [hello, setHello] = useState(false);
  const [clusterState, setClusterState] = useState<Record<string, ClusterState>>(() =>
    Object.fromEntries(clusters.map((c) => [c.clusterId, { ...c, ok: null, message: "" }])),
  );
  const [rate, setRate] = useState(0);

  const pausedRef = useRef(false);
  const queue = useRef<Row[]>([]);
  const nextKey = useRef(0);
  const meter = useRef(new RateMeter());
  const box = useRef<HTMLDivElement>(null);
  const onSourcesRef = useRef(onSources);
  const onFailureRef = useRef(onFailure);
  useEffect(() => {
    onSourcesRef.current = onSources;
    onFailureRef.current = onFailure;
  }, [onSources, onFailure]);
  useEffect(() => {
    pausedRef.current = paused;
  }, [paused]);

  // Events arrive many a second: rows are queued and shown at most ten times a second.
  useEffect(() => {
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      flushTimer = null;
      const batch = queue.current;
      queue.current = [];
      if (batch.length === 0) return;
      if (pausedRef.current) setPending((p) => appendRows(p, batch, MAX_PAUSED));
      else setRows((r) => appendRows(r, batch));
    };
    const push = (row: NewRow) => {
      queue.current.push({ ...row, key: nextKey.current++ });
      flushTimer ??= setTimeout(flush, 100);
    };
    const marker = (tone: "info" | "warn" | "error", text: string, at = Date.now()) => push({ kind: "marker", at, tone, text });

    const es = new EventSource(url);
    const on = <E extends LogEvent["event"]>(event: E, fn: (data: EventData<E>) => void) =>
      es.addEventListener(event, (e) => {
        try {
          fn(JSON.parse((e as MessageEvent<string>).data) as EventData<E>);
        } catch {
          marker("error", `An event of the stream could not be read (${event}).`);
        }
      });
    const setSource = (s: LogSourceRef, active: boolean) =>
      setSources((prev) => {
        const next = new Map(prev);
        next.set(srcKey(s), { clusterId: s.clusterId, cluster: s.cluster, pod: s.pod, container: s.container, active });
        return next;
      });

    // Back from a reconnect the server goes on from the cursor: what was live stays live.
    let liveSeen = false;
    es.onopen = () => setStatus((s) => (s === "reconnecting" || s === "connecting" ? (liveSeen ? "live" : "history") : s));
    on("hello", (d) => {
      setHello(true);
      setSources(new Map(d.sources.map((s) => [srcKey(s), { ...s, active: true }])));
      setClusterState((prev) => {
        const next = { ...prev };
        for (const c of d.clusters) next[c.clusterId] = { ...c, ok: next[c.clusterId]?.ok ?? true, message: next[c.clusterId]?.message ?? "" };
        return next;
      });
      onSourcesRef.current(d.sources);
    });
    on("lines", (d) => {
      meter.current.add(d.lines.length, Date.now());
      for (const line of d.lines) push({ kind: "line", line });
    });
    on("source", (d: LogSourceEvent) => {
      setSource(d, d.state !== "ended" && d.state !== "limit");
      if (d.state === "joined") onSourcesRef.current([d]);
      push(sourceMarker(d, 0));
    });
    on("cluster", (d) => {
      setClusterState((prev) => ({ ...prev, [d.clusterId]: { clusterId: d.clusterId, cluster: d.cluster, ok: d.ok, message: d.message } }));
      marker(
        d.ok ? "info" : "error",
        d.ok ? `${d.cluster} answers again${d.message ? `: ${d.message}` : ""}` : `${d.cluster} stopped answering${d.message ? `: ${d.message}` : ""}`,
      );
    });
    on("dropped", (d) => marker("error", `${d.count} line${d.count === 1 ? "" : "s"} dropped: ${d.message}`));
    on("problem", (d) => marker("warn", d.message));
    on("live", () => {
      liveSeen = true;
      setStatus("live");
    });
    on("end", (d) => {
      es.close();
      setEndReason(d.reason);
      setStatus("ended");
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CONNECTING) {
        setStatus((s) => (s === "ended" ? s : "reconnecting"));
        return;
      }
      // Closed: the server refused the query (EventSource cannot read why): ask once more with fetch to read the error.
      setStatus((s) => (s === "ended" ? s : "failed"));
      const ctl = new AbortController();
      fetch(url, { signal: ctl.signal, headers: { accept: "text/event-stream" } })
        .then(async (res) => {
          if (res.ok) {
            ctl.abort();
            onFailureRef.current({ code: "UNAVAILABLE", message: "The log stream closed. Change a filter or reload the page to open it again." });
            return;
          }
          const body = (await res.json().catch(() => null)) as ErrorBody | null;
          onFailureRef.current(body ?? { code: "INTERNAL", message: `The log stream was refused (HTTP ${res.status}).` });
        })
        .catch(() =>
          onFailureRef.current({
            code: "UNAVAILABLE",
            message: "The log stream cannot be reached. Check your connection; the page retries when you reload it.",
          }),
        );
    };
    const tick = setInterval(() => setRate(meter.current.rate(Date.now())), 1000);
    return () => {
      es.close();
      clearInterval(tick);
      if (flushTimer) clearTimeout(flushTimer);
    };
  }, [url]);

  const resume = useCallback(() => {
    setPaused(false);
    const held = pending;
    setPending(EMPTY_ROWS);
    setRows((r) => {
      let next = appendRows(r, held.rows);
      if (held.letGo > 0)
        next = appendRows(next, [
          {
            kind: "marker",
            key: nextKey.current++,
            at: Date.now(),
            tone: "warn",
            text: `${held.letGo} lines received while paused were let go (the pause keeps the newest ${MAX_PAUSED.toLocaleString("en")})`,
          },
        ]);
      return next;
    });
  }, [pending]);

  const multiContainer = useMemo(() => {
    const per = new Map<string, Set<string>>();
    for (const s of sources.values()) per.set(s.pod, (per.get(s.pod) ?? new Set()).add(s.container));
    return new Set([...per].filter(([, cs]) => cs.size > 1).map(([pod]) => pod));
  }, [sources]);
  const pods = useMemo(() => [...new Set([...sources.values()].filter((s) => s.active).map((s) => s.pod))].sort(), [sources]);

  const list = rows.rows;
  // The app does not use the React Compiler; this only says the compiler would skip the component, which is what we want for the virtualizer.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: list.length,
    getScrollElement: () => box.current,
    estimateSize: () => 22,
    overscan: 30,
    getItemKey: (i) => list[i]!.key,
  });
  const totalSize = virtualizer.getTotalSize();

  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow && list.length > 0) el.scrollTop = el.scrollHeight;
  }, [list, totalSize, follow]);

  const lines = lineCount(list);
  const pendingLines = lineCount(pending.rows);
  const statusText: Record<Status, string> = {
    connecting: "Connecting…",
    history: "Reading history…",
    live: "Live",
    reconnecting: "Reconnecting…",
    ended: range ? "Window complete" : "Ended",
    failed: "Stopped",
  };

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-xs text-muted-foreground" data-testid="log-status" aria-label="Stream status">
        <span className={cn("font-medium", status === "reconnecting" || status === "failed" ? "text-destructive" : "text-foreground")} role="status">
          {paused ? "Paused" : statusText[status]}
        </span>
        {Object.values(clusterState).map((c) => (
          <span key={c.clusterId} className="inline-flex items-center gap-1.5" data-testid={`log-cluster-${c.cluster}`} title={c.message || undefined}>
            <span aria-hidden className={cn("size-2 rounded-full", c.ok === null ? "bg-zinc-400" : c.ok ? "bg-emerald-500" : "bg-red-500")} />
            {c.cluster}
            <span className="sr-only">{c.ok === null ? "(waiting)" : c.ok ? "(answering)" : "(not answering)"}</span>
            {c.ok === false && <span className="text-destructive">not answering</span>}
          </span>
        ))}
        <span data-testid="log-pod-count">
          {pods.length} pod{pods.length === 1 ? "" : "s"}
        </span>
        {!range && <span className="tabular-nums">{rate.toFixed(rate < 10 ? 1 : 0)} lines/s</span>}
        <span className="tabular-nums">{lines.toLocaleString("en")} lines shown</span>
        {rows.letGo > 0 && (
          <span data-testid="log-let-go">
            {rows.letGo.toLocaleString("en")} older rows let go (the page keeps the newest {MAX_ROWS.toLocaleString("en")})
          </span>
        )}
        {!range && (
          <span className="ml-auto flex gap-2">
            {paused ? (
              <Button size="sm" variant="outline" onClick={resume}>
                <Play /> Resume{pendingLines > 0 ? ` (${pendingLines.toLocaleString("en")} new lines)` : ""}
              </Button>
            ) : (
              <Button size="sm" variant="outline" onClick={() => setPaused(true)}>
                <Pause /> Pause
              </Button>
            )}
          </span>
        )}
      </div>
      {paused && (pendingLines > 0 || pending.letGo > 0) && (
        <p className="text-xs text-muted-foreground" data-testid="log-pending">
          {pendingLines.toLocaleString("en")} new lines held while paused
          {pending.letGo > 0 && `; ${pending.letGo.toLocaleString("en")} older ones were let go (the pause keeps ${MAX_PAUSED.toLocaleString("en")})`}.
        </p>
      )}
      {pods.length > 0 && (
        <ul className="flex flex-wrap gap-1.5" aria-label="Pods (legend)">
          {pods.map((p) => (
            <li key={p} className="rounded px-1.5 py-0.5 font-mono text-[11px]" style={podStyle(p)}>
              {p}
            </li>
          ))}
        </ul>
      )}
      <div className="relative">
        <div
          ref={box}
          role="log"
          aria-label="Log lines"
          aria-live="off"
          aria-busy={status === "connecting" || status === "history"}
          tabIndex={0}
          // Moving up (wheel, keys) stops following at once, before a new batch could scroll back down; the scroll event covers the scrollbar.
          onWheel={(e) => {
            if (e.deltaY < 0 && !range) setFollow(false);
          }}
          onKeyDown={(e) => {
            if (["ArrowUp", "PageUp", "Home"].includes(e.key) && !range) setFollow(false);
          }}
          onScroll={(e) => {
            const el = e.currentTarget;
            const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
            if (!range) setFollow(atBottom);
          }}
          className="h-[60vh] min-h-72 overflow-auto rounded-md bg-zinc-950 font-mono text-xs leading-5 text-zinc-100 focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none"
        >
          {list.length === 0 ? (
            <div className="p-3 text-zinc-400" data-testid="log-empty">
              {status === "failed"
                ? "The stream stopped: see the message above."
                : hello && sources.size === 0
                  ? `No pods of this service in ${env}${narrowed ? " match the cluster and pod filters" : ""}.`
                  : (status === "live" || status === "ended") && narrowed
                    ? "No lines match the filters. Loosen a filter to see more."
                    : status === "ended"
                      ? "No lines in this window."
                      : "Waiting for lines…"}
            </div>
          ) : (
            <div className="relative w-full" style={{ height: totalSize }}>
              {virtualizer.getVirtualItems().map((v) => {
                const row = list[v.index]!;
                return (
                  <div
                    key={v.key}
                    ref={virtualizer.measureElement}
                    data-index={v.index}
                    className="absolute top-0 left-0 w-full"
                    style={{ transform: `translateY(${v.start}px)` }}
                  >
                    {row.kind === "line" ? (
                      <LineRow line={row.line} showContainer={multiContainer.has(row.line.pod)} highlightRe={highlightRe} />
                    ) : (
                      <MarkerRow row={row} />
                    )}
                  </div>
                );
              })}
            </div>
          )}
          {status === "ended" && list.length > 0 && (
            <div className="px-3 py-1 text-zinc-400" data-testid="log-end">
              End of the window{endReason ? `: ${endReason}` : ""}.
            </div>
          )}
        </div>
        {!follow && !range && list.length > 0 && (
          <Button
            size="sm"
            variant="secondary"
            className="absolute right-3 bottom-3"
            onClick={() => {
              setFollow(true);
              const el = box.current;
              if (el) el.scrollTop = el.scrollHeight;
            }}
          >
            <ArrowDownToLine /> Jump to newest
          </Button>
        )}
      </div>
    </div>
  );
}

function LineRow({ line, showContainer, highlightRe }: { line: LogLine; showContainer: boolean; highlightRe: RE2JS | null }) {
  const parts = useMemo(() => highlight(line.text, highlightRe), [line.text, highlightRe]);
  return (
    <div
      data-testid="log-line"
      data-pod={line.pod}
      data-cluster={line.cluster}
      data-level={line.level}
      data-previous={line.previous ? "" : undefined}
      className={cn(
        "flex flex-wrap items-baseline gap-x-2 border-l-2 border-transparent px-3 py-0.5 hover:bg-white/5",
        line.previous && "border-amber-400 bg-amber-950/30",
      )}
    >
      <time dateTime={line.ts} className="shrink-0 text-zinc-400 tabular-nums" title={line.ts}>
        {formatTime(line.ms)}
      </time>
      <span className="max-w-[22ch] shrink-0 truncate rounded px-1.5 sm:max-w-[30ch]" style={podStyle(line.pod)} title={line.pod}>
        {line.pod}
      </span>
      <span className="shrink-0 text-zinc-400" data-testid="log-line-cluster">
        {line.cluster}
      </span>
      {showContainer && <span className="shrink-0 text-zinc-500">{line.container}</span>}
      <span className={cn("shrink-0 rounded px-1 text-[10px] font-semibold uppercase", LEVEL_CLASS[line.level])}>{line.level}</span>
      {line.previous && (
        <span className="shrink-0 rounded bg-amber-500/25 px-1 text-[10px] text-amber-200" title="From the container's previous (crashed) instance">
          previous
        </span>
      )}
      <span className="min-w-0 basis-full whitespace-pre-wrap [overflow-wrap:anywhere] sm:flex-1 sm:basis-0">
        {parts.map((p, i) =>
          p.match ? (
            <mark key={i} className="rounded-sm bg-yellow-300 text-zinc-950">
              {p.text}
            </mark>
          ) : (
            <span key={i}>{p.text}</span>
          ),
        )}
        {line.cut !== undefined && (
          <span className="ml-2 rounded bg-amber-500/25 px-1 text-amber-200" data-testid="log-line-cut">
            … {cutNote(line.cut)}
          </span>
        )}
      </span>
    </div>
  );
}

function MarkerRow({ row }: { row: Extract<Row, { kind: "marker" }> }) {
  const Icon = row.tone === "error" ? CircleAlert : row.tone === "warn" ? TriangleAlert : Info;
  return (
    <div
      role="note"
      data-testid="log-marker"
      className={cn(
        "flex items-center gap-2 border-y border-white/10 px-3 py-0.5 font-sans",
        row.tone === "error" ? "text-red-300" : row.tone === "warn" ? "text-amber-300" : "text-sky-300",
      )}
    >
      <Icon className="size-3.5 shrink-0" aria-hidden />
      <time className="shrink-0 font-mono text-zinc-400 tabular-nums">{formatTime(row.at)}</time>
      <span className="min-w-0 break-words">{row.text}</span>
    </div>
  );
}
