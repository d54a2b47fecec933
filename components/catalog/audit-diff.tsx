"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle } from "@/components/ui/sheet";
import { changeSummary, fieldChanges, type FieldChange } from "@/lib/audit/diff";

export interface AuditEventView {
  id: string;
  at: string;
  actorLabel: string;
  action: string;
  targetType: string;
  targetLabel: string;
  requestId: string;
  before: unknown;
  after: unknown;
}

function Value({ value, tone }: { value: string | null; tone: "before" | "after" | "same" }) {
  if (value === null) return <span className="text-xs text-muted-foreground italic">absent</span>;
  const colour = tone === "before" ? "bg-destructive/10" : tone === "after" ? "bg-success/15" : "bg-muted";
  return <pre className={`rounded px-2 py-1 font-mono text-xs break-words whitespace-pre-wrap ${colour}`}>{value === "" ? "“”" : value}</pre>;
}

/** The fields with their values; a creation shows only what was created, a removal only what was removed. */
function FieldRows({ rows, sides }: { rows: FieldChange[]; sides: "both" | "before" | "after" }) {
  return (
    <dl className="space-y-3">
      {rows.map((r) => (
        <div key={r.field} data-testid={`field-${r.field}`} className="space-y-1">
          <dt className="font-mono text-xs font-medium">{r.field}</dt>
          {sides === "both" ? (
            <dd className="grid gap-2 sm:grid-cols-2">
              <div className="min-w-0 space-y-0.5">
                <div className="text-[10px] tracking-wide text-muted-foreground uppercase">Before</div>
                <Value value={r.before} tone={r.changed ? "before" : "same"} />
              </div>
              <div className="min-w-0 space-y-0.5">
                <div className="text-[10px] tracking-wide text-muted-foreground uppercase">After</div>
                <Value value={r.after} tone={r.changed ? "after" : "same"} />
              </div>
            </dd>
          ) : (
            <dd className="min-w-0">
              <Value value={sides === "after" ? r.after : r.before} tone={sides} />
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}

/** The change an audit event records, in one line; its before and after field by field in a side panel. */
export function AuditChange({ event }: { event: AuditEventView }) {
  const [open, setOpen] = useState(false);
  const summary = changeSummary(event.before, event.after);
  if (!summary) return <span className="text-muted-foreground">—</span>;
  const rows = open ? fieldChanges(event.before, event.after) : [];
  const changed = rows.filter((r) => r.changed);
  const same = rows.filter((r) => !r.changed);
  return (
    <div className="flex min-w-0 items-start gap-2 text-xs">
      <span className="min-w-0 text-muted-foreground">{summary}</span>
      <Button
        variant="link"
        size="sm"
        className="h-auto shrink-0 p-0 text-xs"
        onClick={() => setOpen(true)}
        aria-label={`Before and after of ${event.action} on ${event.targetLabel || event.targetType}`}
      >
        Before / after
      </Button>
      <Sheet open={open} onOpenChange={setOpen}>
        <SheetContent className="w-full gap-0 sm:max-w-2xl">
          <SheetHeader className="border-b">
            <SheetTitle className="pr-6 font-mono text-base break-all">{event.action}</SheetTitle>
            <SheetDescription className="break-words">
              {event.targetType} {event.targetLabel} · by {event.actorLabel} · {event.at.replace("T", " ").slice(0, 19)} UTC
              {event.requestId ? ` · request ${event.requestId}` : ""}
            </SheetDescription>
          </SheetHeader>
          <div className="min-h-0 flex-1 space-y-6 overflow-y-auto p-4">
            <section aria-label="Changed fields" className="space-y-3">
              <h3 className="text-sm font-medium">{summary === "created" ? "Created with" : summary === "removed" ? "Removed" : "Changed"}</h3>
              {changed.length ? (
                <FieldRows rows={changed} sides={summary === "created" ? "after" : summary === "removed" ? "before" : "both"} />
              ) : (
                <p className="text-sm text-muted-foreground">No field changed.</p>
              )}
            </section>
            {same.length > 0 && (
              <section aria-label="Unchanged fields" className="space-y-3">
                <h3 className="text-sm font-medium">Unchanged ({same.length})</h3>
                <FieldRows rows={same} sides="both" />
              </section>
            )}
          </div>
        </SheetContent>
      </Sheet>
    </div>
  );
}
