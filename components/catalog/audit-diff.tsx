"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";

type Json = unknown;

/** The fields that changed between before and after, then both documents on demand. */
export function AuditDiff({ before, after }: { before: Json; after: Json }) {
  const [open, setOpen] = useState(false);
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(
    (k) => !["updatedAt", "version", "searchText"].includes(k) && JSON.stringify(b[k]) !== JSON.stringify(a[k]),
  );
  const show = (v: unknown) => (v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));
  if (before == null && after == null) return <span className="text-muted-foreground">—</span>;
  return (
    <div className="space-y-1 text-xs">
      {before != null && after != null ? (
        keys.length === 0 ? (
          <span className="text-muted-foreground">no visible change</span>
        ) : (
          keys.slice(0, 6).map((k) => (
            <div key={k} className="font-mono">
              <span className="text-muted-foreground">{k}:</span> <span className="text-destructive line-through">{show(b[k]).slice(0, 60)}</span> →{" "}
              <span className="text-success">{show(a[k]).slice(0, 60)}</span>
            </div>
          ))
        )
      ) : (
        <span className="text-muted-foreground">{after != null ? "created" : "removed"}</span>
      )}
      <Button variant="link" size="sm" className="h-auto p-0 text-xs" onClick={() => setOpen((o) => !o)}>
        {open ? "Hide" : "Before / after"}
      </Button>
      {open && (
        <div className="grid gap-2 md:grid-cols-2">
          <pre className="max-h-64 overflow-auto rounded bg-muted p-2">{JSON.stringify(before, null, 2) ?? "—"}</pre>
          <pre className="max-h-64 overflow-auto rounded bg-muted p-2">{JSON.stringify(after, null, 2) ?? "—"}</pre>
        </div>
      )}
    </div>
  );
}
