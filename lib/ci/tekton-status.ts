/**
 * What Wharf reads of Tekton's PipelineRuns and TaskRuns (v1 status, as the
 * Tekton controller writes it), parsed loosely: fields Wharf does not use
 * are kept, fields it uses are checked. Pure: the follower maps them to rows.
 */
import { z } from "zod";

const ZCondition = z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() });
const ZResult = z.looseObject({ name: z.string(), value: z.unknown() });

const ZStepState = z.looseObject({
  name: z.string(),
  container: z.string().optional(),
  running: z.looseObject({ startedAt: z.string().optional() }).optional(),
  waiting: z.looseObject({ reason: z.string().optional() }).optional(),
  terminated: z
    .looseObject({
      exitCode: z.number().int(),
      reason: z.string().optional(),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
    })
    .optional(),
  terminationReason: z.string().optional(),
});

export const ZTaskRun = z.looseObject({
  metadata: z.looseObject({ name: z.string(), labels: z.record(z.string(), z.string()).optional() }),
  status: z
    .looseObject({
      podName: z.string().optional(),
      startTime: z.string().optional(),
      completionTime: z.string().optional(),
      conditions: z.array(ZCondition).optional(),
      steps: z.array(ZStepState).optional(),
      results: z.array(ZResult).optional(),
    })
    .optional(),
});
export type TTaskRun = z.output<typeof ZTaskRun>;

export const ZPipelineRun = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({ status: z.string().optional() }).optional(),
  status: z
    .looseObject({
      startTime: z.string().optional(),
      completionTime: z.string().optional(),
      conditions: z.array(ZCondition).optional(),
      results: z.array(ZResult).optional(),
      skippedTasks: z.array(z.looseObject({ name: z.string(), reason: z.string().optional() })).optional(),
    })
    .optional(),
});
export type TPipelineRun = z.output<typeof ZPipelineRun>;

export type RunStatus = "queued" | "pending" | "running" | "succeeded" | "failed" | "cancelled";

function succeeded(conditions: z.output<typeof ZCondition>[] | undefined) {
  return conditions?.find((c) => c.type === "Succeeded");
}

/** The run's status from its PipelineRun's `Succeeded` condition. */
export function pipelineRunStatus(pr: TPipelineRun): { status: RunStatus; reason: string } {
  const c = succeeded(pr.status?.conditions);
  if (!c) return { status: pr.spec?.status === "PipelineRunPending" ? "pending" : "running", reason: "" };
  if (c.status === "True") return { status: "succeeded", reason: c.message ?? "" };
  if (c.status === "False") return { status: c.reason === "Cancelled" ? "cancelled" : "failed", reason: c.message ?? c.reason ?? "" };
  return { status: c.reason === "PipelineRunPending" ? "pending" : "running", reason: c.reason === "PipelineRunPending" ? "Waiting for a free slot" : "" };
}

export type TaskStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled" | "skipped";

export function taskRunStatus(tr: TTaskRun): { status: TaskStatus; reason: string } {
  const c = succeeded(tr.status?.conditions);
  if (!c) return { status: "pending", reason: "" };
  if (c.status === "True") return { status: "succeeded", reason: "" };
  if (c.status === "False") return { status: c.reason === "TaskRunCancelled" ? "cancelled" : "failed", reason: c.message ?? c.reason ?? "" };
  return { status: tr.status?.startTime && c.reason !== "Pending" ? "running" : "pending", reason: c.reason === "Pending" ? (c.message ?? "") : "" };
}

export type StepStatus = "waiting" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

export function stepStatus(s: z.output<typeof ZStepState>): {
  status: StepStatus;
  reason: string;
  startedAt: Date | null;
  durationMs: number | null;
  exitCode: number | null;
} {
  if (s.terminated) {
    const t = s.terminated;
    const why = s.terminationReason ?? t.reason ?? "";
    const status: StepStatus = why === "Skipped" ? "skipped" : why === "TaskRunCancelled" ? "cancelled" : t.exitCode === 0 ? "succeeded" : "failed";
    const startedAt = t.startedAt ? new Date(t.startedAt) : null;
    const durationMs = startedAt && t.finishedAt ? Math.max(0, new Date(t.finishedAt).getTime() - startedAt.getTime()) : null;
    return { status, reason: why === "Completed" ? "" : why, startedAt, durationMs, exitCode: t.exitCode };
  }
  if (s.running)
    return { status: "running", reason: "", startedAt: s.running.startedAt ? new Date(s.running.startedAt) : null, durationMs: null, exitCode: null };
  return { status: "waiting", reason: s.waiting?.reason ?? "", startedAt: null, durationMs: null, exitCode: null };
}

/** The results Wharf records, from the TaskRuns' results and the PipelineRun's (the latter win). */
export function runResults(pr: TPipelineRun, taskRuns: TTaskRun[]) {
  const values = new Map<string, string>();
  for (const tr of taskRuns) for (const r of tr.status?.results ?? []) if (typeof r.value === "string") values.set(r.name.toUpperCase(), r.value);
  for (const r of pr.status?.results ?? []) if (typeof r.value === "string") values.set(r.name.toUpperCase(), r.value);
  const int = (k: string) => {
    const v = values.get(k);
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;
  };
  const cov = values.get("COVERAGE");
  return {
    imageUrl: values.get("IMAGE_URL") ?? "",
    imageDigest: values.get("IMAGE_DIGEST") ?? "",
    testsPassed: int("TESTS_PASSED"),
    testsFailed: int("TESTS_FAILED"),
    testsSkipped: int("TESTS_SKIPPED"),
    coverage: cov !== undefined && Number.isFinite(Number(cov)) && cov.trim() !== "" ? Number(cov) : null,
  };
}
