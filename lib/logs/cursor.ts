/**
 * The resume cursor of a viewer's stream (the `id:` of each `lines` event):
 * per source, the Position of the last line delivered, and the time the
 * original stream opened (sources without a position start from there on a
 * resume). Compact: grouped by cluster and pod, deflated, base64url.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Position } from "./types";

/** One source of a tail: a container of a pod on a cluster, or its previous instance. */
export interface SourceKey {
  clusterId: string;
  pod: string;
  container: string;
  previous?: boolean;
}

export function sourceId(s: SourceKey): string {
  return `${s.clusterId}/${s.pod}/${s.container}${s.previous ? "/previous" : ""}`;
}

export interface Cursor {
  /** When the original stream opened (epoch ms): sources it does not name start there. */
  openedMs: number;
  positions: Map<string, { key: SourceKey; at: Position }>;
}

// cluster -> pod -> container ("~" suffix: previous instance) -> [ts, n]
const ZWire = z.object({
  o: z.number().int().min(0),
  p: z.record(z.string().max(253), z.record(z.string().max(253), z.record(z.string().max(254), z.tuple([z.string().max(40), z.number().int().min(1)])))),
});

export function encodeCursor(c: Cursor): string {
  const p: z.infer<typeof ZWire>["p"] = {};
  for (const { key, at } of c.positions.values()) {
    const pods = (p[key.clusterId] ??= {});
    const containers = (pods[key.pod] ??= {});
    containers[`${key.container}${key.previous ? "~" : ""}`] = [at.ts, at.n];
  }
  return deflateRawSync(Buffer.from(JSON.stringify({ o: c.openedMs, p }))).toString("base64url");
}

const bad = () =>
  new AppError("INVALID_INPUT", "Some fields need attention.", {
    fieldErrors: { cursor: ["This resume cursor is not one this server wrote: open the tail again without it."] },
  });

/** Reads a cursor back; INVALID_INPUT at `cursor` for anything else. */
export function decodeCursor(text: string): Cursor {
  // The same bound as the `cursor` parameter's (protocol.ts), for the Last-Event-ID header too.
  if (text.length > 16_000) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflateRawSync(Buffer.from(text, "base64url"), { maxOutputLength: 1024 * 1024 }).toString("utf8"));
  } catch {
    throw bad();
  }
  const r = ZWire.safeParse(parsed);
  if (!r.success) throw bad();
  const positions = new Map<string, { key: SourceKey; at: Position }>();
  for (const [clusterId, pods] of Object.entries(r.data.p))
    for (const [pod, containers] of Object.entries(pods))
      for (const [c, [ts, n]] of Object.entries(containers)) {
        const previous = c.endsWith("~");
        const key: SourceKey = { clusterId, pod, container: previous ? c.slice(0, -1) : c, ...(previous ? { previous: true } : {}) };
        positions.set(sourceId(key), { key, at: { ts, n } });
      }
  return { openedMs: r.data.o, positions };
}

/** Advances a source's position by one delivered line. */
export function advance(at: Position | undefined, ts: string): Position {
  return at && at.ts === ts ? { ts, n: at.n + 1 } : { ts, n: 1 };
}
