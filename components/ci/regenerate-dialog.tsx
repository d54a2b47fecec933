"use client";

/**
 * Confirming a regeneration: lists what will be created, changed and removed
 * on the build cluster (per project), then applies with the plan's digests.
 * A plan that no longer holds (metadata or template changed meanwhile) is
 * refused by the server; the dialog says so and offers to plan again.
 */
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { Loader2, RefreshCw } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { applyRegenerationAction } from "@/lib/ci/actions";

export interface RegenerationSummary {
  projectId: string;
  slug: string;
  digest: string;
  added: string[];
  changed: string[];
  removed: string[];
}

type Target = { projectId: string } | { all: true };

function Refs({ title, refs, className }: { title: string; refs: string[]; className: string }) {
  if (!refs.length) return null;
  return (
    <div>
      <p className={`text-xs font-medium ${className}`}>
        {title} ({refs.length})
      </p>
      <ul className="ml-4 list-disc font-mono text-xs break-all">
        {refs.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </div>
  );
}

export function RegenerateDialog({
  target,
  projects,
  trigger,
  title,
  onApplied,
}: {
  target: Target;
  projects: RegenerationSummary[];
  trigger: React.ReactNode;
  title: string;
  onApplied: (runs: { projectId: string; slug: string; runId: string }[]) => void;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  // "Plan again" re-reads the page (a new plan and digest) while the dialog stays open, so the new list is what gets confirmed.
  const [replanning, startReplan] = useTransition();
  const apply = useAction(applyRegenerationAction, {
    success: (runs) => (runs.length === 1 ? `Regenerating ${runs[0]!.slug}` : `Regenerating ${runs.length} projects`),
    onSuccess: (runs) => {
      setOpen(false);
      onApplied(runs);
    },
  });
  const confirm = Object.fromEntries(projects.map((p) => [p.projectId, p.digest]));
  const stale = apply.formError?.code === "CONFLICT";
  return (
    <AlertDialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) apply.clearFormError();
      }}
    >
      <AlertDialogTrigger asChild>{trigger}</AlertDialogTrigger>
      <AlertDialogContent className="max-h-[90dvh] overflow-y-auto">
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>
            Wharf applies this on the build cluster as a provisioning run (each step retried, and retryable by hand). Pipelines that are running keep the
            version they started with.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <div className="grid gap-3" data-testid="regenerate-changes">
          {projects.map((p) => (
            <section key={p.projectId} className="grid gap-1.5 rounded-md border p-2.5">
              {projects.length > 1 && <h3 className="font-mono text-sm font-medium">{p.slug}</h3>}
              <Refs title="Created" refs={p.added} className="text-emerald-700 dark:text-emerald-400" />
              <Refs title="Changed" refs={p.changed} className="text-amber-700 dark:text-amber-400" />
              <Refs title="Removed" refs={p.removed} className="text-red-700 dark:text-red-400" />
            </section>
          ))}
        </div>
        <FormError error={apply.formError} />
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          {stale ? (
            <Button
              type="button"
              onClick={() => {
                apply.clearFormError();
                startReplan(() => router.refresh());
              }}
            >
              <RefreshCw /> Plan again
            </Button>
          ) : (
            <Button type="button" disabled={apply.pending || replanning} onClick={() => void apply.run({ target, confirm })}>
              {(apply.pending || replanning) && <Loader2 className="animate-spin" />}
              {replanning ? "Planning again…" : "Apply"}
            </Button>
          )}
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
