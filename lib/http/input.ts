/**
 * The first look at raw input from outside (a server action's argument, a
 * route's query and JSON body, a page's parameters), before any schema: text
 * that Postgres cannot store or that is not text at all is refused here with
 * the field it is in, so it never reaches a query and comes back as INTERNAL.
 *
 * - NUL (U+0000): Postgres text cannot hold it (22021 on a write, and on a
 *   read it fails the whole query);
 * - a lone surrogate (half of a UTF-16 pair, e.g. "\ud800"): not a character;
 *   the driver would silently store U+FFFD instead of what was sent.
 *
 * Independent of zod on purpose: it covers every string field, whatever the
 * schema says (z.string() accepts both), and object keys too (labels).
 */
import { AppError, type FieldErrors } from "@/lib/errors";

/** Deeper than this, input is refused rather than walked (no form or API of Wharf nests beyond a few levels). */
const MAX_DEPTH = 64;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnreadableText {
  /** The field, as zod names it: "project.labels.team", "_form" for the input itself. */
  field: string;
  message: string;
}

/** Why a string cannot be taken, or null when it is fine. */
export function textProblem(s: string): string | null {
  if (s.includes("\u0000")) return "must not contain the NUL character (\\0); remove it and try again";
  if (LONE_SURROGATE.test(s)) return "contains a broken character (half of a UTF-16 pair); type or paste the text again";
  return null;
}

function fieldName(path: readonly (string | number)[]): string {
  return path.length ? path.map(String).join(".") : "_form";
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The first string (or key) in `value` that cannot be taken, with its field;
 * null when there is none. Walks plain objects, arrays, FormData,
 * URLSearchParams and Maps; other values (numbers, dates, files) are left
 * to the schema.
 */
export function findUnreadableText(value: unknown, path: (string | number)[] = []): UnreadableText | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem ? { field: fieldName(path), message: problem } : null;
  }
  if (value === null || typeof value !== "object") return null;
  if (path.length >= MAX_DEPTH) return { field: fieldName(path), message: `is nested more than ${MAX_DEPTH} levels deep` };
  let entries: Iterable<[string | number, unknown]>;
  if (Array.isArray(value)) entries = value.entries();
  else if (value instanceof Map) entries = value.entries();
  else if (typeof FormData !== "undefined" && value instanceof FormData) entries = value.entries();
  else if (value instanceof URLSearchParams) entries = value.entries();
  else if (isPlainObject(value)) entries = Object.entries(value);
  else return null;
  for (const [key, child] of entries) {
    if (typeof key === "string") {
      const problem = textProblem(key);
      if (problem) return { field: fieldName([...path, key]), message: `name ${problem}` };
    }
    const found = findUnreadableText(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** INVALID_INPUT for one field, in the shape every form shows. */
export function invalidField(field: string, message: string): AppError {
  const fieldErrors: FieldErrors = { [field]: [message] };
  return new AppError("INVALID_INPUT", "Some fields need attention.", { fieldErrors, message: `unreadable input in ${field}: ${message}` });
}

/** Throws INVALID_INPUT naming the field when `value` holds text that cannot be taken. */
export function assertReadableInput(value: unknown): void {
  const found = findUnreadableText(value);
  if (found) throw invalidField(found.field, found.message);
}
