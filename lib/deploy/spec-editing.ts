/**
 * Pure helpers of the spec editor, kept out of the components so they are
 * tested: how a problem reads, where a YAML problem sits in the text, and
 * which field a form or server error belongs to.
 */
import type { SpecProblem } from "./spec";

/** "line 12: resources.requests.cpu must not exceed the limit (500m)". */
export function problemText(p: Pick<SpecProblem, "path" | "message" | "line">): string {
  // The YAML parser ends its messages with the position, which the line already gives.
  const message = p.message.replace(/ at line \d+, column \d+:?$/, "");
  // Wharf's own messages continue the path ("must be ..."); zod's defaults are sentences of their own.
  const what = !p.path ? message : /^[a-z"(]/.test(message) ? `${p.path} ${message}` : `${p.path}: ${message}`;
  return p.line ? `line ${p.line}: ${what}` : what;
}

/** Character range of a 1-based line in `text` (the whole line, at least one character where possible), for editor diagnostics. */
export function lineRange(text: string, line: number | undefined): { from: number; to: number } {
  const lines = text.split("\n");
  const n = Math.min(Math.max(line ?? 1, 1), lines.length);
  let from = 0;
  for (let i = 0; i < n - 1; i++) from += lines[i]!.length + 1;
  return { from, to: from + lines[n - 1]!.length };
}

/** Every message of a react-hook-form error tree, with its dotted path, in document order. */
export function flattenFieldErrors(errors: unknown, prefix = ""): { path: string; message: string }[] {
  if (!errors || typeof errors !== "object") return [];
  const out: { path: string; message: string }[] = [];
  const e = errors as Record<string, unknown>;
  if (typeof e.message === "string" && typeof e.type === "string") out.push({ path: prefix, message: e.message });
  for (const [key, value] of Object.entries(e)) {
    if (key === "ref" || key === "message" || key === "type" || key === "types") continue;
    // Field arrays keep their own (array-level) error under "root".
    const path = key === "root" ? prefix : prefix ? `${prefix}.${key}` : key;
    out.push(...flattenFieldErrors(value, path));
  }
  return out;
}

/** The server's `spec.<path>` field errors, as paths of the spec document. */
export function specFieldErrors(fieldErrors: Record<string, string[]> | undefined): { path: string; message: string }[] {
  return Object.entries(fieldErrors ?? {})
    .filter(([key]) => key === "spec" || key.startsWith("spec."))
    .map(([key, messages]) => ({ path: key.slice("spec.".length), message: messages.join(" ") }));
}

/** An input's text as a port or a percent-or-count: digits become a number, anything else stays text for zod to judge. */
export function numberOrText(text: string): number | string {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

/** An input's text as a decimal (0.01, .5, 1e-3): a number when it reads as one, anything else stays text for zod to judge. */
export function decimalOrText(text: string): number | string {
  const t = text.trim();
  return /^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(t) ? Number(t) : text;
}

/** JSON with keys sorted at every level: equal documents give equal text whatever order their keys were set in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
