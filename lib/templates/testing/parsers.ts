/**
 * The real parsers of the languages templates generate, for tests: Groovy 2.4
 * (the Groovy of Jenkins), javac, CommonMark with GitHub's tables (cmark-gfm),
 * a POSIX shell, Python and its XML parser. Each answers what the file means
 * to its own tool: statements, literals, blocks, variables. A missing tool is
 * a loud failure naming the Debian package (.ci/run installs them), never a
 * skipped check.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The tools and the Debian package that brings each. */
export const TOOLS = { groovy: "groovy", java: "default-jdk-headless", "cmark-gfm": "cmark-gfm", python3: "python3", sh: "dash" } as const;

function which(tool: keyof typeof TOOLS): string {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  const where = found.stdout?.trim();
  if (found.status !== 0 || !where) {
    throw new Error(`${tool} is not installed, and this test needs it to check generated files: apt-get install ${TOOLS[tool]} (bash .ci/run installs it)`);
  }
  return where;
}

function run(tool: keyof typeof TOOLS, args: string[], opts: { input?: string; cwd?: string; env?: Record<string, string> } = {}): string {
  const cmd = which(tool);
  // A whole environment of our own when given (Next's ProcessEnv type insists on NODE_ENV; the child needs none).
  const env = opts.env as NodeJS.ProcessEnv | undefined;
  const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input, cwd: opts.cwd, env, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function withFiles<T>(files: Record<string, string>, fn: (dir: string, paths: string[]) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-parse-"));
  try {
    const paths = Object.entries(files).map(([name, text]) => {
      const p = path.join(dir, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      return p;
    });
    return fn(dir, paths);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- Groovy

/** What Groovy made of an expression statement (see GROOVY_AST). */
export type GroovyNode =
  | { const: string | number | boolean | null }
  | { map: { key: GroovyNode; value: GroovyNode }[] }
  | { call: string; args: GroovyNode[] }
  | { declare: GroovyNode; value: GroovyNode; annotations: string[] }
  | { variable: string }
  | { empty: true }
  | { statement: string }
  | { other: string; text: string };

export type GroovyFile = { file: string; statements: GroovyNode[] } | { file: string; error: string };

/** Parses with Groovy's own front end up to CONVERSION (syntax and AST, no class resolution: @Library need not exist). */
const GROOVY_AST = String.raw`
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.*
import groovy.json.JsonOutput

def describe
describe = { Expression e ->
  if (e instanceof ConstantExpression) return [const: e.value]
  if (e instanceof MapExpression) return [map: e.mapEntryExpressions.collect { [key: describe(it.keyExpression), value: describe(it.valueExpression)] }]
  if (e instanceof MethodCallExpression) return [call: e.methodAsString, args: (e.arguments instanceof TupleExpression ? e.arguments.expressions.collect { describe(it) } : [describe(e.arguments)])]
  if (e instanceof DeclarationExpression) return [declare: describe(e.leftExpression), value: describe(e.rightExpression), annotations: e.annotations.collect { it.classNode.name }]
  if (e instanceof BinaryExpression) return [call: e.operation.text, args: [describe(e.leftExpression), describe(e.rightExpression)]]
  if (e instanceof VariableExpression) return [variable: e.name]
  if (e instanceof EmptyExpression) return [empty: true]
  return [other: e.class.simpleName, text: e.text]
}
def out = args.collect { path ->
  def text = new File(path).getText('UTF-8')
  try {
    def unit = new CompilationUnit()
    unit.addSource(new File(path).name, text)
    unit.compile(Phases.CONVERSION)
    [file: new File(path).name, statements: unit.AST.modules[0].statementBlock.statements.collect { s ->
      s instanceof ExpressionStatement ? describe(s.expression) : [statement: s.class.simpleName]
    }]
  } catch (Exception e) {
    [file: new File(path).name, error: e.message]
  }
}
println JsonOutput.toJson(out)
`;

/** Parses Groovy sources (name -> text) the way Jenkins' Groovy does, unicode escapes included. */
export function parseGroovy(files: Record<string, string>): GroovyFile[] {
  const groovy = fs.realpathSync(which("groovy"));
  const lib = path.resolve(path.dirname(groovy), "..", "lib");
  return withFiles({ ...files, "__ast.groovy": GROOVY_AST }, (dir, paths) => {
    const script = paths.pop()!;
    const out = run("java", ["-Dfile.encoding=UTF-8", "-Dstdout.encoding=UTF-8", "-cp", `${lib}/*`, "groovy.ui.GroovyMain", script, ...paths], { cwd: dir });
    return JSON.parse(out) as GroovyFile[];
  });
}

// ---------------------------------------------------------------- Java

export interface JavaFile {
  /** The name it was given. */
  file: string;
  package: string;
  /** Syntax errors ("line N: message"). */
  errors: string[];
  /** The kinds of the syntax tree, depth first. */
  shape: string[];
  /** The values of the string literals, in order. */
  literals: string[];
}

/** Parses Java sources with javac (syntax only: imports need not resolve). */
export function parseJava(files: Record<string, string>): JavaFile[] {
  const tool = path.join(import.meta.dirname, "JavaAst.java");
  return withFiles(files, (dir, paths) => {
    const out = JSON.parse(run("java", ["-Dstdout.encoding=UTF-8", tool, ...paths])) as JavaFile[];
    return out.map((f) => ({ ...f, file: path.relative(dir, f.file) }));
  });
}

// ---------------------------------------------------------------- Markdown, XML (through Python's XML parser)

export interface XmlNode {
  type: string;
  attrs?: Record<string, string>;
  /** The text of a leaf (text, code, code_block, html_*) or an element's own text. */
  text?: string;
  children?: XmlNode[];
}

const XML_TO_JSON = String.raw`
import json, sys, xml.etree.ElementTree as E
def conv(e):
    tag = e.tag.split('}')[-1]
    d = {'type': tag}
    attrs = {k: v for k, v in e.attrib.items() if not k.startswith('{')}
    if attrs: d['attrs'] = attrs
    if e.text is not None and (len(e) == 0 or e.text.strip()): d['text'] = e.text
    kids = [conv(c) for c in e]
    if kids: d['children'] = kids
    return d
print(json.dumps(conv(E.fromstring(sys.stdin.buffer.read()))))
`;

/** Parses XML with Python's parser (expat): throws on anything that is not well-formed. */
export function parseXml(text: string): XmlNode {
  return JSON.parse(run("python3", ["-c", XML_TO_JSON], { input: text })) as XmlNode;
}

/** The CommonMark + GFM (tables, autolinks, strikethrough) syntax tree of a Markdown text, as cmark-gfm sees it. */
export function parseMarkdown(text: string): XmlNode {
  const xml = run("cmark-gfm", ["-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", "-t", "xml"], { input: text });
  return parseXml(xml.replace(/<!DOCTYPE[^>]*>/, ""));
}

const BLOCKS = new Set([
  "document",
  "heading",
  "paragraph",
  "table",
  "table_header",
  "table_row",
  "table_cell",
  "list",
  "item",
  "code_block",
  "html_block",
  "block_quote",
  "thematic_break",
]);

/**
 * The structure of a Markdown tree: its blocks (headings with their level,
 * paragraphs, tables and cells, lists, code blocks) and, in each, how many
 * nodes of each kind of inline markup (links, code, emphasis, HTML) it holds.
 * Text is left out: two documents with the same outline have the same shape.
 */
export function markdownShape(node: XmlNode): unknown {
  if (!BLOCKS.has(node.type)) return null;
  const inline: Record<string, number> = {};
  const walk = (n: XmlNode) => {
    if (BLOCKS.has(n.type)) return;
    if (!["text", "softbreak", "linebreak"].includes(n.type)) inline[n.type] = (inline[n.type] ?? 0) + 1;
    n.children?.forEach(walk);
  };
  node.children?.forEach(walk);
  return {
    type: node.type,
    ...(node.type === "heading" ? { level: node.attrs?.level } : {}),
    ...(node.type === "code_block" ? { info: node.attrs?.info ?? "" } : {}),
    inline,
    blocks: (node.children ?? []).filter((c) => BLOCKS.has(c.type)).map(markdownShape),
  };
}

/** The text a person reads in a Markdown node (code spans included, markup left out). */
export function markdownText(node: XmlNode): string {
  if (node.type === "softbreak") return "\n";
  if (node.text !== undefined && !node.children) return node.text;
  return (node.children ?? []).map(markdownText).join("");
}

// ---------------------------------------------------------------- Shell, Python

/** Sources a file with POSIX sh (`set -a; . file`) in an empty environment, in `cwd`, and returns the variables it set. */
export function sourceShell(text: string, cwd: string): Record<string, string> {
  const file = path.join(cwd, ".sourced.env");
  fs.writeFileSync(file, text);
  try {
    const out = run("sh", ["-c", 'set -a; . "$1"; set +a; exec env -0', "sh", file], { cwd, env: { PATH: "/usr/bin:/bin" } });
    const vars: Record<string, string> = {};
    for (const entry of out.split("\0").filter(Boolean)) {
      const eq = entry.indexOf("=");
      vars[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return vars;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Prints words with sh's printf, each as the shell reads it (`printf '%s\0' <words>`). */
export function shellWords(words: string[]): string[] {
  return run("sh", ["-c", `printf '%s\\0' ${words.join(" ")}`], { env: { PATH: "/usr/bin:/bin" } })
    .split("\0")
    .slice(0, -1);
}

/** Evaluates Python string literals (one per line) with ast.literal_eval. */
export function pythonLiterals(literals: string[]): string[] {
  const code = "import ast, json, sys; print(json.dumps([ast.literal_eval(l) for l in sys.stdin.read().split('\\n') if l]))";
  return JSON.parse(run("python3", ["-c", code], { input: literals.join("\n") })) as string[];
}

/** Runs a generated Python project's `app.settings.load_settings` with no environment, as the app starts. */
export function pythonSettings(projectDir: string): Record<string, unknown> {
  const code =
    "import dataclasses, json, sys; sys.path.insert(0, sys.argv[1]); from app.settings import load_settings; print(json.dumps(dataclasses.asdict(load_settings(env={}))))";
  return JSON.parse(run("python3", ["-c", code, projectDir])) as Record<string, unknown>;
}

/** Whether python3 answers at all (the python-fastapi template's code is compiled with it). */
export function python3(): string {
  return which("python3");
}
