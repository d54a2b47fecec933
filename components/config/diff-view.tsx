/**
 * A key-by-key config diff (added, changed, deleted), as the draft panel,
 * the publish and restore dialogs and the history's comparison show it.
 * Secrets arrive masked from the server; this never sees their values.
 * A file namespace has one key (`content`): its before and after are shown
 * whole, line by line.
 */
import { Lock } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import type { KeyChange } from "@/lib/config/diff";
import { cn } from "@/lib/utils";

const KIND: Record<KeyChange["kind"], { label: string; className: string }> = {
  added: { label: "added", className: "border-emerald-600/40 text-emerald-700 dark:text-emerald-400" },
  changed: { label: "changed", className: "border-amber-600/40 text-amber-700 dark:text-amber-400" },
  deleted: { label: "deleted", className: "border-red-600/40 text-red-700 dark:text-red-400" },
};

function Value({ value, tone }: { value: string; tone: "before" | "after" }) {
  return (
    <pre
      className={cn(
        "max-h-64 overflow-auto rounded px-1.5 py-0.5 font-mono text-xs break-all whitespace-pre-wrap",
        tone === "before"
          ? "bg-red-500/10 text-red-900 line-through decoration-red-500/40 dark:text-red-200"
          : "bg-emerald-500/10 text-emerald-900 dark:text-emerald-200",
      )}
    >
      {value === "" ? <span className="text-muted-foreground italic no-underline">(empty)</span> : value}
    </pre>
  );
}

export function DiffView({ changes, label, empty = "No change." }: { changes: readonly KeyChange[]; label: string; empty?: string }) {
  if (changes.length === 0) return <p className="text-sm text-muted-foreground">{empty}</p>;
  return (
    <ul className="divide-y rounded-md border" aria-label={label}>
      {changes.map((c) => (
        <li key={`${c.kind}:${c.key}`} className="grid gap-1.5 p-2.5 sm:grid-cols-[minmax(0,12rem)_minmax(0,1fr)] sm:gap-3" data-testid={`diff-${c.key}`}>
          <div className="flex min-w-0 flex-wrap items-center gap-1.5">
            <span className="font-mono text-sm font-medium break-all">{c.key}</span>
            <Badge variant="outline" className={KIND[c.kind].className}>
              {KIND[c.kind].label}
            </Badge>
            {c.secret && (
              <Badge variant="outline" className="gap-1">
                <Lock className="size-3" aria-hidden /> secret
              </Badge>
            )}
          </div>
          <div className="grid min-w-0 gap-1">
            {"before" in c && c.before !== undefined && <Value value={c.before} tone="before" />}
            {"after" in c && c.after !== undefined && <Value value={c.after} tone="after" />}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** "2 added, 1 changed" as badges. */
export function DiffSummary({ changes }: { changes: readonly KeyChange[] }) {
  const n = (k: KeyChange["kind"]) => changes.filter((c) => c.kind === k).length;
  if (!changes.length) return <span className="text-sm text-muted-foreground">no change</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {(["added", "changed", "deleted"] as const).map((k) =>
        n(k) ? (
          <Badge key={k} variant="outline" className={KIND[k].className}>
            {n(k)} {k}
          </Badge>
        ) : null,
      )}
    </span>
  );
}
