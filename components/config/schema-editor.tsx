"use client";

/**
 * A namespace's JSON Schema: CodeMirror with the problem at its line, as it
 * is typed (not JSON) and after the server refused it (not a JSON Schema).
 * Saved, it is checked against every edit of the namespace's values. Empty
 * removes it. Read-only for those who may not manage the namespace.
 */
import { useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { oneDark } from "@codemirror/theme-one-dark";
import { useTheme } from "next-themes";
import { Loader2, Save } from "lucide-react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { setNamespaceSchemaAction } from "@/lib/config/gray-actions";
import { jsonProblems, refusalProblems, type SchemaProblem } from "@/lib/config/schema-lines";
import { lineRange } from "@/lib/deploy/spec-editing";

const EXAMPLE = `{
  "type": "object",
  "properties": {
    "server.port": { "type": "string", "pattern": "^[0-9]+$" }
  }
}`;

export function SchemaEditor({
  namespace,
  initial,
  canManage,
}: {
  namespace: { id: string; name: string; version: number };
  initial: string;
  canManage: boolean;
}) {
  const router = useRouter();
  const { resolvedTheme } = useTheme();
  const [text, setText] = useState(initial);
  const [refused, setRefused] = useState<{ text: string; problems: SchemaProblem[] } | null>(null);
  const save = useAction(setNamespaceSchemaAction, {
    success: (d) => (d.hasSchema ? `The schema of ${namespace.name} is saved: edits are checked against it` : `${namespace.name} has no schema now`),
    onSuccess: () => {
      setRefused(null);
      router.refresh();
    },
  });
  const problems = refused && refused.text === text ? refused.problems : text.trim() ? jsonProblems(text) : [];
  const extensions = useMemo(() => {
    const lint = linter(
      (view): Diagnostic[] => {
        const doc = view.state.doc.toString();
        const list = refused && refused.text === doc ? refused.problems : doc.trim() ? jsonProblems(doc) : [];
        return list.map((p) => ({ ...lineRange(doc, p.line), severity: "error", message: p.message, source: "schema" }));
      },
      { delay: 250 },
    );
    return [EditorView.lineWrapping, EditorView.contentAttributes.of({ "aria-label": `JSON Schema of ${namespace.name}` }), lint, lintGutter()];
  }, [namespace.name, refused]);

  async function onSave() {
    const r = await save.run({ namespaceId: namespace.id, version: namespace.version, schema: text });
    if (!r.ok && r.error.fieldErrors?.schema) setRefused({ text, problems: refusalProblems(text, r.error.fieldErrors.schema) });
  }

  return (
    <div className="space-y-3">
      <CodeMirror
        value={text}
        onChange={setText}
        readOnly={!canManage}
        editable={canManage}
        extensions={extensions}
        theme={resolvedTheme === "dark" ? oneDark : "light"}
        height="18rem"
        placeholder={canManage ? EXAMPLE : "No schema"}
        basicSetup={{ foldGutter: true, autocompletion: false }}
        className="overflow-hidden rounded-md border text-sm"
      />
      {problems.length > 0 && (
        <ul aria-label="Problems with the schema" className="space-y-0.5 text-sm text-destructive" data-testid="schema-problems">
          {problems.map((p) => (
            <li key={`${p.line}-${p.message}`}>
              line {p.line}: {p.message}
            </li>
          ))}
        </ul>
      )}
      <FormError error={save.formError?.fieldErrors?.schema ? null : save.formError} />
      {canManage ? (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="button" onClick={() => void onSave()} disabled={save.pending || (problems.length > 0 && !refused)}>
            {save.pending ? <Loader2 className="animate-spin" /> : <Save />} {text.trim() ? "Save schema" : "Remove schema"}
          </Button>
          <span className="text-xs text-muted-foreground">JSON Schema 2020-12 or draft-07, over the namespace&apos;s keys and values as an object.</span>
        </div>
      ) : (
        <p className="text-sm text-muted-foreground">A maintainer does this: the schema is set by the project&apos;s owner and maintainers.</p>
      )}
    </div>
  );
}
