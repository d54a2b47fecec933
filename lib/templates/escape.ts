/**
 * Escaping for generated files. Whatever a template prints comes from people
 * (project name, description, owner, parameters) or from an older row that
 * predates today's validation: it must never change the structure of the file
 * it lands in (a line break in a Jenkinsfile comment would start a statement).
 *
 * Two layers:
 * - Helpers per language, given to templates as `it.<helper>`
 *   (`escapeHelpers`): each turns a value into a complete token of that
 *   language (a quoted string, a code span) that holds the value verbatim, or
 *   refuses a value that cannot be one (`word`, `javaPackage`).
 * - A default for every `<%= %>` that prints anything else, chosen by the
 *   file's name (`escapeModeFor`): it keeps the value on its line and inside
 *   its comment (line breaks and control characters go), and in Markdown and
 *   XML it escapes the markup. Helpers return `Escaped` text, which the
 *   default leaves alone. `<%~ %>` prints raw: for numbers, or text the
 *   template escaped itself.
 *
 * Pure functions; `escape.test.ts` checks each helper against the real parser
 * of its language.
 */
import { AppError } from "@/lib/errors";

/** Text already escaped for where it is printed; the default escaping passes it through. */
export class Escaped {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Characters some parser takes for the end of a line: LF, CR, NEL (YAML 1.1), LS and PS (YAML 1.1, old JavaScript). */
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/g;

/** Invisible characters that are not line breaks: C0 controls, DEL, C1 controls, bidirectional overrides and isolates, BOM. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** What `oneLine` puts in place of a control character (other than a line break or tab, which become spaces). */
export const REPLACEMENT = "\ufffd";

/** Whether a code point must be written as an escape inside a quoted string. */
function needsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

const hex4 = (code: number) => code.toString(16).padStart(4, "0");

/** The value as one line of visible text: line breaks and tabs become spaces, other control characters U+FFFD. */
export function oneLine(value: unknown): string {
  return String(value).replace(LINE_BREAK, " ").replace(/\t/g, " ").replace(CONTROL, REPLACEMENT);
}

/**
 * A double-quoted string that is at once a YAML (1.1 and 1.2) scalar, a JSON
 * string, a JavaScript/TypeScript string literal and a Python string
 * literal: `"`, `\` and control characters escaped, line separators and
 * bidirectional controls as `\uXXXX`. One line, the value verbatim.
 */
export function doubleQuoted(value: unknown): string {
  let out = '"';
  for (const ch of String(value)) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (needsEscape(code)) out += `\\u${hex4(code)}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * A Java string literal. Control characters are octal escapes, never `\u000a`:
 * javac turns unicode escapes into characters before it reads the source, so
 * `\u000a` would end the literal. Backslashes are doubled, so a `\u` in the
 * value is not an escape either.
 */
export function javaStringLiteral(value: unknown): string {
  let out = '"';
  for (const ch of String(value)) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code <= 0xff && needsEscape(code)) out += `\\${code.toString(8).padStart(3, "0")}`;
    else if (needsEscape(code)) out += `\\u${hex4(code)}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * A Groovy single-quoted string (a plain String: `$` is not interpolated).
 * Line breaks are `\n`/`\r`, never unicode escapes, which Groovy, like Java,
 * may read before the lexer does.
 */
export function groovyStringLiteral(value: unknown): string {
  let out = "'";
  for (const ch of String(value)) {
    const code = ch.codePointAt(0)!;
    if (ch === "'") out += "\\'";
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (needsEscape(code)) out += `\\u${hex4(code)}`;
    else out += ch;
  }
  return `${out}'`;
}

/**
 * A POSIX shell word in single quotes, on one line (`oneLine`), so it is safe
 * in scripts, `.env` files read line by line and YAML block scalars alike.
 * `'` is written `'\''`; nothing inside is expanded.
 */
export function shellWord(value: unknown): string {
  return `'${oneLine(value).replace(/'/g, "'\\''")}'`;
}

/**
 * XML/HTML character data, also safe inside a quoted attribute and a
 * comment: `& < > " '` as entities, line breaks and tabs as character
 * references, `--` broken (comments cannot hold it), C0 controls (not
 * allowed in XML 1.0 at all) as U+FFFD.
 */
export function xmlText(value: unknown): string {
  let out = "";
  for (const ch of String(value)) {
    const code = ch.codePointAt(0)!;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&apos;";
    else if (ch === "\n" || ch === "\r" || ch === "\t") out += `&#${code};`;
    else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) out += REPLACEMENT;
    else if (needsEscape(code)) out += `&#x${code.toString(16).toUpperCase()};`;
    else out += ch;
  }
  return out.replace(/--/g, "-&#45;");
}

const MD_ALWAYS = /[\\`*[\]<>|~&#]/;
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Markdown (CommonMark/GFM) inline text, one line: safe in a paragraph, a
 * heading and a table cell. Characters that could open markup are
 * backslash-escaped (`_` only where it could start emphasis, so
 * `dana_dev@example.com` stays as it is); a value that could start a block
 * (`-`, `+`, `=`, `1.`) has that character escaped too.
 */
export function markdownText(value: unknown): string {
  const s = oneLine(value).trim();
  const chars = [...s];
  let out = "";
  chars.forEach((ch, i) => {
    if (MD_ALWAYS.test(ch)) out += `\\${ch}`;
    else if (ch === "_" && !(ALNUM.test(chars[i - 1] ?? "") && ALNUM.test(chars[i + 1] ?? ""))) out += "\\_";
    else out += ch;
  });
  // A value at the start of a line must not start a list, a setext underline or an ordered list.
  if (/^[-+=:]/.test(out)) out = `\\${out}`;
  out = out.replace(/^(\d+)([.)])/, "$1\\$2");
  return out;
}

/**
 * A Markdown code span holding the value verbatim (on one line): fenced by
 * more backticks than the value has in a row. In a table cell (`table`), `|`
 * is written `\|`, which GFM tables read as a pipe even inside code.
 */
export function markdownCode(value: unknown, opts: { table?: boolean } = {}): string {
  let s = oneLine(value);
  if (opts.table) s = s.replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") || (s.startsWith(" ") && s.endsWith(" ") && s.trim() !== "") ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Text for a comment or a line of C-family source (Java, Groovy, Jenkinsfile, JS, TS): one line, `\` doubled (no unicode escape can form), `*` `/` kept apart. */
export function cFamilyText(value: unknown): string {
  return oneLine(value).replace(/\\/g, "\\\\").replace(/\*\//g, "* /");
}

const WORD = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const JAVA_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const JAVA_KEYWORDS = new Set(
  "abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null _".split(
    " ",
  ),
);

/** How to escape a `<%= %>` that does not use a helper, by file name. */
export type EscapeMode = "line" | "c-family" | "markdown" | "xml";

const C_FAMILY = /\.(java|groovy|gvy|gradle|kt|kts|scala|js|jsx|mjs|cjs|ts|tsx|mts|cts|go|rs|c|h|cc|cpp|hpp|cs|swift|css|scss)$/i;

export function escapeModeFor(filePath: string): EscapeMode {
  const base = filePath.slice(filePath.lastIndexOf("/") + 1);
  if (/\.(md|markdown)$/i.test(base)) return "markdown";
  if (/\.(xml|html|htm|xhtml|svg)$/i.test(base)) return "xml";
  if (C_FAMILY.test(base) || /^Jenkinsfile/.test(base)) return "c-family";
  return "line";
}

/** The default escaping of a mode, as eta's `escapeFunction`: `Escaped` text passes, anything else is made safe. */
export function defaultEscape(mode: EscapeMode): (value: unknown) => string {
  return (value) => {
    if (value instanceof Escaped) return value.text;
    switch (mode) {
      case "markdown":
        return markdownText(value);
      case "xml":
        return xmlText(value);
      case "c-family":
        return cFamilyText(value);
      case "line":
        return oneLine(value);
    }
  };
}

/**
 * The helpers templates call as `it.<name>(value)`. `params` lets the two
 * refusing helpers (`word`, `javaPackage`) name the parameter that holds a
 * bad value, so the wizard shows the problem on its field.
 */
export function escapeHelpers(params: Record<string, unknown> = {}) {
  const refuse = (value: unknown, rule: string): never => {
    const fields = Object.entries(params)
      .filter(([, v]) => v === value)
      .map(([k]) => `params.${k}`);
    const message = `"${oneLine(value)}" cannot be used here: ${rule}`;
    throw new AppError("INVALID_INPUT", "Some template parameters need attention.", {
      fieldErrors: Object.fromEntries((fields.length ? fields : ["params"]).map((f) => [f, [message]])),
    });
  };
  const yamlString = (value: unknown) => new Escaped(doubleQuoted(value));
  return {
    /** A double-quoted YAML scalar (a string, whatever it looks like: `123`, `true`, `a: b`). */
    yamlString,
    /** The same as `yamlString`, kept for templates written before it. */
    q: yamlString,
    /** A JSON string. */
    jsonString: (value: unknown) => new Escaped(doubleQuoted(value)),
    /** A JavaScript or TypeScript string literal. */
    jsString: (value: unknown) => new Escaped(doubleQuoted(value)),
    /** A Python string literal. */
    pythonString: (value: unknown) => new Escaped(doubleQuoted(value)),
    /** A Java string literal. */
    javaString: (value: unknown) => new Escaped(javaStringLiteral(value)),
    /** A Groovy (Jenkinsfile) single-quoted string. */
    groovyString: (value: unknown) => new Escaped(groovyStringLiteral(value)),
    /** A POSIX shell word (single-quoted, one line): scripts and `.env` files. */
    shellWord: (value: unknown) => new Escaped(shellWord(value)),
    /** XML/HTML text or attribute value (pom.xml). */
    xmlText: (value: unknown) => new Escaped(xmlText(value)),
    /** Markdown inline text (the default in `.md` files). */
    markdownText: (value: unknown) => new Escaped(markdownText(value)),
    /** A Markdown code span; `{ table: true }` in a table cell. */
    markdownCode: (value: unknown, opts?: { table?: boolean }) => new Escaped(markdownCode(value, opts)),
    /** One line of visible text (the default in files with no better rule). */
    oneLine: (value: unknown) => new Escaped(oneLine(value)),
    /** A value that must be one plain word (an image tag, a version): letters, digits, `.`, `_`, `+`, `-`. Refused otherwise. */
    word: (value: unknown) =>
      typeof value === "string" && WORD.test(value) ? new Escaped(value) : refuse(value, "it must be one word of letters, digits, '.', '_', '+' or '-'"),
    /** A Java package name (dot-separated identifiers, no keywords). Refused otherwise. */
    javaPackage: (value: unknown) =>
      typeof value === "string" && value.split(".").every((p) => JAVA_IDENTIFIER.test(p) && !JAVA_KEYWORDS.has(p))
        ? new Escaped(value)
        : refuse(value, "it must be a Java package such as com.example (dot-separated names, no Java keywords)"),
  };
}
