/**
 * The merged, filtered lines of a query as a text file (/api/logs/download):
 * the same selection as the viewer's (never following: up to `until`, or up
 * to now), one line each as `<ts> <cluster>/<pod>/<container> <text>`, with
 * the tail's markers (a pod ended, a cluster stopped answering) as lines of
 * their own. Written as the reader gives it, never built whole in memory.
 */
import type { Ctx } from "@/lib/context";
import type { LogLine, LogQuery } from "./protocol";
import { resolveLogTarget } from "./access";
import type { LogReader, ReaderEvent } from "./reader";
import { readerQueryOf } from "./stream";

function lineText(l: LogLine) {
  const where = `${l.cluster}/${l.pod}/${l.container}${l.previous ? " (previous)" : ""}`;
  return `${l.ts} ${where} ${l.text}${l.cut ? ` [cut: the line had ${l.cut} bytes]` : ""}\n`;
}

function markerText(e: ReaderEvent): string | null {
  const now = new Date().toISOString();
  switch (e.event) {
    case "source":
      return `${new Date(e.data.at).toISOString()} -- ${e.data.cluster}/${e.data.pod}/${e.data.container} ${e.data.state}: ${e.data.message}\n`;
    case "cluster":
      return `${now} -- ${e.data.cluster} ${e.data.ok ? "answers again" : "stopped answering"}: ${e.data.message}\n`;
    case "problem":
      return `${now} -- ${e.data.message}\n`;
    default:
      return null;
  }
}

/** `<service>-<env>-<UTC time>.log`, for the Content-Disposition. */
export function downloadName(service: string, env: string, at = new Date()) {
  return `${service}-${env}-${at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}.log`;
}

/** Checks the right (as the stream does) before anything is opened, then streams the file. */
export async function downloadLogs(ctx: Ctx, query: LogQuery, reader: LogReader): Promise<{ filename: string; body: ReadableStream<Uint8Array> }> {
  const target = await resolveLogTarget(ctx, query.service, query.env);
  const now = Date.now();
  const q = readerQueryOf(query, { follow: false, now });
  const untilMs = Math.min(q.untilMs ?? now, now);
  const events = reader.range(target, { ...q.start, untilMs }, { filters: q.filters, previous: q.previous })[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return {
    filename: downloadName(target.serviceSlug, target.env),
    body: new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          const next = await events.next();
          if (next.done || next.value.event === "end") {
            controller.close();
            await events.return?.();
            return;
          }
          const e = next.value;
          const text = e.event === "lines" ? e.data.lines.map(lineText).join("") : markerText(e);
          if (text) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
      async cancel() {
        await events.return?.();
      },
    }),
  };
}
