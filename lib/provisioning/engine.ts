/**
 * The provisioning engine: stores a plan as a run of steps, runs each step as
 * a job (one per step per cluster), starts a step when the steps it depends
 * on have succeeded, records every attempt, and finishes the run exactly once.
 * Failed attempts are retried with graphile-worker's exponential backoff
 * (about 3 s, 7 s, 20 s, 55 s, ...); a step that finally failed is retried by
 * hand (`retryStep`). A run never claims success unless every step succeeded.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Prisma } from "@/lib/db/generated/client";
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { connectCluster } from "@/lib/kube/connection";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { childLogger } from "@/lib/log";
import { FinalStepError, planContributors, runFinishers, runKind, stepKind, type ProjectPlanInput, type RunOutcome, type StepDraft } from "./registry";

const log = childLogger("provisioning");

export const DEFAULT_MAX_ATTEMPTS = 8;

/** The steps of a plan (no side effects): used by the wizard's preview and by createRun. */
export function computePlan(input: ProjectPlanInput): StepDraft[] {
  const drafts = planContributors(input.kind).flatMap((c) => c.contribute(input));
  const keys = new Set<string>();
  for (const d of drafts) {
    if (keys.has(d.key)) throw new Error(`Two plan steps share the key ${d.key}`);
    keys.add(d.key);
    stepKind(d.kind); // unknown kinds fail here, not in a job
  }
  for (const d of drafts) for (const dep of d.dependsOn ?? []) if (!keys.has(dep)) throw new Error(`Step ${d.key} depends on unknown step ${dep}`);
  return drafts;
}

/** Stores the run and its steps and queues the steps that depend on nothing, in the caller's transaction. */
export async function createRun(
  tx: Tx,
  opts: { kind: string; projectId: string | null; ticketId?: string | null; createdById?: string | null; drafts: StepDraft[] },
): Promise<{ runId: string; steps: number }> {
  runKind(opts.kind); // an unknown kind fails here, before anything is stored
  const run = await tx.provisioningRun.create({
    data: {
      kind: opts.kind,
      projectId: opts.projectId,
      ticketId: opts.ticketId ?? null,
      createdById: opts.createdById ?? null,
      status: opts.drafts.length ? "running" : "succeeded",
      startedAt: new Date(),
      finishedAt: opts.drafts.length ? null : new Date(),
    },
  });
  const ids = new Map(opts.drafts.map((d) => [d.key, randomUUID()]));
  await tx.provisioningStep.createMany({
    data: opts.drafts.map((d, position) => ({
      id: ids.get(d.key)!,
      runId: run.id,
      position,
      kind: d.kind,
      title: d.title,
      clusterId: d.clusterId ?? null,
      environment: d.environment ?? null,
      target: d.target,
      spec: d.spec as Prisma.InputJsonValue,
      dependsOn: (d.dependsOn ?? []).map((k) => ids.get(k)!),
      maxAttempts: d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    })),
  });
  for (const d of opts.drafts) {
    if (!d.dependsOn?.length) await queueStep(tx, ids.get(d.key)!, d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }
  if (!opts.drafts.length) await finishRun(tx, run.id);
  return { runId: run.id, steps: opts.drafts.length };
}

async function queueStep(tx: Tx, stepId: string, maxAttempts: number) {
  // One job per step (job key): queuing again replaces a waiting job instead of doubling it.
  await enqueue(provisioningStepTask, { stepId }, { jobKey: `step:${stepId}`, maxAttempts }, tx);
}

/** Seconds graphile-worker waits before attempt n+1 (its own formula), for showing "next attempt at". */
export function backoffSeconds(attempt: number) {
  return Math.exp(Math.min(attempt, 10));
}

export const provisioningStepTask = defineTask({
  name: "provisioning_step",
  description: "Runs one provisioning step (idempotent), then starts the steps that waited for it",
  payload: z.object({ stepId: z.string().min(1) }),
  async run({ stepId }, { jobId, attempt, maxAttempts, log: jobLog }) {
    const step = await db().provisioningStep.findUnique({ where: { id: stepId }, include: { run: true } });
    if (!step) return; // the run was deleted
    const stepLog = jobLog.child({ stepId, kind: step.kind, runId: step.runId });
    if (!(await claimStep(stepId, jobId, attempt))) {
      // Done already, or held by another live job (a retry by hand while a backoff attempt runs): running it too would apply twice.
      stepLog.info({ status: step.status, heldBy: step.claimedJobId }, "step not claimed: nothing to do");
      return;
    }
    try {
      const def = stepKind(step.kind);
      const spec = def.spec.parse(step.spec);
      if (def.needsCluster && !step.clusterId) throw new Error("This step needs a cluster, and its cluster was removed from the registry.");
      const cluster = def.needsCluster ? await connectCluster(step.clusterId!) : undefined;
      const result = await def.run(spec, { stepId, runId: step.runId, projectId: step.run.projectId, attempt, log: stepLog, cluster });
      await db().$transaction(async (tx) => {
        // Steps of a run end one at a time: two dependencies of a step ending at once would each read the other as
        // unfinished (neither commit seen) and neither would queue it, leaving the run waiting forever.
        await tx.$queryRaw`select id from "ProvisioningRun" where id = ${step.runId} for update`;
        await tx.provisioningStep.updateMany({
          where: { id: stepId, claimedJobId: jobId },
          data: { status: "succeeded", result: (result ?? {}) as Prisma.InputJsonValue, lastError: "", finishedAt: new Date() },
        });
        await startDependents(tx, step.runId);
        await finishRunIfDone(tx, step.runId);
      });
      stepLog.info({ attempt }, "step succeeded");
    } catch (e) {
      const details =
        e instanceof AppError && e.fieldErrors
          ? ` (${Object.entries(e.fieldErrors)
              .map(([k, v]) => `${k}: ${v.join(" ")}`)
              .join("; ")})`
          : "";
      // A cluster's failure (an AppError) already names the cluster and says why.
      const message = e instanceof AppError ? `${e.userMessage}${details}` : e instanceof Error ? `${e.message}${details}` : String(e);
      const final = attempt >= maxAttempts || e instanceof FinalStepError;
      await db().$transaction(async (tx) => {
        await tx.provisioningStep.updateMany({
          where: { id: stepId, claimedJobId: jobId },
          data: {
            status: final ? "failed" : "retrying",
            lastError: message.slice(0, 2000),
            nextAttemptAt: final ? null : new Date(Date.now() + backoffSeconds(attempt) * 1000),
            finishedAt: final ? new Date() : null,
          },
        });
        if (final) await finishRunIfDone(tx, step.runId);
      });
      stepLog.warn({ attempt, maxAttempts, error: message }, final ? "step failed for good" : "step failed; it will be retried");
      // Non-final: let graphile-worker retry with backoff. Final: the failure is recorded; nothing left in the queue.
      if (!final) throw e;
    }
  },
});

/**
 * Takes a step for one job, atomically: a waiting step (pending, retrying),
 * or a running one whose job is this one (delivered again after its worker
 * died) or no longer holds a lock (its worker's pool was released). A step
 * held by a live job, or done, is not taken.
 */
async function claimStep(stepId: string, jobId: string, attempt: number): Promise<boolean> {
  const n = await db().$executeRaw`
    update "ProvisioningStep" s
       set status = 'running', attempts = ${attempt}, "startedAt" = coalesce(s."startedAt", now()), "nextAttemptAt" = null, "claimedJobId" = ${jobId}
     where s.id = ${stepId}
       and (s.status in ('pending', 'retrying')
            or (s.status = 'running'
                and (s."claimedJobId" in (${jobId}, '')
                     or not exists (select 1 from graphile_worker._private_jobs j where j.id::text = s."claimedJobId" and j.locked_at is not null))))`;
  return n === 1;
}

/** Queues the steps whose dependencies have all succeeded and that are not queued yet. */
async function startDependents(tx: Tx, runId: string) {
  const steps = await tx.provisioningStep.findMany({
    where: { runId },
    select: { id: true, status: true, dependsOn: true, attempts: true, maxAttempts: true },
  });
  const done = new Set(steps.filter((s) => s.status === "succeeded").map((s) => s.id));
  for (const s of steps) {
    if (s.status === "pending" && s.dependsOn.length && s.dependsOn.every((d) => done.has(d))) await queueStep(tx, s.id, s.maxAttempts);
  }
}

async function finishRunIfDone(tx: Tx, runId: string) {
  // Serialise finishing with other steps of the run ending at the same moment.
  await tx.$queryRaw`select id from "ProvisioningRun" where id = ${runId} for update`;
  const run = await tx.provisioningRun.findUniqueOrThrow({ where: { id: runId } });
  if (run.status !== "running") return;
  const steps = await tx.provisioningStep.findMany({ where: { runId }, select: { id: true, status: true, dependsOn: true } });
  const failed = new Set(steps.filter((s) => s.status === "failed").map((s) => s.id));
  if (steps.every((s) => s.status === "succeeded")) return finishRun(tx, runId, "succeeded");
  if (failed.size === 0) return;
  // A failed step ends the run once nothing else can still make progress: every other step is done, failed, or waits on a failed step.
  const blocked = (s: { id: string; dependsOn: string[] }, seen = new Set<string>()): boolean =>
    s.dependsOn.some(
      (d) =>
        failed.has(d) ||
        (!seen.has(d) &&
          blocked(
            steps.find((x) => x.id === d)!,
            new Set([...seen, d]),
          )),
    );
  const stillMoving = steps.some((s) => (s.status === "running" || s.status === "retrying" || s.status === "pending") && !blocked(s));
  if (!stillMoving) await finishRun(tx, runId, "failed");
}

async function finishRun(tx: Tx, runId: string, outcome: RunOutcome = "succeeded") {
  const run = await tx.provisioningRun.update({ where: { id: runId }, data: { status: outcome, finishedAt: new Date() } });
  await recordAudit(tx, systemCtx(`run-${runId}`), {
    action: `provisioning.${outcome}`,
    target: { type: "run", id: runId, label: run.kind },
    projectId: run.projectId,
    after: { kind: run.kind, status: outcome },
  });
  for (const fn of runFinishers(run.kind, "onFinished")) await fn(tx, run, outcome);
  log.info({ runId, kind: run.kind, outcome }, "run finished");
}

/** Runs a failed or waiting step again now (ops). A finished-as-failed run becomes running again. */
export async function retryStep(ctx: Ctx, stepId: string) {
  authorize(ctx, "provisioning.retry", platform);
  return db().$transaction(async (tx) => {
    const step = await tx.provisioningStep.findUnique({ where: { id: stepId }, include: { run: true } });
    if (!step) throw new AppError("NOT_FOUND", "This step no longer exists.");
    if (step.status === "succeeded" || step.status === "running") {
      throw new AppError("PRECONDITION_FAILED", step.status === "running" ? "This step is running right now." : "This step already succeeded.");
    }
    const deps = await tx.provisioningStep.findMany({ where: { id: { in: step.dependsOn } }, select: { status: true } });
    if (deps.some((d) => d.status !== "succeeded")) throw new AppError("PRECONDITION_FAILED", "Retry the steps this one depends on first.");
    await tx.provisioningStep.update({ where: { id: stepId }, data: { status: "pending", attempts: 0, nextAttemptAt: null, finishedAt: null } });
    if (step.run.status !== "running") {
      await tx.provisioningRun.update({ where: { id: step.runId }, data: { status: "running", finishedAt: null } });
      for (const fn of runFinishers(step.run.kind, "onResumed")) await fn(tx, step.run, "succeeded");
    }
    // Waiting pending dependents of a failed step start again once it succeeds.
    await queueStep(tx, stepId, step.maxAttempts);
    await recordAudit(tx, ctx, {
      action: "provisioning.retry",
      target: { type: "step", id: stepId, label: step.title },
      projectId: step.run.projectId,
      before: { status: step.status, attempts: step.attempts, lastError: step.lastError },
      after: { status: "pending" },
    });
  });
}

/** A run with its steps in order and each step's cluster name, as pages show it. */
export const RUN_WITH_STEPS = {
  steps: { orderBy: { position: "asc" }, include: { cluster: { select: { name: true } } } },
} as const satisfies Prisma.ProvisioningRunInclude;

/** A run with its steps and their clusters, for the ticket and project pages. */
export async function getRun(runId: string) {
  return db().provisioningRun.findUnique({ where: { id: runId }, include: RUN_WITH_STEPS });
}
