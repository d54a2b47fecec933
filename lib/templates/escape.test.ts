/**
 * Each escaping helper, checked by the real parser of its language: the value
 * comes back verbatim (or as the documented one-line form) and the text
 * around it keeps its structure.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import {
  cFamilyText,
  defaultEscape,
  doubleQuoted,
  escapeHelpers,
  escapeModeFor,
  Escaped,
  groovyStringLiteral,
  javaStringLiteral,
  markdownCode,
  markdownText,
  oneLine,
  REPLACEMENT,
  shellWord,
  xmlText,
} from "./escape";
import {
  markdownShape,
  markdownText as readMarkdown,
  parseGroovy,
  parseJava,
  parseMarkdown,
  parseXml,
  pythonLiterals,
  shellWords,
  sourceShell,
  type GroovyNode,
} from "./testing/parsers";

/** Values meant to break out of wherever they are printed. */
export const HOSTILE = [
  "Shop\nsh 'rm -rf /'",
  "a\r\nb\rc",
  `quote ' double " back \\ slash`,
  "${env.SECRET} #{x} $(id) `id` $HOME",
  "*/ /* --> <!-- ]]>",
  "key: value",
  "- item",
  "# not a comment",
  "@Library('evil') _",
  "ls\u2028ps\u2029nel\u0085",
  "tab\tnul\u0000del\u007f c1\u009b bell\u0007",
  "\u202eevil\u202c \u2066iso\u2069",
  "\\u000a sh 'x' \\\\u000a \\",
  "'''\"\"\"",
  "🚀 支付 Müller",
  "1. first",
  "   leading and trailing   ",
  "123",
  "true",
  "~",
  "<script>alert(1)</script> &amp; [x](javascript:y) **b** _i_ | pipe",
];

/** Any character some parser takes for a line break. */
const LINE_BREAKS = /[\n\r\u0085\u2028\u2029]/;

describe("oneLine (the default escaping)", () => {
  it("keeps every value on one line of visible characters", () => {
    expect(oneLine("Shop\nsh 'rm -rf /'")).toBe("Shop sh 'rm -rf /'");
    expect(oneLine("a\u0000b\u202ec")).toBe(`a${REPLACEMENT}b${REPLACEMENT}c`);
    for (const v of HOSTILE) expect(oneLine(v)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });

  it("is chosen by the file's kind, and leaves the helpers' output alone", () => {
    expect(escapeModeFor("README.md")).toBe("markdown");
    expect(escapeModeFor("pom.xml")).toBe("xml");
    expect(escapeModeFor("Jenkinsfile")).toBe("c-family");
    expect(escapeModeFor("src/main/java/x/App.java")).toBe("c-family");
    expect(escapeModeFor("wharf.yaml")).toBe("line");
    expect(escapeModeFor(".env.example")).toBe("line");
    expect(defaultEscape("markdown")("a|b")).toBe("a\\|b");
    expect(defaultEscape("markdown")(new Escaped("a|b"))).toBe("a|b");
    expect(defaultEscape("line")(42)).toBe("42");
  });
});

describe("doubleQuoted (yamlString, jsonString, jsString, pythonString)", () => {
  it("reads back verbatim as a YAML scalar, a JSON string, a JavaScript string and a Python string, on one line", () => {
    const literals = HOSTILE.map(doubleQuoted);
    for (const [i, v] of HOSTILE.entries()) {
      const lit = literals[i]!;
      expect(lit).not.toMatch(LINE_BREAKS);
      expect(JSON.parse(lit)).toBe(v);
      expect(parseYaml(`key: ${lit}\nnext: 1\n`)).toEqual({ key: v, next: 1 });
      expect(parseYaml(`- ${lit}\n- [${lit}, {k: ${lit}}]\n`, { version: "1.1" })).toEqual([v, [v, { k: v }]]);
      expect(vm.runInNewContext(lit)).toBe(v);
    }
    expect(pythonLiterals(literals)).toEqual(HOSTILE);
  });
});

describe("javaStringLiteral (javaString)", () => {
  it("javac reads the value back verbatim, and no unicode escape in the value can end the literal", () => {
    const source = `package p;\nclass Values {\n${HOSTILE.map((v, i) => `  String v${i} = ${javaStringLiteral(v)};`).join("\n")}\n}\n`;
    const [parsed] = parseJava({ "Values.java": source });
    expect(parsed!.errors).toEqual([]);
    expect(parsed!.literals).toEqual(HOSTILE);
    expect(parsed!.shape.filter((k) => k === "VARIABLE")).toHaveLength(HOSTILE.length);
  });

  it("a comment with the default escaping stays a comment", () => {
    const source = `package p;\n${HOSTILE.map((v) => `/** ${cFamilyText(v)} */\n// ${cFamilyText(v)}\n`).join("")}class C { int x = 1; }\n`;
    const [parsed] = parseJava({ "C.java": source });
    expect(parsed!.errors).toEqual([]);
    expect(parsed!.shape).toEqual([
      "COMPILATION_UNIT",
      "PACKAGE",
      "IDENTIFIER",
      "CLASS",
      "MODIFIERS",
      "VARIABLE",
      "MODIFIERS",
      "PRIMITIVE_TYPE",
      "INT_LITERAL",
    ]);
  });
});

describe("groovyStringLiteral (groovyString) and Jenkinsfile comments", () => {
  it("Groovy 2.4 (Jenkins' Groovy) reads the value back verbatim, and a comment stays a comment", () => {
    const lines = HOSTILE.flatMap((v, i) => [`// CI for ${cFamilyText(v)}: built by the shared library`, `def v${i} = ${groovyStringLiteral(v)}`]);
    const [parsed] = parseGroovy({ Jenkinsfile: `${lines.join("\n")}\nwharfPipeline(project: 'x')\n` });
    expect("error" in parsed! ? parsed.error : "").toBe("");
    const statements = (parsed as { statements: GroovyNode[] }).statements;
    expect(statements).toHaveLength(HOSTILE.length + 1);
    expect(statements.slice(0, -1)).toEqual(HOSTILE.map((v, i) => ({ declare: { variable: `v${i}` }, value: { const: v }, annotations: [] })));
  });

  it("without the escaping, a \\u000a in a name ends the comment in Jenkins' Groovy (why backslashes are doubled)", () => {
    const [parsed] = parseGroovy({ Jenkinsfile: `// CI for Shop\\u000a sh 'rm -rf /'\nwharfPipeline(project: 'x')\n` });
    const statements = "statements" in parsed! ? parsed.statements : [];
    expect(statements.some((s) => "call" in s && s.call === "sh")).toBe(true);
  });
});

describe("shellWord", () => {
  it("sh reads each word back as the value on one line, expanding nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-sh-"));
    try {
      const words = [...HOSTILE, "$(touch pwned)", "`touch pwned`"];
      expect(shellWords(words.map(shellWord))).toEqual(words.map(oneLine));
      const vars = sourceShell(words.map((v, i) => `V${i}=${shellWord(v)}`).join("\n"), dir);
      expect(words.map((_, i) => vars[`V${i}`])).toEqual(words.map(oneLine));
      expect(fs.existsSync(path.join(dir, "pwned"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("xmlText (and the default in .xml files)", () => {
  it("an XML parser reads it back from text, attributes and comments alike", () => {
    const xml = `<r>${HOSTILE.map((v) => `<e a="${xmlText(v)}">${xmlText(v)}</e><!-- ${xmlText(v)} -->`).join("")}</r>`;
    const tree = parseXml(xml);
    // XML 1.0 cannot hold C0 controls other than tab and line breaks at all: they become U+FFFD.
    const expected = HOSTILE.map((v) => v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, REPLACEMENT));
    expect(tree.children!.map((e) => e.text ?? "")).toEqual(expected);
    expect(tree.children!.map((e) => e.attrs?.a)).toEqual(expected);
  });
});

describe("markdownText and markdownCode", () => {
  it("CommonMark (GFM) reads them back in a heading, a paragraph and a table cell, without new blocks or markup", () => {
    const visible = HOSTILE.filter((v) => v.trim() !== "");
    const section = (v: string) =>
      [
        `# ${markdownText(v)}`,
        "",
        markdownText(v),
        "",
        "| a | b |",
        "| --- | --- |",
        `| ${markdownText(v)} | ${markdownCode(v, { table: true })} |`,
        "",
        `Code: ${markdownCode(v)}`,
        "",
      ].join("\n");
    const tree = parseMarkdown(visible.map(section).join("\n"));
    const cell = (inline: Record<string, number>) => ({ type: "table_cell", inline, blocks: [] });
    const expectedSection = [
      { type: "heading", level: "1", inline: {}, blocks: [] },
      { type: "paragraph", inline: {}, blocks: [] },
      {
        type: "table",
        inline: {},
        blocks: [
          { type: "table_header", inline: {}, blocks: [cell({}), cell({})] },
          { type: "table_row", inline: {}, blocks: [cell({}), cell({ code: 1 })] },
        ],
      },
      { type: "paragraph", inline: { code: 1 }, blocks: [] },
    ];
    expect(markdownShape(tree)).toEqual({ type: "document", inline: {}, blocks: visible.flatMap(() => expectedSection) });
    visible.forEach((v, i) => {
      const [heading, paragraph, table, code] = tree.children!.slice(4 * i, 4 * i + 4);
      const text = oneLine(v).trim();
      expect(readMarkdown(heading!), v).toBe(text);
      expect(readMarkdown(paragraph!), v).toBe(text);
      const row = table!.children![1]!;
      expect(readMarkdown(row.children![0]!), v).toBe(text);
      expect(readMarkdown(row.children![1]!), v).toBe(oneLine(v));
      expect(readMarkdown(code!), v).toBe(`Code: ${oneLine(v)}`);
    });
  });
});

describe("the refusing helpers", () => {
  it("word and javaPackage pass good values and refuse others on the parameter's field", () => {
    const h = escapeHelpers({ javaVersion: "21\nRUN curl evil", groupId: "com.example;import evil" });
    expect(String(h.word("3.12"))).toBe("3.12");
    expect(String(h.javaPackage("org.acme.shop"))).toBe("org.acme.shop");
    for (const [fn, value, field] of [
      [h.word, "21\nRUN curl evil", "params.javaVersion"],
      [h.javaPackage, "com.example;import evil", "params.groupId"],
      [h.javaPackage, "com.class", "params"],
    ] as const) {
      let error: unknown;
      try {
        fn(value);
      } catch (e) {
        error = e;
      }
      expect(isAppError(error) && error.code).toBe("INVALID_INPUT");
      expect(isAppError(error) && Object.keys(error.fieldErrors ?? {})).toEqual([field]);
    }
  });
});
