/**
 * The formats of config namespaces and how their text is read and written.
 * Pure, so the editor (in the browser), the server actions and the tests all
 * read a namespace's text the same way, with problems at their line.
 *
 * - properties: keys and values (the `application` namespace and any
 *   `*.properties`); edited as a table or as `.properties` text, where `#`
 *   lines before a key are its comment.
 * - yaml, json, txt: one value, the file (`content`), checked in its format.
 */
import { Properties } from "properties-file/parser";
import { escapeKey, escapeValue } from "properties-file/escape";
import { parseDocument, isMap, isSeq, isScalar, type Node } from "yaml";
import { z } from "zod";
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";

export const FORMATS = ["properties", "yaml", "json", "txt"] as const;
export type ConfigFormat = (typeof FORMATS)[number];

/** The key of a file namespace's one value, as Apollo clients read it. */
export const CONTENT_KEY = "content";

export const LIMITS = {
  keyLength: 128,
  valueBytes: 64 * 1024,
  fileBytes: 512 * 1024,
  items: 2000,
  commentLength: 500,
} as const;

/** UTF-8 size of a text; TextEncoder rather than Buffer, so the editor runs these checks in the browser too. */
const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

/** Apollo's key characters, without whitespace: letters, digits and `_ . - [ ] : /`. */
const KEY = /^[A-Za-z0-9_.\-[\]:/]+$/;

export const ZConfigKey = z
  .string({ error: "Enter a key" })
  .min(1, { message: "Enter a key" })
  .max(LIMITS.keyLength, { message: `A key has at most ${LIMITS.keyLength} characters` })
  .regex(KEY, { message: "A key holds letters, digits and _ . - [ ] : / only (no spaces)" });

export const ZConfigValue = z.string().refine((v) => byteLength(v) <= LIMITS.valueBytes, {
  message: `A value has at most ${LIMITS.valueBytes / 1024} KiB`,
});

/** The format of a namespace from its name: `app.yaml` is yaml, `application` and `x.properties` are properties. */
export function formatOfName(name: string): ConfigFormat {
  const ext = /\.(yaml|yml|json|txt|properties)$/.exec(name)?.[1];
  if (ext === "yml") return "yaml";
  return (ext as ConfigFormat | undefined) ?? "properties";
}

/**
 * A namespace name: what clients ask for. `application` or `<name>` for
 * properties, `<name>.yaml|yml|json|txt` for files.
 */
export const ZNamespaceName = z
  .string({ error: "Enter a name" })
  .trim()
  .min(1, { message: "Enter a name" })
  .max(100, { message: "At most 100 characters" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: "Use letters, digits, '_', '.' and '-', starting with a letter or digit" });

export interface ConfigEntry {
  key: string;
  value: string;
  comment: string;
  secret: boolean;
}

export interface TextProblem {
  line: number;
  key?: string;
  message: string;
}

export type ParseResult = { ok: true; entries: ConfigEntry[] } | { ok: false; problems: TextProblem[] };

/** Reads `.properties` text into entries; comments directly above a key become its comment. Duplicate and invalid keys are problems at their line. */
export function parsePropertiesText(text: string, secretKeys: ReadonlySet<string> = new Set()): ParseResult {
  if (byteLength(text) > LIMITS.fileBytes) return { ok: false, problems: [{ line: 1, message: `The text is larger than ${LIMITS.fileBytes / 1024} KiB` }] };
  const file = new Properties(text);
  const problems: TextProblem[] = [];
  const entries: ConfigEntry[] = [];
  const seen = new Map<string, number>();
  let comment: string[] = [];
  for (const node of file.nodes) {
    if (node.type === "comment") {
      comment.push(node.body.replace(/^ /, ""));
      continue;
    }
    if (node.type === "blank") {
      comment = [];
      continue;
    }
    const line = node.startingLineNumber;
    const key = ZConfigKey.safeParse(node.key);
    if (!key.success) problems.push({ line, key: node.key, message: node.key ? `${key.error.issues[0]!.message}: "${node.key}"` : "A line with no key" });
    else if (seen.has(node.key)) problems.push({ line, key: node.key, message: `"${node.key}" is already set on line ${seen.get(node.key)}` });
    const value = ZConfigValue.safeParse(node.value);
    if (!value.success) problems.push({ line, key: node.key, message: value.error.issues[0]!.message });
    seen.set(node.key, line);
    entries.push({ key: node.key, value: node.value, comment: comment.join("\n").slice(0, LIMITS.commentLength), secret: secretKeys.has(node.key) });
    comment = [];
  }
  if (entries.length > LIMITS.items) problems.push({ line: 1, message: `At most ${LIMITS.items} keys in a namespace` });
  return problems.length ? { ok: false, problems } : { ok: true, entries };
}

/** Writes entries as `.properties` text (comments above their key); secrets as the mask the editor shows. */
export function propertiesText(entries: readonly Pick<ConfigEntry, "key" | "value" | "comment">[]): string {
  return entries
    .map((e) => {
      const comment = e.comment
        ? `${e.comment
            .split("\n")
            .map((l) => `# ${l}`)
            .join("\n")}\n`
        : "";
      return `${comment}${escapeKey(e.key)} = ${escapeValue(e.value)}`;
    })
    .join("\n")
    .concat(entries.length ? "\n" : "");
}

/** jsonc-parser's error codes, as sentences. */
const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: "an unexpected character",
  InvalidNumberFormat: "a number is not written as JSON writes numbers",
  PropertyNameExpected: "a property name (in double quotes) is expected",
  ValueExpected: "a value is expected",
  ColonExpected: "a colon is expected",
  CommaExpected: "a comma is expected",
  CloseBraceExpected: "a closing } is expected",
  CloseBracketExpected: "a closing ] is expected",
  EndOfFileExpected: "the document should end here",
  InvalidCommentToken: "comments are not JSON",
  UnexpectedEndOfComment: "a comment is not closed",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number ends too early",
  InvalidUnicode: "an invalid \\u escape",
  InvalidEscapeCharacter: "an invalid escape",
  InvalidCharacter: "a character JSON does not allow in strings",
};

/** JSON problems with their line (JSON.parse gives no position on Node 20). */
function jsonProblems(text: string): TextProblem[] {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors.map((e) => {
    const code = printParseErrorCode(e.error);
    return { line: text.slice(0, e.offset).split("\n").length, message: `Not JSON: ${JSON_ERRORS[code] ?? code}` };
  });
}

/** Checks a file namespace's text in its format; problems at their line. */
export function checkFileText(format: Exclude<ConfigFormat, "properties">, text: string): TextProblem[] {
  if (byteLength(text) > LIMITS.fileBytes) return [{ line: 1, message: `The file is larger than ${LIMITS.fileBytes / 1024} KiB` }];
  if (format === "json") {
    if (!text.trim()) return [{ line: 1, message: "Empty: a JSON namespace holds a JSON document" }];
    return jsonProblems(text);
  }
  if (format === "yaml") {
    const doc = parseDocument(text, { uniqueKeys: true });
    return doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") }));
  }
  return [];
}

/** The document a file namespace's text holds (for its JSON Schema); properties give their key/value object. */
export function documentOf(format: ConfigFormat, entries: readonly ConfigEntry[]): unknown {
  if (format === "properties") return Object.fromEntries(entries.map((e) => [e.key, e.value]));
  const text = entries.find((e) => e.key === CONTENT_KEY)?.value ?? "";
  if (format === "json") return JSON.parse(text || "null");
  if (format === "yaml") return parseDocument(text).toJS();
  return text;
}

/** The line of a path (`/a/b/0`) in a YAML or JSON text, for a schema problem; 1 when it cannot be found. */
export function lineOfPath(text: string, pointer: string): number {
  const doc = parseDocument(text);
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const part of parts) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === part);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(part)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return text.slice(0, offset).split("\n").length;
}
