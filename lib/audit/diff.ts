/** Before and after of an audit event, field by field, for people to read. */

export interface FieldChange {
  field: string;
  /** Pretty-printed value, or null when the field was absent on that side. */
  before: string | null;
  after: string | null;
  changed: boolean;
}

/** Bookkeeping fields that change with every write and say nothing about the change. */
const NOISE = new Set(["updatedAt", "version", "searchText"]);

function show(v: unknown): string | null {
  if (v === undefined) return null;
  if (typeof v === "string") return v;
  return JSON.stringify(v, null, 2);
}

function record(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  return typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
}

/**
 * Every top-level field of before and after, the changed ones first (in their order), then the unchanged; a
 * creation lists what was created, a removal what was removed. Bookkeeping fields are left out.
 */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const b = record(before);
  const a = record(after);
  const fields = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter((f) => !NOISE.has(f));
  const rows = fields.map((field) => {
    const bv = b ? show(b[field]) : null;
    const av = a ? show(a[field]) : null;
    return { field, before: bv, after: av, changed: bv !== av };
  });
  return [...rows.filter((r) => r.changed), ...rows.filter((r) => !r.changed)];
}

/** "created", "removed", "3 fields changed: name, tier, labels", "no visible change", or "" when there is nothing. */
export function changeSummary(before: unknown, after: unknown): string {
  if (before == null && after == null) return "";
  if (before == null) return "created";
  if (after == null) return "removed";
  const changed = fieldChanges(before, after).filter((c) => c.changed);
  if (!changed.length) return "no visible change";
  const names = changed.map((c) => c.field);
  return `${names.length} ${names.length === 1 ? "field" : "fields"} changed: ${names.slice(0, 4).join(", ")}${names.length > 4 ? ", …" : ""}`;
}
