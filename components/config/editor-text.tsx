"use client";

/**
 * CodeMirror for a namespace's text: `.properties` for key/value namespaces,
 * the file itself for yaml, json and txt ones. Problems are marked at their
 * line as you type (formats.ts, the server's own checks, run in the
 * browser), and the server's problems (a JSON Schema, say) at theirs too.
 */
import { useMemo } from "react";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { json } from "@codemirror/lang-json";
import { StreamLanguage } from "@codemirror/language";
import { properties } from "@codemirror/legacy-modes/mode/properties";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { oneDark } from "@codemirror/theme-one-dark";
import { useTheme } from "next-themes";
import { checkFileText, parsePropertiesText, type ConfigFormat, type TextProblem } from "@/lib/config/formats";

/** The problems of a namespace's text in its format (pure, the same checks the server makes). */
export function textProblemsOf(format: ConfigFormat, text: string): TextProblem[] {
  if (format === "properties") {
    const r = parsePropertiesText(text);
    return r.ok ? [] : r.problems;
  }
  return checkFileText(format, text);
}

/** "line 3: message" from the server (fieldErrors.text) as problems at their line. */
export function serverProblems(messages: readonly string[] | undefined): TextProblem[] {
  return (messages ?? []).map((m) => {
    const found = /^line (\d+): (.*)$/s.exec(m);
    return found ? { line: Number(found[1]), message: found[2]! } : { line: 1, message: m };
  });
}

function lineRange(text: string, line: number) {
  const lines = text.split("\n");
  const n = Math.min(Math.max(line, 1), lines.length);
  let from = 0;
  for (let i = 0; i < n - 1; i++) from += lines[i]!.length + 1;
  return { from, to: from + lines[n - 1]!.length };
}

const LANGUAGES = {
  properties: () => StreamLanguage.define(properties),
  yaml: () => yaml(),
  json: () => json(),
  txt: () => [],
} as const;

interface Props {
  format: ConfigFormat;
  value: string;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  label: string;
  /** Problems the server found in the text last sent (shown until the text changes). */
  extraProblems?: TextProblem[];
}

export function ConfigTextEditor({ format, value, onChange, readOnly = false, label, extraProblems = [] }: Props) {
  const { resolvedTheme } = useTheme();
  const extensions = useMemo(() => {
    const lint = linter(
      (view): Diagnostic[] => {
        const text = view.state.doc.toString();
        const own = textProblemsOf(format, text);
        const server = extraProblems.filter((p) => !own.some((o) => o.line === p.line && o.message === p.message));
        return [...own, ...server].map((p) => ({ ...lineRange(text, p.line), severity: "error", message: p.message, source: format }));
      },
      { delay: 250 },
    );
    return [LANGUAGES[format](), EditorView.lineWrapping, EditorView.contentAttributes.of({ "aria-label": label }), lint, lintGutter()];
  }, [format, label, extraProblems]);
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      readOnly={readOnly}
      editable={!readOnly}
      extensions={extensions}
      theme={resolvedTheme === "dark" ? oneDark : "light"}
      minHeight="12rem"
      maxHeight="32rem"
      basicSetup={{ foldGutter: format !== "properties", highlightActiveLine: !readOnly, autocompletion: false }}
      className="overflow-hidden rounded-md border text-sm"
    />
  );
}
