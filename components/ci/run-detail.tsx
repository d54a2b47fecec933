"use client";

import { useEffect, useMemo, useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { Ban, CheckCircle2, ChevronDown, ChevronRight, Circle, CircleSlash, Clock, Loader2, RotateCw, XCircle } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { StatusBadge } from "@/components/ui/status-badge";
import { useAction } from "@/components/forms/use-action";
import { cancelRunAction, rerunRunAction } from "@/lib/ci/run-actions";
import { retryPromotionAction } from "@/lib/ci/promote-actions";
import type { RunPage, RunState, RunStepView, RunTaskView } from "@/lib/ci/run-view";
import { cn } from "@/lib/utils";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { BuildsTabs } from "./builds-tabs";
import { RunStepLog } from "./run-step-log";

const ENDED = ["succeeded", "failed", "cancelled"];

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  // Kubernetes times containers to the second: a shorter step shows as under a second, not "0 ms".
  if (ms < 1000) return "< 1 s";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Status icon of a task or step: running spins, failed is red, skipped and cancelled are muted. */
export function StatusIcon({ status, className }: { status: string; className?: string }) {
  const label = status.charAt(0).toUpperCase() + status.slice(1);
  const common = cn("size-4 shrink-0", className);
  switch (status) {
    case "succeeded":
      return <CheckCircle2 aria-label={label} className={cn(common, "text-success")} />;
    case "failed":
      return <XCircle aria-label={label} className={cn(common, "text-destructive")} />;
    case "running":
      return <Loader2 aria-label={label} className={cn(common, "animate-spin text-primary")} />;
    case "cancelled":
      return <Ban aria-label={label} className={cn(common, "text-muted-foreground")} />;
    case "skipped":
      return <CircleSlash aria-label={label} className={cn(common, "text-muted-foreground")} />;
    case "pending":
    case "waiting":
    case "queued":
      return <Clock aria-label={label} className={cn(common, "text-warning")} />;
    default:
      return <Circle aria-label={label} className={cn(common, "text-muted-foreground")} />;
  }
}

/**
 * What to show while the reader has not picked anything: the failed step of
 * a failed run, else the task that runs (or ran last) and its running (or
 * last started) step, so a page left open follows the run.
 */
function defaultSelection(state: RunState): { task: string | null; step: string | null } {
  const failedTask = state.tasks.find((t) => t.status === "failed") ?? state.tasks.find((t) => t.steps.some((s) => s.status === "failed"));
  if (state.status === "failed" && failedTask) {
    const step = failedTask.steps.find((s) => s.status === "failed" || (s.exitCode !== null && s.exitCode !== 0));
    return { task: failedTask.name, step: step?.id ?? null };
  }
  const started = state.tasks.filter((t) => t.startedAt).sort((a, b) => a.startedAt!.localeCompare(b.startedAt!));
  const task = state.tasks.find((t) => t.status === "running") ?? started.at(-1);
  if (!task) return { task: state.columns[0]?.[0] ?? null, step: null };
  const step = task.steps.find((s) => s.status === "running") ?? task.steps.filter((s) => s.status !== "waiting" && s.status !== "skipped").at(-1);
  return { task: task.name, step: step?.id ?? null };
}

interface LogBuffer {
  stepId: string;
  text: string;
  /** Bytes of the step's log held (what the next batch's offset should be). */
  bytes: number;
  /** The stream said everything is sent. */
  done: boolean;
}

const utf8 = new TextEncoder();

/** A batch appended to what is held: a batch from byte 0 (a new stream for the step) starts afresh, one already held is skipped. */
function appendLog(cur: LogBuffer | null, msg: { stepId: string; offset: number; text: string }): LogBuffer {
  const size = utf8.encode(msg.text).length;
  if (!cur || cur.stepId !== msg.stepId || msg.offset === 0) return { stepId: msg.stepId, text: msg.text, bytes: size, done: false };
  if (msg.offset + size <= cur.bytes) return cur;
  return { ...cur, text: cur.text + msg.text, bytes: msg.offset + size };
}

/** Keeps the run's state and the open step's log current from /api/ci/runs/<id>/stream. */
function useRunLive(initial: RunState, stepId: string | null) {
  const [state, setState] = useState(initial);
  const [log, setLog] = useState<LogBuffer | null>(null);

  useEffect(() => {
    const url = `/api/ci/runs/${encodeURIComponent(initial.id)}/stream${stepId ? `?step=${encodeURIComponent(stepId)}` : ""}`;
    const source = new EventSource(url);
    source.addEventListener("state", (e) => setState(JSON.parse((e as MessageEvent<string>).data) as RunState));
    source.addEventListener("log", (e) => {
      const msg = JSON.parse((e as MessageEvent<string>).data) as { stepId: string; offset: number; text: string };
      setLog((cur) => appendLog(cur, msg));
    });
    source.addEventListener("end", () => {
      if (stepId) setLog((cur) => (cur && cur.stepId === stepId ? { ...cur, done: true } : { stepId, text: "", bytes: 0, done: true }));
      source.close();
    });
    // A `failure` (the server could not read the run) ends the response: EventSource reconnects by itself and resumes from its last id.
    return () => source.close();
    // A new stream per viewed step; `initial.id` is the run.
  }, [initial.id, stepId]);

  const current = log && log.stepId === stepId ? log : null;
  return { state, log: current, ended: ENDED.includes(state.status) };
}

function TaskNode({ task, name, selected, onSelect }: { task: RunTaskView | undefined; name: string; selected: boolean; onSelect: () => void }) {
  const status = task?.status ?? "pending";
  return (
    <button
      type="button"
      onClick={onSelect}
      aria-pressed={selected}
      data-testid={`task-${name}`}
      data-status={status}
      className={cn(
        "flex w-full min-w-24 items-center gap-2 rounded-md border bg-card px-3 py-2 text-left text-sm shadow-xs outline-none",
        "hover:bg-accent focus-visible:ring-[3px] focus-visible:ring-ring/50",
        status === "failed" && "border-destructive/70 bg-destructive/5",
        status === "running" && "border-primary/60",
        selected && "ring-2 ring-primary",
      )}
    >
      <StatusIcon status={status} />
      <span className="font-medium">{name}</span>
      <span className="ml-auto text-xs text-muted-foreground tabular-nums">{formatDuration(task?.durationMs)}</span>
    </button>
  );
}

function StepRow({
  step,
  open,
  onToggle,
  log,
  live,
  capBytes,
}: {
  step: RunStepView;
  open: boolean;
  onToggle: () => void;
  log: LogBuffer | null;
  live: boolean;
  capBytes: number;
}) {
  const Chevron = open ? ChevronDown : ChevronRight;
  return (
    <li className="rounded-md border" data-testid={`step-${step.name}`}>
      <button
        type="button"
        onClick={onToggle}
        aria-expanded={open}
        className="flex w-full flex-wrap items-center gap-2 px-3 py-2 text-left text-sm outline-none hover:bg-accent focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        <Chevron className="size-4 shrink-0 text-muted-foreground" aria-hidden />
        <StatusIcon status={step.status} />
        <span className="font-medium">{step.name}</span>
        {step.status === "failed" && step.exitCode !== null && step.exitCode !== 0 && <span className="text-xs text-destructive">exit {step.exitCode}</span>}
        <span className="ml-auto text-xs text-muted-foreground tabular-nums">{formatDuration(step.durationMs)}</span>
        {step.reason && step.status !== "succeeded" && <span className="basis-full pl-10 text-xs text-muted-foreground">{step.reason}</span>}
      </button>
      {open && (
        <div className="border-t p-2">
          <RunStepLog
            text={log?.stepId === step.id ? log.text : ""}
            loading={log?.stepId !== step.id}
            live={live && !step.logArchived}
            truncatedAt={step.logTruncated ? capBytes : null}
            label={`Log of step ${step.name}`}
          />
        </div>
      )}
    </li>
  );
}

function CancelRunButton({ run }: { run: { id: string; number: number; service: string; ref: string } }) {
  const router = useRouter();
  const cancel = useAction(cancelRunAction, { success: `Run #${run.number} is being cancelled`, onSuccess: () => router.refresh() });
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="outline" disabled={cancel.pending}>
          {cancel.pending ? <Loader2 className="animate-spin" /> : <Ban />} Cancel
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>
            Cancel run #{run.number} of {run.service} ({run.ref})?
          </AlertDialogTitle>
          <AlertDialogDescription>The build cluster stops its running task; later tasks do not run and nothing is promoted.</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Keep it running</AlertDialogCancel>
          <AlertDialogAction onClick={() => void cancel.run({ runId: run.id })}>Cancel run #{run.number}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function RerunButton({ runId, slug }: { runId: string; slug: string }) {
  const router = useRouter();
  const rerun = useAction(rerunRunAction, {
    success: (d) => `Run #${d.number} started`,
    onSuccess: (d) => router.push(`/projects/${slug}/builds/${d.number}`),
  });
  return (
    <Button variant="outline" disabled={rerun.pending} onClick={() => void rerun.run({ runId })}>
      {rerun.pending ? <Loader2 className="animate-spin" /> : <RotateCw />} Re-run
    </Button>
  );
}

/**
 * A run page under its server-rendered data: the header (status, commit,
 * trigger, times, Cancel and Re-run for those allowed), the task graph, the
 * selected task's steps and logs, the results and promotions, all kept
 * current by one stream.
 */
export function RunDetail({ page, capBytes }: { page: RunPage; capBytes: number }) {
  const initial = page;
  const first = useMemo(() => defaultSelection(initial), [initial]);
  // The reader's own pick, once they made one; until then the page follows the run (defaultSelection).
  const [picked, setPicked] = useState<{ task: string | null; step: string | null } | null>(null);
  const [followed, setFollowed] = useState(first);
  const { state, log, ended } = useRunLive(initial, (picked ?? followed).step);
  const auto = defaultSelection(state);
  // Adjusting state while rendering (React's pattern for state derived from changing input): a step that starts is opened, one that ended stays open.
  if (!picked && (auto.task !== followed.task || auto.step !== followed.step) && (auto.step || !followed.step)) setFollowed(auto);
  const { task: taskName, step: openStep } = picked ?? followed;
  const pick = (task: string | null, step: string | null) => setPicked({ task, step });

  const byName = new Map(state.tasks.map((t) => [t.name, t]));
  const task = taskName ? byName.get(taskName) : undefined;

  const active = !ended;
  const duration = state.startedAt ? (state.finishedAt ? new Date(state.finishedAt).getTime() : null) : null;
  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span>
              Run #{page.number} · {page.service} · {page.ref}
            </span>
            <StatusBadge status={state.status} data-testid="run-status" className="text-sm" />
          </span>
        }
        description={<RunSummary page={page} state={state} durationEnd={duration} />}
        actions={
          <>
            {page.rights.cancel && active && <CancelRunButton run={page} />}
            {page.rights.rerun && <RerunButton runId={page.id} slug={page.project.slug} />}
          </>
        }
      />
      <BuildsTabs slug={page.project.slug} />
      {state.reason && (
        <p
          className={cn(
            "mb-4 rounded-md border px-3 py-2 text-sm",
            state.status === "failed" ? "border-destructive/50 text-destructive" : "text-muted-foreground",
          )}
          role="status"
        >
          {state.reason}
        </p>
      )}
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          <section aria-labelledby="graph-title" className="space-y-2">
            <h2 id="graph-title" className="text-sm font-medium text-muted-foreground">
              Tasks
            </h2>
            <ol className="flex flex-col gap-3 p-1 sm:flex-row sm:flex-wrap sm:items-start" aria-label="Task graph, in order of dependencies">
              {state.columns.map((column, i) => (
                <li key={i} className="flex items-center gap-3">
                  {i > 0 && <ChevronRight className="hidden size-4 shrink-0 text-muted-foreground sm:block" aria-hidden />}
                  <ul className="flex w-full flex-col gap-2">
                    {column.map((name) => (
                      <li key={name}>
                        <TaskNode
                          name={name}
                          task={byName.get(name)}
                          selected={name === taskName}
                          onSelect={() => {
                            const t = byName.get(name);
                            const failed = t?.steps.find((s) => s.status === "failed");
                            pick(name, failed?.id ?? t?.steps.find((s) => s.status === "running")?.id ?? null);
                          }}
                        />
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          </section>

          <section aria-labelledby="steps-title" className="space-y-2">
            <h2 id="steps-title" className="text-sm font-medium">
              {taskName ? (
                <>
                  Steps of <span className="font-mono">{taskName}</span>
                  {task?.reason && task.status !== "succeeded" && <span className="ml-2 font-normal text-muted-foreground">{task.reason}</span>}
                </>
              ) : (
                "Steps"
              )}
            </h2>
            {!task || task.steps.length === 0 ? (
              <p className="text-sm text-muted-foreground">
                {task?.status === "skipped" ? "This task was skipped." : ended ? "This task did not run." : "This task has not started yet."}
              </p>
            ) : (
              <ul className="space-y-2">
                {task.steps.map((s) => (
                  <StepRow
                    key={s.id}
                    step={s}
                    open={openStep === s.id}
                    onToggle={() => pick(taskName, openStep === s.id ? null : s.id)}
                    log={log}
                    live={!ended}
                    capBytes={capBytes}
                  />
                ))}
              </ul>
            )}
          </section>
        </div>
        <div className="space-y-6">
          <ResultsCard state={state} />
          <PromotionsCard promotions={state.promotions} />
          <ChainCard page={page} />
        </div>
      </div>
    </>
  );
}

function RunSummary({ page, state, durationEnd }: { page: RunPage; state: RunState; durationEnd: number | null }) {
  const firstLine = page.commit.message.split("\n")[0] ?? "";
  return (
    <span className="flex flex-col gap-1">
      <span>
        {page.commit.sha ? (
          <span className="font-mono">{page.commit.sha.slice(0, 7)}</span>
        ) : (
          <span>
            Head of {page.refKind === "tag" ? "tag" : "branch"} {page.ref}
          </span>
        )}
        {firstLine && <span> {firstLine}</span>}
        {page.commit.author && <span className="text-muted-foreground"> — {page.commit.author}</span>}
      </span>
      <span>
        {page.trigger === "push" ? "Pushed" : page.trigger === "webhook" ? "Webhook" : "Run by hand"}
        {page.requestedBy && <> by {page.requestedBy.name || page.requestedBy.email}</>}
        {state.startedAt ? (
          <>
            {" "}
            · started <TimeAgo date={state.startedAt} />
            {durationEnd !== null && <> · took {formatDuration(durationEnd - new Date(state.startedAt).getTime())}</>}
          </>
        ) : (
          <>
            {" "}
            · created <TimeAgo date={page.createdAt} />
          </>
        )}
        {page.clusterName && <> · on {page.clusterName}</>}
      </span>
    </span>
  );
}

function ChainCard({ page }: { page: RunPage }) {
  if (!page.rerunOf && page.reruns.length === 0) return null;
  const link = (n: number) => (
    <Link className="underline underline-offset-4" href={`/projects/${page.project.slug}/builds/${n}`}>
      #{n}
    </Link>
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>Re-runs</CardTitle>
      </CardHeader>
      <CardContent className="space-y-1 text-sm">
        {page.rerunOf && (
          <p>
            A re-run of {link(page.rerunOf.number)} ({page.rerunOf.status}).
          </p>
        )}
        {page.reruns.length > 0 && (
          <p>
            Run again as{" "}
            {page.reruns.map((r, i) => (
              <span key={r.number}>
                {i > 0 && ", "}
                {link(r.number)} ({r.status})
              </span>
            ))}
            .
          </p>
        )}
      </CardContent>
    </Card>
  );
}

function ResultsCard({ state }: { state: RunState }) {
  const r = state.results;
  const hasTests = r.testsPassed !== null || r.testsFailed !== null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Results</CardTitle>
      </CardHeader>
      <CardContent>
        {!r.imageUrl && !hasTests && r.coverage === null ? (
          <p className="text-sm text-muted-foreground">
            {ENDED.includes(state.status) ? "This run produced no results." : "Results appear when the run ends."}
          </p>
        ) : (
          <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
            {r.imageUrl && (
              <>
                <dt className="text-muted-foreground">Image</dt>
                <dd className="font-mono break-all">{r.imageUrl}</dd>
              </>
            )}
            {r.imageDigest && (
              <>
                <dt className="text-muted-foreground">Digest</dt>
                <dd className="font-mono break-all">{r.imageDigest}</dd>
              </>
            )}
            {hasTests && (
              <>
                <dt className="text-muted-foreground">Tests</dt>
                <dd data-testid="run-tests">
                  {r.testsPassed ?? 0} passed,{" "}
                  <span className={cn((r.testsFailed ?? 0) > 0 && "font-medium text-destructive")}>{r.testsFailed ?? 0} failed</span>, {r.testsSkipped ?? 0}{" "}
                  skipped
                </dd>
              </>
            )}
            {r.coverage !== null && (
              <>
                <dt className="text-muted-foreground">Coverage</dt>
                <dd>{r.coverage.toFixed(1)} %</dd>
              </>
            )}
          </dl>
        )}
      </CardContent>
    </Card>
  );
}

/** Where the run was promoted: a release per environment, a production deploy ticket, or why not (with Retry for those allowed). */
export function PromotionsCard({ promotions }: { promotions: RunState["promotions"] }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Promotion</CardTitle>
      </CardHeader>
      <CardContent>
        {promotions.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing was promoted from this run (its branch policy deploys nowhere, or the run has not ended).</p>
        ) : (
          <ul className="divide-y text-sm" aria-label="Promotions">
            {promotions.map((p) => (
              <li key={p.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="promotion">
                <span className="w-16 font-medium">{p.environment}</span>
                <span className="text-muted-foreground">{p.action === "ticket" ? "deploy ticket" : "deploy"}</span>
                <StatusBadge status={p.status} tones={{ released: "success", "ticket-opened": "warning", blocked: "destructive" }} />
                {p.release && (
                  <Link className="underline underline-offset-4" href={`/releases/${p.release.id}`}>
                    Release #{p.release.number} ({p.release.status.replace(/_/g, " ")})
                  </Link>
                )}
                {p.ticket && (
                  <Link className="underline underline-offset-4" href={`/tickets/${p.ticket.number}`}>
                    Ticket #{p.ticket.number}
                  </Link>
                )}
                {p.reason && <span className="basis-full text-muted-foreground">{p.reason}</span>}
                {p.canRetry && <RetryPromotionButton id={p.id} environment={p.environment} />}
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

/** Evaluates a promotion again (the gates are read anew: after a threshold was lowered, or a busy environment freed). */
function RetryPromotionButton({ id, environment }: { id: string; environment: string }) {
  const { run, pending } = useAction(retryPromotionAction, { success: (o) => `Promotion to ${environment}: ${o.status.replace(/_/g, " ")}` });
  return (
    <Button size="sm" variant="outline" disabled={pending} onClick={() => void run({ promotionId: id })}>
      <RotateCw /> Retry promotion
    </Button>
  );
}
