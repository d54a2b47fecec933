"use client";

/**
 * CodeMirror for YAML with a linter: every problem `parseSpecYaml` finds is
 * marked in the gutter at its line. The theme follows the app's (next-themes).
 */
import { useMemo } from "react";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { oneDark } from "@codemirror/theme-one-dark";
import { useTheme } from "next-themes";
import { lineRange, problemText } from "@/lib/deploy/spec-editing";
import { parseSpecYaml } from "@/lib/deploy/spec";

interface Props {
  value: string;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  /** Lint the text as an application spec (off for rendered manifests). */
  lint?: boolean;
  label: string;
  height?: string;
}

const specLinter = linter(
  (view): Diagnostic[] => {
    const text = view.state.doc.toString();
    const r = parseSpecYaml(text);
    if (r.ok) return [];
    return r.problems.map((p) => ({ ...lineRange(text, p.line), severity: "error", message: problemText({ ...p, line: undefined }), source: "spec" }));
  },
  { delay: 300 },
);

export function YamlEditor({ value, onChange, readOnly = false, lint = true, label, height = "32rem" }: Props) {
  const { resolvedTheme } = useTheme();
  const extensions = useMemo(
    () => [yaml(), EditorView.lineWrapping, EditorView.contentAttributes.of({ "aria-label": label }), ...(lint ? [specLinter, lintGutter()] : [])],
    [label, lint],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      readOnly={readOnly}
      editable={!readOnly}
      extensions={extensions}
      theme={resolvedTheme === "dark" ? oneDark : "light"}
      height={height}
      basicSetup={{ foldGutter: true, highlightActiveLine: !readOnly, autocompletion: false }}
      className="overflow-hidden rounded-md border text-sm"
    />
  );
}
