"use client";

import { useState } from "react";
import { toYaml, toYamlDocuments } from "@/lib/yaml";
import { ChevronRight, Loader2, RotateCw } from "lucide-react";
import { formatDistanceToNowStrict } from "date-fns";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { useAction } from "@/components/forms/use-action";
import { retryStepAction } from "@/lib/provisioning/actions";
import { useTicketLive } from "./ticket-live";

export interface StepView {
  id?: string;
  key?: string;
  kind: string;
  title: string;
  target: string;
  clusterName: string | null;
  environment: string | null;
  status: string;
  attempts?: number;
  maxAttempts?: number;
  lastError?: string;
  nextAttemptAt?: string | null;
  spec: unknown;
}

function Yaml({ spec }: { spec: unknown }) {
  const objects = (spec as { objects?: unknown[] })?.objects;
  const text = objects ? toYamlDocuments(objects) : toYaml(spec);
  return <pre className="mt-2 max-h-80 overflow-auto rounded-md bg-muted p-3 text-xs">{text}</pre>;
}

function StepRow({ step, canRetry, onRetried }: { step: StepView; canRetry: boolean; onRetried: () => void }) {
  const [open, setOpen] = useState(false);
  const retry = useAction(retryStepAction, { success: "Retrying the step", onSuccess: onRetried });
  return (
    <li className="py-2" data-testid="step" data-status={step.status}>
      <div className="flex items-start gap-3">
        <button
          type="button"
          className="mt-0.5 text-muted-foreground"
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
          aria-label={`YAML of ${step.title}`}
        >
          <ChevronRight className={`size-4 transition-transform ${open ? "rotate-90" : ""}`} />
        </button>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="min-w-0 font-medium wrap-anywhere">{step.title}</span>
            <StatusBadge status={step.status === "pending" && !step.id ? "planned" : step.status} />
            {step.attempts !== undefined && step.attempts > 0 && (
              <span className="text-xs text-muted-foreground">
                attempt {step.attempts} of {step.maxAttempts}
              </span>
            )}
          </div>
          <div className="font-mono text-xs text-muted-foreground">{step.target}</div>
          {step.lastError && step.status !== "succeeded" && (
            <div className="mt-1 text-sm text-destructive" data-testid="step-error">
              {step.lastError}
              {step.status === "retrying" && step.nextAttemptAt && (
                <span className="text-muted-foreground"> · next attempt {formatDistanceToNowStrict(new Date(step.nextAttemptAt), { addSuffix: true })}</span>
              )}
            </div>
          )}
          {open && <Yaml spec={step.spec} />}
        </div>
        {canRetry && step.id && (step.status === "failed" || step.status === "retrying") && (
          <Button size="sm" variant="outline" disabled={retry.pending} onClick={() => void retry.run({ stepId: step.id! })}>
            {retry.pending ? <Loader2 className="animate-spin" /> : <RotateCw />} Retry step
          </Button>
        )}
      </div>
    </li>
  );
}

/** Steps grouped by cluster; live (the ticket page's one live source, ./ticket-live.tsx) while the ticket is carried out. */
export function StepList({ initialSteps, canRetry }: { initialSteps: StepView[]; canRetry: boolean }) {
  const { progress, status, refetch } = useTicketLive();
  const steps: StepView[] = progress?.run ? progress.run.steps.map((s) => ({ ...s, clusterName: s.cluster?.name ?? null })) : initialSteps;
  const groups = new Map<string, StepView[]>();
  for (const s of steps) {
    const key = s.clusterName ? `${s.clusterName}` : "Portal";
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const done = steps.filter((s) => s.status === "succeeded").length;
  return (
    <div>
      {steps.some((s) => s.id) && (
        <p className="mb-3 text-sm text-muted-foreground" data-testid="step-summary">
          {done} of {steps.length} steps done · ticket {status}
        </p>
      )}
      <div className="space-y-4">
        {[...groups.entries()].map(([cluster, list]) => (
          <section key={cluster} aria-label={`Steps on ${cluster}`}>
            <h3 className="text-sm font-semibold">{cluster}</h3>
            <ul className="divide-y">
              {list.map((s) => (
                <StepRow key={s.id ?? s.key} step={s} canRetry={canRetry} onRetried={refetch} />
              ))}
            </ul>
          </section>
        ))}
      </div>
    </div>
  );
}
