"use client";

import { useLayoutEffect, useMemo, useRef, useState } from "react";
import Anser from "anser";
import { ArrowDownToLine } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

/** One line of a log, its ANSI colours as styled spans (never as HTML). */
function LogLine({ line }: { line: string }) {
  const parts = useMemo(() => Anser.ansiToJson(line, { json: true, remove_empty: true }), [line]);
  return (
    <div data-testid="log-line" className="min-h-[1lh] whitespace-pre-wrap break-all">
      {parts.map((p, i) => (
        <span
          key={i}
          style={{ color: p.fg ? `rgb(${p.fg})` : undefined, backgroundColor: p.bg ? `rgb(${p.bg})` : undefined }}
          className={cn(p.decorations.includes("bold") && "font-bold", p.decorations.includes("underline") && "underline")}
        >
          {p.content}
        </span>
      ))}
    </div>
  );
}

/**
 * A step's log: follows new lines while the reader is at the bottom, and
 * stops following when they scroll up (a button takes them back down).
 */
export function RunStepLog({
  text,
  live,
  truncatedAt,
  loading,
  label,
}: {
  text: string;
  live: boolean;
  /** The cap in bytes when the log was cut off (logTruncated). */
  truncatedAt: number | null;
  loading: boolean;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const lines = useMemo(() => {
    const all = text.split("\n");
    if (all.at(-1) === "") all.pop();
    return all;
  }, [text]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);

  return (
    <div className="relative">
      <div
        ref={box}
        role="log"
        aria-label={label}
        aria-live={live ? "polite" : "off"}
        aria-busy={loading}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
        }}
        className="max-h-96 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-5 text-zinc-100"
      >
        {lines.length === 0 ? (
          <div className="text-zinc-400">{loading ? "Loading the log…" : live ? "Waiting for the first line…" : "This step printed nothing."}</div>
        ) : (
          lines.map((line, i) => <LogLine key={i} line={line} />)
        )}
        {truncatedAt !== null && (
          <div className="mt-2 text-amber-300" data-testid="log-truncated">
            The log was truncated at {Math.round(truncatedAt / 1024)} KiB; the rest was not kept.
          </div>
        )}
      </div>
      {!follow && live && (
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
          <ArrowDownToLine /> Follow the log
        </Button>
      )}
    </div>
  );
}
