/**
 * What the run page shows (/projects/<slug>/builds/<number>) and what its
 * live stream sends: the run, its tasks and steps (no logs), the task graph
 * as it ran, the results, the re-run chain and the promotions; a step's log
 * read from a line or a byte offset. Every read is authorized with
 * `ci.pipeline.read` on the run's project; a run outside the reader's
 * projects is NOT_FOUND, as a missing one.
 */
import { z } from "zod";
import { can, projectResource, scopeOf } from "@/lib/access/policy";
import { ZProjectSlug } from "@/lib/catalog/schemas";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/db/generated/client";
import { AppError, parseInput } from "@/lib/errors";
import { graphColumns, graphOfRun, type TRunGraph } from "./graph";
import { promotionsForReader, type PromotionView } from "./promote";

/** Run statuses after which nothing changes any more. */
export const ENDED_RUN_STATUSES: readonly string[] = ["succeeded", "failed", "cancelled"];

export function isRunActive(status: string) {
  return !ENDED_RUN_STATUSES.includes(status);
}

/** A step as the page lists it: everything but the log. */
export interface RunStepView {
  id: string;
  name: string;
  position: number;
  status: string;
  reason: string;
  startedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  logBytes: number;
  logTruncated: boolean;
  logArchived: boolean;
}

export interface RunTaskView {
  id: string;
  name: string;
  status: string;
  reason: string;
  startedAt: string | null;
  durationMs: number | null;
  steps: RunStepView[];
}

export interface RunResultsView {
  imageUrl: string;
  imageDigest: string;
  testsPassed: number | null;
  testsFailed: number | null;
  testsSkipped: number | null;
  coverage: number | null;
}

/** The part of a run that changes while it runs (what the stream sends, JSON-safe: dates as ISO strings). */
export interface RunState {
  id: string;
  number: number;
  status: string;
  reason: string;
  cancelRequested: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  results: RunResultsView;
  graph: TRunGraph;
  /** Task names by dependency depth: the graph's columns. */
  columns: string[][];
  tasks: RunTaskView[];
  promotions: RunPromotionView[];
  /** Every environment of the run's branch rule has its promotion and none waits: nothing more will change. */
  promotionsSettled: boolean;
}

/** A promotion as the page shows it (dates as ISO strings: the state also travels as JSON). */
export type RunPromotionView = Omit<PromotionView, "updatedAt"> & { updatedAt: string };

export interface RunPage extends RunState {
  project: { id: string; slug: string; name: string };
  service: string;
  ref: string;
  refKind: string;
  commit: { sha: string; message: string; author: string };
  trigger: string;
  requestedBy: { name: string; email: string } | null;
  clusterName: string;
  createdAt: string;
  rerunOf: { number: number; status: string } | null;
  reruns: { number: number; status: string }[];
  rights: { cancel: boolean; rerun: boolean };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function inScope(ctx: Ctx, projectId: string) {
  const scope = scopeOf(ctx.actor, "ci.pipeline.read");
  return scope.all || scope.projectIds.includes(projectId);
}

const STATE_SELECT = {
  id: true,
  number: true,
  projectId: true,
  status: true,
  reason: true,
  cancelRequested: true,
  startedAt: true,
  finishedAt: true,
  imageUrl: true,
  imageDigest: true,
  testsPassed: true,
  testsFailed: true,
  testsSkipped: true,
  coverage: true,
  graph: true,
  ref: true,
  refKind: true,
  project: { select: { ciSettings: { select: { settings: true } } } },
  tasks: {
    orderBy: { startedAt: { sort: "asc", nulls: "last" } },
    select: {
      id: true,
      name: true,
      status: true,
      reason: true,
      startedAt: true,
      durationMs: true,
      steps: {
        orderBy: { position: "asc" },
        select: {
          id: true,
          name: true,
          position: true,
          status: true,
          reason: true,
          startedAt: true,
          durationMs: true,
          exitCode: true,
          logBytes: true,
          logTruncated: true,
          logArchived: true,
        },
      },
    },
  },
} satisfies Prisma.CiRunSelect;

type StateRow = NonNullable<Awaited<ReturnType<typeof readStateRow>>>;

function readStateRow(where: { id: string } | { projectId_number: { projectId: string; number: number } }) {
  return db().ciRun.findUnique({ where, select: STATE_SELECT });
}

async function toState(ctx: Ctx, row: StateRow): Promise<RunState> {
  const { promotions, settled } = await promotionsForReader(ctx, { ...row, settings: row.project.ciSettings?.settings });
  const graph = graphOfRun(
    row.graph,
    row.tasks.map((t) => t.name),
  );
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    reason: row.reason,
    cancelRequested: row.cancelRequested,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    results: {
      imageUrl: row.imageUrl,
      imageDigest: row.imageDigest,
      testsPassed: row.testsPassed,
      testsFailed: row.testsFailed,
      testsSkipped: row.testsSkipped,
      coverage: row.coverage,
    },
    graph,
    columns: graphColumns(graph),
    tasks: row.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      status: t.status,
      reason: t.reason,
      startedAt: iso(t.startedAt),
      durationMs: t.durationMs,
      steps: t.steps.map((s) => ({ ...s, startedAt: iso(s.startedAt) })),
    })),
    promotions: promotions.map((p) => ({ ...p, updatedAt: p.updatedAt.toISOString() })),
    promotionsSettled: settled,
  };
}

const ZRunId = z.string().min(1, { message: "Give the run's id" }).max(40, { message: "A run id is at most 40 characters" });

/** The changing part of a run (the live stream's `state` event). */
export async function getRunState(ctx: Ctx, runId: string): Promise<RunState> {
  const id = parseInput(ZRunId, runId);
  const row = await readStateRow({ id });
  if (!row || !inScope(ctx, row.projectId)) throw new AppError("NOT_FOUND", "This run does not exist.");
  authorize(ctx, "ci.pipeline.read", projectResource(row.projectId));
  return toState(ctx, row);
}

const ZRunAddress = z.object({
  projectSlug: ZProjectSlug,
  number: z.coerce
    .number({ message: "A run number is a whole number, such as 12" })
    .int({ message: "A run number is a whole number, such as 12" })
    .min(1, { message: "Run numbers start at 1" })
    .max(2_147_483_647, { message: "There is no run with such a number" }),
});

/** A run page: the run #number of the project, with everything the page shows but the logs. */
export async function getRunPage(ctx: Ctx, projectSlug: string, number: number | string): Promise<RunPage> {
  const input = parseInput(ZRunAddress, { projectSlug, number });
  const project = await db().project.findUnique({ where: { slug: input.projectSlug }, select: { id: true, slug: true, name: true } });
  if (!project || !inScope(ctx, project.id)) throw new AppError("NOT_FOUND", `There is no project "${input.projectSlug}".`);
  authorize(ctx, "ci.pipeline.read", projectResource(project.id));
  const row = await readStateRow({ projectId_number: { projectId: project.id, number: input.number } });
  if (!row) throw new AppError("NOT_FOUND", `The project ${project.slug} has no run #${input.number}.`);
  const run = await db().ciRun.findUniqueOrThrow({
    where: { id: row.id },
    select: {
      service: true,
      ref: true,
      refKind: true,
      commitSha: true,
      message: true,
      author: true,
      trigger: true,
      requestedById: true,
      rerunOfId: true,
      clusterName: true,
      createdAt: true,
    },
  });
  const [requestedBy, rerunOf, reruns, state] = await Promise.all([
    run.requestedById ? db().user.findUnique({ where: { id: run.requestedById }, select: { name: true, email: true } }) : null,
    run.rerunOfId ? db().ciRun.findUnique({ where: { id: run.rerunOfId }, select: { number: true, status: true } }) : null,
    db().ciRun.findMany({ where: { rerunOfId: row.id }, orderBy: { number: "asc" }, select: { number: true, status: true }, take: 50 }),
    toState(ctx, row),
  ]);
  const resource = projectResource(project.id);
  return {
    ...state,
    project,
    service: run.service,
    ref: run.ref,
    refKind: run.refKind,
    commit: { sha: run.commitSha, message: run.message, author: run.author },
    trigger: run.trigger,
    requestedBy,
    clusterName: run.clusterName,
    createdAt: run.createdAt.toISOString(),
    rerunOf,
    reruns,
    rights: { cancel: can(ctx.actor, "ci.run.cancel", resource), rerun: can(ctx.actor, "ci.run.start", resource) },
  };
}

const ZStepLogQuery = z
  .object({
    stepId: z.string().min(1, { message: "Give the step's id" }).max(40),
    fromLine: z.number().int().min(0, { message: "Lines count from 0" }).optional(),
    fromByte: z.number().int().min(0, { message: "Bytes count from 0" }).optional(),
  })
  .strict();

export interface StepLog {
  stepId: string;
  runId: string;
  /** The log from the line (or byte) asked for. */
  text: string;
  /** Where `text` starts in the stored log, in bytes, and where it ends (what a reader has once it appended `text`). */
  fromByte: number;
  toByte: number;
  fromLine: number;
  truncated: boolean;
  archived: boolean;
}

/** A step's stored log (archived, or as far as it has arrived), from a line or a byte offset. */
export async function getStepLog(ctx: Ctx, stepId: string, opts: { fromLine?: number; fromByte?: number } = {}): Promise<StepLog> {
  const input = parseInput(ZStepLogQuery, { stepId, ...opts });
  const step = await db().ciStep.findUnique({
    where: { id: input.stepId },
    select: { id: true, runId: true, log: true, logTruncated: true, logArchived: true, task: { select: { run: { select: { projectId: true } } } } },
  });
  if (!step || !inScope(ctx, step.task.run.projectId)) throw new AppError("NOT_FOUND", "This step does not exist.");
  authorize(ctx, "ci.pipeline.read", projectResource(step.task.run.projectId));
  const all = Buffer.from(step.log, "utf8");
  let fromByte = Math.min(input.fromByte ?? 0, all.length);
  let fromLine = 0;
  if (input.fromLine !== undefined) {
    // The byte where line `fromLine` starts (or the end, past the last line).
    let at = 0;
    for (; fromLine < input.fromLine; fromLine++) {
      const nl = all.indexOf(0x0a, at);
      if (nl < 0) {
        at = all.length;
        break;
      }
      at = nl + 1;
    }
    fromByte = at;
  } else {
    for (let i = all.indexOf(0x0a); i >= 0 && i < fromByte; i = all.indexOf(0x0a, i + 1)) fromLine++;
  }
  return {
    stepId: step.id,
    runId: step.runId,
    text: all.subarray(fromByte).toString("utf8"),
    fromByte,
    toByte: all.length,
    fromLine,
    truncated: step.logTruncated,
    archived: step.logArchived,
  };
}
