/** Key-by-key differences between two sets of config entries (pure). */
import type { ConfigEntry } from "./formats";

export type KeyChange =
  | { kind: "added"; key: string; after: string; secret: boolean }
  | { kind: "changed"; key: string; before: string; after: string; secret: boolean }
  | { kind: "deleted"; key: string; before: string; secret: boolean };

/**
 * What `after` changes from `before`, key by key, in `after`'s order then the
 * deleted keys. Secret values are compared as stored and shown masked, so a
 * diff never reveals one: pass masked entries for display.
 */
export function diffEntries(
  before: readonly ConfigEntry[],
  after: readonly ConfigEntry[],
  same: (a: ConfigEntry, b: ConfigEntry) => boolean = (a, b) => a.value === b.value && a.secret === b.secret,
): KeyChange[] {
  const old = new Map(before.map((e) => [e.key, e]));
  const out: KeyChange[] = [];
  for (const e of after) {
    const was = old.get(e.key);
    if (!was) out.push({ kind: "added", key: e.key, after: e.value, secret: e.secret });
    else if (!same(was, e)) out.push({ kind: "changed", key: e.key, before: was.value, after: e.value, secret: e.secret || was.secret });
  }
  const now = new Set(after.map((e) => e.key));
  for (const e of before) if (!now.has(e.key)) out.push({ kind: "deleted", key: e.key, before: e.value, secret: e.secret });
  return out;
}

/** "2 added, 1 changed, 1 deleted" */
export function summarize(changes: readonly KeyChange[]): string {
  const n = (k: KeyChange["kind"]) => changes.filter((c) => c.kind === k).length;
  const parts = [n("added") && `${n("added")} added`, n("changed") && `${n("changed")} changed`, n("deleted") && `${n("deleted")} deleted`].filter(Boolean);
  return parts.length ? parts.join(", ") : "no change";
}
