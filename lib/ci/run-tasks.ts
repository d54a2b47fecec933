/**
 * The cluster side of CI runs, as worker jobs:
 * - `ci_start_run` creates the PipelineRun on the build cluster, applying the
 *   project's concurrency policy (Tekton has none): over `maxConcurrent` the
 *   run is created PipelineRunPending; `cancel-superseded` also cancels older
 *   runs of the same service and ref. A build cluster that does not answer
 *   (or none marked for builds) keeps the run queued with the reason, and the
 *   job comes back: a run is never lost.
 * - `ci_dispatch` releases pending runs (clears spec.status) as slots free.
 * - `ci_cancel_run` sets spec.status Cancelled.
 * - `ci_follow_run` follows the PipelineRun, its TaskRuns and step logs
 *   until the run ends, writing CiRun, CiTask and CiStep rows and streaming
 *   each step's log (lib/ci/step-log.ts).
 * Start, dispatch and cancel of one project run one at a time (a graphile
 * queue per project), so slot counts never race.
 */
import { ApiException, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { followPodLog, type PodLogStream } from "@/lib/kube/pod-log";
import { z } from "zod";
import { systemCtx } from "@/lib/context";
import { recordAudit } from "@/lib/audit/record";
import { db, type Tx } from "@/lib/db/client";
import type { CiRun as CiRunRow } from "@/lib/db/generated/client";
import { env } from "@/lib/env";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { connectCluster, type ClusterConnection } from "@/lib/kube/connection";
import { describeClusterFailure } from "@/lib/kube/gateway";
import { childLogger } from "@/lib/log";
import { ciNamespace, MANAGED_BY, PIPELINE_SERVICE_ACCOUNT } from "./generate";
import { findProjectBuildCluster } from "./input";
import { enqueuePromotion } from "./promote";
import { ciSettingsOf } from "./settings";
import { graphOfPipelineSpec } from "./graph";
import { CI_CHANNEL, StepLogSink } from "./step-log";
import { pipelineRunStatus, runResults, stepStatus, taskRunStatus, ZPipelineRun, ZTaskRun, type TTaskRun } from "./tekton-status";

const log = childLogger("ci-runs");

/** Start, dispatch and cancel of one project's runs go through this queue, one job at a time. */
export function projectQueue(projectId: string) {
  return `ci:${projectId}`;
}

const ACTIVE = ["queued", "pending", "running"] as const;
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
/** How often a running run's PipelineRun and TaskRuns are read. */
const FOLLOW_POLL_MS = 400;
/** A follow job hands over to a fresh one after this long (a worker restart loses at most this much). */
const FOLLOW_BUDGET_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pipelineRunName(service: string, runId: string) {
  return `${service.slice(0, 30)}-${runId.slice(-12)}`.toLowerCase();
}

function prRef(run: { namespace: string; pipelineRunName: string }): KubernetesObject & { metadata: { name: string; namespace: string } } {
  return { apiVersion: "tekton.dev/v1", kind: "PipelineRun", metadata: { name: run.pipelineRunName, namespace: run.namespace } };
}

async function mergePatch(conn: ClusterConnection, obj: KubernetesObject & { spec: Record<string, unknown> }) {
  return conn.objects.patch(obj, undefined, undefined, "wharf", undefined, PatchStrategy.MergePatch);
}

/** Tells open run pages (lib/ci/run-stream.ts) that the run changed; sent with the caller's transaction when it has one. */
export async function announceRun(client: Tx | ReturnType<typeof db>, runId: string, status: string) {
  await client.$executeRaw`select pg_notify(${CI_CHANNEL}, ${JSON.stringify({ kind: "run", runId, status })})`;
}

/** A task or step of the run changed (status, times, exit code): open run pages read them again. */
async function announceTasks(runId: string) {
  await db().$executeRaw`select pg_notify(${CI_CHANNEL}, ${JSON.stringify({ kind: "tasks", runId })})`;
}

const ZRunPayload = z.object({ runId: z.string().min(1), attempt: z.number().int().min(0).default(0) });

export const ciStartRunTask = defineTask({
  name: "ci_start_run",
  payload: ZRunPayload,
  description: "Create a CI run's PipelineRun on the build cluster (pending when the project's runs are all busy)",
  async run({ runId, attempt }) {
    const run = await db().ciRun.findUnique({
      where: { id: runId },
      include: { project: { select: { slug: true, ciSettings: { select: { settings: true } } } } },
    });
    if (!run || run.status !== "queued" || run.pipelineRunName) return;
    const retry = async (reason: string) => {
      await db().ciRun.update({ where: { id: run.id }, data: { reason } });
      await announceRun(db(), run.id, "queued");
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      await enqueue(
        ciStartRunTask,
        { runId, attempt: attempt + 1 },
        { queue: projectQueue(run.projectId), runAt: new Date(Date.now() + delay), maxAttempts: 25 },
      );
    };
    const cluster = await findProjectBuildCluster(run.projectId);
    if (!cluster) return retry("Waiting for a build cluster: no cluster is marked for builds");
    const { concurrency } = ciSettingsOf(run.project.ciSettings?.settings);
    const namespace = ciNamespace(run.project.slug);
    const name = pipelineRunName(run.service, run.id);
    let conn: ClusterConnection;
    try {
      conn = await connectCluster(cluster.id);
      // Older runs of the same service and ref give way to this one.
      if (concurrency.onBusy === "cancel-superseded") await cancelSuperseded(run);
      const busy = await db().ciRun.count({ where: { projectId: run.projectId, status: "running", cancelRequested: false, id: { not: run.id } } });
      const waiting = await db().ciRun.count({ where: { projectId: run.projectId, status: "pending", createdAt: { lt: run.createdAt } } });
      const pending = busy >= concurrency.maxConcurrent || waiting > 0;
      const pr = {
        apiVersion: "tekton.dev/v1",
        kind: "PipelineRun",
        metadata: {
          name,
          namespace,
          labels: { [MANAGED_BY]: "wharf", "wharf.dev/project": run.project.slug, "wharf.dev/service": run.service, "wharf.dev/ci-run": run.id },
        },
        spec: {
          pipelineRef: { name: run.service },
          params: Object.entries(z.record(z.string(), z.string()).parse(run.params)).map(([n, value]) => ({ name: n, value })),
          taskRunTemplate: { serviceAccountName: PIPELINE_SERVICE_ACCOUNT },
          workspaces: [{ name: "source", volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } }],
          ...(pending ? { status: "PipelineRunPending" } : {}),
        },
      };
      try {
        await conn.objects.create(pr);
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 409)) throw e;
      }
      const started = await db().$transaction(async (tx) => {
        // Only a run still waiting to start: one cancelled meanwhile keeps its status (its PipelineRun is cancelled below).
        const n = await tx.ciRun.updateMany({
          where: { id: run.id, status: "queued", cancelRequested: false },
          data: {
            status: pending ? "pending" : "running",
            reason: pending ? `Waiting for a free slot (at most ${concurrency.maxConcurrent} runs of this project at once)` : "",
            clusterId: cluster.id,
            clusterName: cluster.name,
            namespace,
            pipelineRunName: name,
            startedAt: pending ? null : new Date(),
          },
        });
        if (!n.count) return false;
        await announceRun(tx, run.id, pending ? "pending" : "running");
        await enqueue(ciFollowRunTask, { runId: run.id }, { jobKey: `ci-follow-${run.id}`, maxAttempts: 25 }, tx);
        return true;
      });
      if (!started) {
        await db().ciRun.update({ where: { id: run.id }, data: { clusterId: cluster.id, clusterName: cluster.name, namespace, pipelineRunName: name } });
        await mergePatch(conn, { ...prRef({ namespace, pipelineRunName: name }), spec: { status: "Cancelled" } });
      }
    } catch (e) {
      const failure = describeClusterFailure(cluster.name, "", e, env().WHARF_CLUSTER_TIMEOUT_MS);
      if (failure.apiStatus && failure.apiStatus !== 429 && failure.apiStatus < 500) {
        // The cluster answered and refused: waiting will not help.
        await finish(run.id, run.projectId, "failed", `The build cluster ${cluster.name} refused the PipelineRun: ${failure.reason}`);
        return;
      }
      return retry(`Waiting for the build cluster ${cluster.name}: ${failure.reason}`);
    }
  },
});

/**
 * Cancels the project's older unfinished runs of the same service and ref (`cancel-superseded`).
 * The reason is recorded before the cluster is asked: the follower may see the PipelineRun
 * cancelled at once, and it keeps a recorded reason over Tekton's "was cancelled". The cluster
 * is asked by `ci_cancel_run`, as for a cancel by hand, so a cluster that does not answer is retried.
 */
async function cancelSuperseded(run: { id: string; projectId: string; service: string; ref: string; createdAt: Date; commitSha: string }) {
  const older = await db().ciRun.findMany({
    where: {
      projectId: run.projectId,
      service: run.service,
      ref: run.ref,
      status: { in: [...ACTIVE] },
      createdAt: { lt: run.createdAt },
      cancelRequested: false,
    },
  });
  const ctx = systemCtx();
  const reason = `Superseded by a newer run of ${run.ref}${run.commitSha ? ` (${run.commitSha.slice(0, 7)})` : ""}`;
  for (const o of older) {
    await db().$transaction(async (tx) => {
      const updated = await tx.ciRun.update({
        where: { id: o.id },
        data: o.pipelineRunName ? { cancelRequested: true, reason } : { cancelRequested: true, reason, status: "cancelled", finishedAt: new Date() },
        select: { status: true },
      });
      await announceRun(tx, o.id, updated.status);
      await recordAudit(tx, ctx, {
        action: "ci.run.cancel",
        target: { type: "ci_run", id: o.id, label: `${o.service} ${o.ref}` },
        projectId: o.projectId,
        before: { status: o.status },
        after: { cancelRequested: true, reason },
      });
      if (o.pipelineRunName) await enqueue(ciCancelRunTask, { runId: o.id }, { queue: projectQueue(o.projectId), jobKey: `ci-cancel-${o.id}` }, tx);
    });
  }
}

export const ciDispatchTask = defineTask({
  name: "ci_dispatch",
  payload: z.object({ projectId: z.string().min(1) }),
  description: "Start a project's pending CI runs (PipelineRunPending) while it has free slots",
  async run({ projectId }) {
    const settings = await db().ciSettings.findUnique({ where: { projectId }, select: { settings: true } });
    const { concurrency } = ciSettingsOf(settings?.settings);
    const busy = await db().ciRun.count({ where: { projectId, status: "running", cancelRequested: false } });
    const free = concurrency.maxConcurrent - busy;
    if (free <= 0) return;
    const next = await db().ciRun.findMany({ where: { projectId, status: "pending" }, orderBy: { createdAt: "asc" }, take: free });
    for (const run of next) {
      if (!run.clusterId) continue;
      try {
        const conn = await connectCluster(run.clusterId);
        await mergePatch(conn, { ...prRef(run), spec: { status: null } });
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) continue; // the follower records what happened to it
        throw e; // retried with backoff; the runs stay pending meanwhile
      }
      await db().$transaction(async (tx) => {
        await tx.ciRun.updateMany({ where: { id: run.id, status: "pending" }, data: { status: "running", reason: "", startedAt: new Date() } });
        await announceRun(tx, run.id, "running");
      });
    }
  },
});

export const ciCancelRunTask = defineTask({
  name: "ci_cancel_run",
  payload: z.object({ runId: z.string().min(1) }),
  description: "Cancel a CI run's PipelineRun (spec.status Cancelled)",
  async run({ runId }) {
    const run = await db().ciRun.findUnique({ where: { id: runId } });
    if (!run || TERMINAL.has(run.status)) return;
    if (!run.pipelineRunName || !run.clusterId) {
      await finish(run.id, run.projectId, "cancelled", run.reason || "Cancelled");
      return;
    }
    const conn = await connectCluster(run.clusterId);
    try {
      await mergePatch(conn, { ...prRef(run), spec: { status: "Cancelled" } });
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) await finish(run.id, run.projectId, "cancelled", run.reason || "Cancelled");
      else throw e;
    }
  },
});

/** Ends a run (once) and lets the project's pending runs take its slot. */
async function finish(
  runId: string,
  projectId: string,
  status: "succeeded" | "failed" | "cancelled",
  reason: string,
  results: Partial<ReturnType<typeof runResults>> = {},
) {
  await db().$transaction(async (tx) => {
    const n = await tx.ciRun.updateMany({
      where: { id: runId, status: { in: [...ACTIVE] } },
      data: { status, reason: reason.slice(0, 2_000), finishedAt: new Date(), ...results },
    });
    if (!n.count) return;
    await announceRun(tx, runId, status);
    // What the branch policy promotes (or why the gates stop it): a cancelled run promotes nothing.
    if (status !== "cancelled") await enqueuePromotion(tx, runId);
    await enqueue(ciDispatchTask, { projectId }, { queue: projectQueue(projectId), jobKey: `ci-dispatch-${projectId}` }, tx);
  });
}

/** Why a failed run failed, in words: the first failed task's message. */
function failureReason(prReason: string, taskRuns: TTaskRun[]) {
  for (const tr of taskRuns) {
    const t = taskRunStatus(tr);
    if (t.status === "failed") return `Task ${tr.metadata.labels?.["tekton.dev/pipelineTask"] ?? tr.metadata.name} failed: ${t.reason}`;
  }
  return prReason;
}

export const ciFollowRunTask = defineTask({
  name: "ci_follow_run",
  payload: z.object({ runId: z.string().min(1) }),
  description: "Follow a CI run's PipelineRun, TaskRuns and step logs until it ends, recording them",
  async run({ runId }) {
    await new Follower(runId).run();
  },
});

interface LiveStream {
  sink: StepLogSink;
  abort?: PodLogStream;
}

/** One run's follower: polls its PipelineRun and TaskRuns, writes what changed, streams each step's log once. */
class Follower {
  private readonly written = new Map<string, string>();
  private readonly streams = new Map<string, LiveStream>();
  private readonly taskIds = new Map<string, string>();
  private conn?: ClusterConnection;
  private graphStored = false;

  constructor(private readonly runId: string) {}

  async run() {
    const deadline = Date.now() + FOLLOW_BUDGET_MS;
    for (;;) {
      const run = await db().ciRun.findUnique({ where: { id: this.runId } });
      if (!run || !run.pipelineRunName || !run.clusterId) return this.closeStreams();
      if (TERMINAL.has(run.status)) return this.closeStreams();
      try {
        this.conn ??= await connectCluster(run.clusterId);
        const done = await this.tick(run, this.conn);
        if (done) return;
        if (run.reason.startsWith("Lost contact")) await db().ciRun.update({ where: { id: run.id }, data: { reason: "" } });
      } catch (e) {
        const failure = describeClusterFailure(run.clusterName, "", e, env().WHARF_CLUSTER_TIMEOUT_MS);
        log.warn({ runId: run.id, err: failure.message }, "following a CI run failed; trying again");
        await db().ciRun.update({ where: { id: run.id }, data: { reason: `Lost contact with the build cluster ${run.clusterName}: ${failure.reason}` } });
      }
      if (Date.now() > deadline) {
        await this.closeStreams();
        await enqueue(ciFollowRunTask, { runId: this.runId }, { jobKey: `ci-follow-${this.runId}-next`, maxAttempts: 25 });
        return;
      }
      await sleep(FOLLOW_POLL_MS);
    }
  }

  /** One look at the cluster; true when the run has ended and everything is recorded. */
  private async tick(run: CiRunRow, conn: ClusterConnection): Promise<boolean> {
    let raw: KubernetesObject;
    try {
      raw = await conn.objects.read(prRef(run));
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) {
        await this.closeStreams();
        await finish(
          run.id,
          run.projectId,
          run.cancelRequested ? "cancelled" : "failed",
          run.cancelRequested ? run.reason : "The PipelineRun was deleted from the build cluster before it finished",
        );
        return true;
      }
      throw e;
    }
    const pr = ZPipelineRun.parse(raw);
    if (run.graph === null && !this.graphStored) {
      // The graph as this run ran it (the page shows it even after the pipeline is regenerated or the PipelineRun pruned).
      const graph = graphOfPipelineSpec(pr.status?.pipelineSpec);
      if (graph) {
        await db().ciRun.update({ where: { id: run.id }, data: { graph } });
        this.graphStored = true;
      }
    }
    const list = await conn.objects.list(
      "tekton.dev/v1",
      "TaskRun",
      run.namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      `tekton.dev/pipelineRun=${run.pipelineRunName}`,
    );
    const taskRuns = list.items.map((o) => ZTaskRun.parse(o));
    for (const tr of taskRuns) await this.recordTaskRun(run.id, run.namespace, tr);
    for (const s of pr.status?.skippedTasks ?? [])
      await this.recordTask(run.id, s.name, { taskRunName: "", podName: "", status: "skipped", reason: s.reason ?? "", startedAt: null, durationMs: null });

    const { status, reason } = pipelineRunStatus(pr);
    if (!TERMINAL.has(status)) {
      if (status === "running" && run.status !== "running") {
        await db().ciRun.updateMany({
          where: { id: run.id, status: { in: ["pending", "queued"] } },
          data: { status: "running", reason: "", startedAt: run.startedAt ?? new Date() },
        });
        await announceRun(db(), run.id, "running");
      }
      return false;
    }
    // The run ended: the logs end with their steps; give each stream a moment to deliver its last lines.
    await this.closeStreams(5_000);
    // Steps' final states (a TaskRun ends with its steps terminated).
    const finalList = await conn.objects.list(
      "tekton.dev/v1",
      "TaskRun",
      run.namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      `tekton.dev/pipelineRun=${run.pipelineRunName}`,
    );
    const finalTaskRuns = finalList.items.map((o) => ZTaskRun.parse(o));
    for (const tr of finalTaskRuns) await this.recordTaskRun(run.id, run.namespace, tr, false);
    const why = status === "cancelled" ? run.reason || reason : status === "failed" ? failureReason(reason, finalTaskRuns) : "";
    await finish(run.id, run.projectId, status as "succeeded" | "failed" | "cancelled", why, runResults(pr, finalTaskRuns));
    return true;
  }

  private async recordTask(
    runId: string,
    name: string,
    data: { taskRunName: string; podName: string; status: string; reason: string; startedAt: Date | null; durationMs: number | null },
  ) {
    const key = `task:${name}`;
    const json = JSON.stringify(data);
    if (this.written.get(key) === json && this.taskIds.has(name)) return this.taskIds.get(name)!;
    const row = await db().ciTask.upsert({ where: { runId_name: { runId, name } }, create: { runId, name, ...data }, update: data, select: { id: true } });
    await announceTasks(runId);
    this.written.set(key, json);
    this.taskIds.set(name, row.id);
    return row.id;
  }

  private async recordTaskRun(runId: string, namespace: string, tr: TTaskRun, stream = true) {
    const name = tr.metadata.labels?.["tekton.dev/pipelineTask"] ?? tr.metadata.name;
    const t = taskRunStatus(tr);
    const startedAt = tr.status?.startTime ? new Date(tr.status.startTime) : null;
    const durationMs = startedAt && tr.status?.completionTime ? new Date(tr.status.completionTime).getTime() - startedAt.getTime() : null;
    const podName = tr.status?.podName ?? "";
    const taskId = await this.recordTask(runId, name, {
      taskRunName: tr.metadata.name,
      podName,
      status: t.status,
      reason: t.reason.slice(0, 2_000),
      startedAt,
      durationMs,
    });
    for (const [position, s] of (tr.status?.steps ?? []).entries()) {
      const st = stepStatus(s);
      const key = `step:${taskId}:${s.name}`;
      const data = { position, status: st.status, reason: st.reason, startedAt: st.startedAt, durationMs: st.durationMs, exitCode: st.exitCode };
      const json = JSON.stringify(data);
      let stepId = this.written.get(`${key}:id`);
      if (this.written.get(key) !== json || !stepId) {
        const row = await db().ciStep.upsert({
          where: { taskId_name: { taskId, name: s.name } },
          create: { taskId, runId, name: s.name, ...data },
          update: data,
          select: { id: true, logArchived: true },
        });
        stepId = row.id;
        await announceTasks(runId);
        this.written.set(key, json);
        this.written.set(`${key}:id`, row.id);
        if (row.logArchived) this.written.set(`${key}:archived`, "1");
      }
      // A step that waits has no log yet; a skipped one never has one.
      const hasLog = st.status !== "waiting" && st.status !== "skipped";
      if (stream && hasLog && podName && !this.streams.has(key) && !this.written.has(`${key}:archived`)) {
        await this.startStream(key, { runId, stepId }, namespace, podName, s.container ?? `step-${s.name}`);
      }
    }
  }

  private async startStream(key: string, ids: { runId: string; stepId: string }, namespace: string, pod: string, container: string) {
    const sink = new StepLogSink(ids, env().WHARF_CI_LOG_CAP_BYTES);
    await sink.reset();
    const entry: LiveStream = { sink };
    this.streams.set(key, entry);
    sink.finished.then(
      () => this.written.set(`${key}:archived`, "1"),
      (err) => log.warn({ err, key }, "a CI step's log could not be stored"),
    );
    try {
      entry.abort = await followPodLog(this.conn!.kc, { namespace, pod, container }, sink, { follow: true });
    } catch (e) {
      // The container is not there yet (or any more): try again at the next look.
      sink.destroy();
      this.streams.delete(key);
      log.debug({ err: (e as Error).message, key }, "a CI step's log is not readable yet");
    }
  }

  /** Waits up to `graceMs` for the open logs to end on their own, then ends them (what arrived is archived). */
  private async closeStreams(graceMs = 0) {
    const open = [...this.streams.values()];
    const ended = Promise.allSettled(open.map((s) => s.sink.finished));
    if (graceMs) await Promise.race([ended, sleep(graceMs)]);
    for (const s of open) {
      if (!s.sink.writableFinished && !s.sink.destroyed) {
        s.abort?.abort();
        if (!s.sink.writableEnded) s.sink.end();
      }
    }
    await Promise.race([ended, sleep(2_000)]);
    this.streams.clear();
  }
}
