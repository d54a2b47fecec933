"use client";

/**
 * The seed job run: every project's regeneration plan (projects with
 * something to do first, each with its counts and an expandable diff; the
 * up-to-date ones folded), "Apply to all" with the list confirmed, and the
 * runs it started.
 */
import { useState } from "react";
import Link from "@/components/ui/link";
import { ChevronRight, CloudOff, FileWarning, Play } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { ProjectRegenerationPlan } from "@/lib/ci/regenerate";
import { PipelineDiff } from "./pipeline-diff";
import { RegenerateDialog, type RegenerationSummary } from "./regenerate-dialog";

type Plan = Omit<ProjectRegenerationPlan, "jenkins">;

const changes = (p: Plan) => p.added.length + p.changed.length + p.removed.length;

function Counts({ p }: { p: Plan }) {
  return (
    <span className="flex flex-wrap gap-1" data-testid="plan-counts">
      <Badge variant="outline" className="border-emerald-600/40 text-emerald-700 dark:text-emerald-400">
        {p.added.length} to create
      </Badge>
      <Badge variant="outline" className="border-amber-600/40 text-amber-700 dark:text-amber-400">
        {p.changed.length} to change
      </Badge>
      <Badge variant="outline" className="border-red-600/40 text-red-700 dark:text-red-400">
        {p.removed.length} to remove
      </Badge>
    </span>
  );
}

function ProjectPlan({ p }: { p: Plan }) {
  return (
    <li data-testid="project-plan" data-project={p.slug}>
      <details className="group">
        <summary className="flex cursor-pointer list-none flex-wrap items-center gap-2 py-2 [&::-webkit-details-marker]:hidden">
          <ChevronRight className="size-4 shrink-0 text-muted-foreground transition-transform group-open:rotate-90" aria-hidden />
          <span className="font-mono text-sm font-medium">{p.slug}</span>
          <Counts p={p} />
        </summary>
        <div className="grid gap-3 pb-3 pl-6">
          {p.changed.map((c) => (
            <section key={c.ref} className="grid gap-1">
              <h4 className="font-mono text-xs font-medium break-all">{c.ref} (changed)</h4>
              <PipelineDiff diff={c.diff} label={`Diff of ${c.ref}`} />
            </section>
          ))}
          {p.added.length > 0 && (
            <section>
              <h4 className="text-xs font-medium">To create</h4>
              <ul className="grid gap-1">
                {p.added.map((a) => (
                  <li key={a.ref}>
                    {/* Folded: a new project's resources are long, and their YAML is only read when wanted. */}
                    <details>
                      <summary className="cursor-pointer font-mono text-xs break-all">{a.ref}</summary>
                      <pre className="mt-1 max-h-64 overflow-auto rounded-md bg-muted p-3 font-mono text-xs">{a.yaml}</pre>
                    </details>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {p.removed.length > 0 && (
            <section>
              <h4 className="text-xs font-medium">To remove</h4>
              <ul className="ml-4 list-disc font-mono text-xs break-all">
                {p.removed.map((r) => (
                  <li key={r.ref}>{r.ref}</li>
                ))}
              </ul>
            </section>
          )}
          <Link className="text-sm underline" href={`/projects/${p.slug}/builds/pipeline`}>
            Open the pipeline of {p.slug}
          </Link>
        </div>
      </details>
    </li>
  );
}

export function SeedJobPlan({ plans }: { plans: Plan[] }) {
  const [started, setStarted] = useState<{ projectId: string; slug: string; runId: string }[] | null>(null);
  const todo = plans.filter((p) => p.status === "ready" && changes(p) > 0);
  const current = plans.filter((p) => p.status === "ready" && changes(p) === 0);
  const blocked = plans.filter((p) => p.status !== "ready");
  const summaries: RegenerationSummary[] = todo.map((p) => ({
    projectId: p.projectId,
    slug: p.slug,
    digest: p.digest,
    added: p.added.map((a) => a.ref),
    changed: p.changed.map((c) => c.ref),
    removed: p.removed.map((r) => r.ref),
  }));
  return (
    <div className="grid gap-4">
      {started && (
        <Alert data-testid="seed-job-started">
          <Play />
          <AlertTitle>Regenerating {started.length === 1 ? "1 project" : `${started.length} projects`}</AlertTitle>
          <AlertDescription>
            <ul className="grid gap-0.5">
              {started.map((r) => (
                <li key={r.runId}>
                  <Link className="underline" href={`/projects/${r.slug}/builds/pipeline?run=${r.runId}#run`}>
                    {r.slug}: follow its run
                  </Link>
                </li>
              ))}
            </ul>
          </AlertDescription>
        </Alert>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Plan</CardTitle>
          <CardDescription>
            {todo.length} of {plans.length} projects differ from what Wharf generates; {current.length} are up to date
            {blocked.length ? `; ${blocked.length} cannot be planned` : ""}.
          </CardDescription>
          <CardAction>
            {todo.length > 0 && !started && (
              <RegenerateDialog
                target={{ all: true }}
                projects={summaries}
                title={`Regenerate the pipelines of ${todo.length === 1 ? "1 project" : `${todo.length} projects`}?`}
                trigger={
                  <Button>
                    <Play /> Apply to all
                  </Button>
                }
                onApplied={setStarted}
              />
            )}
          </CardAction>
        </CardHeader>
        <CardContent className="grid gap-4">
          {todo.length === 0 && <p className="text-sm text-muted-foreground">Nothing to regenerate: every project that could be planned is up to date.</p>}
          {todo.length > 0 && (
            <ul className="divide-y" aria-label="Projects to regenerate">
              {todo.map((p) => (
                <ProjectPlan key={p.projectId} p={p} />
              ))}
            </ul>
          )}
          {blocked.length > 0 && (
            <ul className="grid gap-2" aria-label="Projects that cannot be planned">
              {blocked.map((p) => (
                <li key={p.projectId} className="flex items-start gap-2 text-sm" data-testid="project-blocked">
                  {p.status === "invalid" ? (
                    <FileWarning className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden />
                  ) : (
                    <CloudOff className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden />
                  )}
                  <span>
                    <span className="font-mono font-medium">{p.slug}</span>: {p.reason}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {current.length > 0 && (
            <details className="group text-sm" data-testid="projects-up-to-date">
              <summary className="flex cursor-pointer list-none items-center gap-2 text-muted-foreground [&::-webkit-details-marker]:hidden">
                <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden />
                {current.length} up to date
              </summary>
              <ul className="mt-2 flex flex-wrap gap-2 pl-6">
                {current.map((p) => (
                  <li key={p.projectId}>
                    <Link className="font-mono underline" href={`/projects/${p.slug}/builds/pipeline`}>
                      {p.slug}
                    </Link>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
