/**
 * CI history for the Builds tab: a project's runs, filtered and paged newest
 * first by number (keyset on the run's number, so page 2,000 costs what page
 * 1 does), and the trends of its finished runs (duration percentiles, success
 * rate, the steps that fail most), computed in SQL. Reading needs
 * `ci.pipeline.read` on the project, as the run page does.
 */
import { z } from "zod";
import { can, projectResource } from "@/lib/access/policy";
import { authorize, type Ctx } from "@/lib/context";
import { db, type Prisma } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { ZProjectSlug } from "@/lib/catalog/schemas";

export const RUN_STATUSES = ["queued", "pending", "running", "succeeded", "failed", "cancelled"] as const;
export const RUN_TRIGGERS = ["push", "webhook", "manual"] as const;
/** Statuses of a run that is not over yet: the list refreshes itself while one is shown. */
export const ACTIVE_STATUSES: readonly string[] = ["queued", "pending", "running"];

/** Search params arrive as strings, empty when a filter is cleared: empty means "no filter". */
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blank, schema.optional());

export const ZListRuns = z.object({
  projectSlug: ZProjectSlug,
  service: optional(
    z
      .string()
      .trim()
      .max(63, { message: "A service name has at most 63 characters" })
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: "A service name: lower-case letters, digits and '-'" }),
  ),
  ref: optional(
    z
      .string()
      .trim()
      .max(200, { message: "A branch or tag has at most 200 characters" })
      .regex(/^[A-Za-z0-9._/-]+$/, { message: "A branch or tag: letters, digits, '.', '_', '-' and '/' only" }),
  ),
  status: optional(z.enum(RUN_STATUSES, { message: `Choose a status: ${RUN_STATUSES.join(", ")}` })),
  trigger: optional(z.enum(RUN_TRIGGERS, { message: `Choose a trigger: ${RUN_TRIGGERS.join(", ")}` })),
  author: optional(z.string().trim().max(200, { message: "Search authors with at most 200 characters" })),
  cursor: optional(
    z.coerce
      .number({ message: "The page cursor is a run number" })
      .int({ message: "The page cursor is a run number" })
      .min(1, { message: "The page cursor is a run number" })
      .max(2_147_483_647, { message: "The page cursor is a run number" }),
  ),
  take: optional(
    z.coerce.number({ message: "Show 1 to 100 runs" }).int().min(1, { message: "Show 1 to 100 runs" }).max(100, { message: "Show 1 to 100 runs" }),
  ),
});
export type TListRuns = z.input<typeof ZListRuns>;
/** The filters of the list, as the page's search params carry them. */
export const RUN_FILTERS = ["service", "ref", "status", "trigger", "author"] as const;

const RUN_ROW = {
  id: true,
  number: true,
  service: true,
  ref: true,
  refKind: true,
  commitSha: true,
  message: true,
  author: true,
  trigger: true,
  status: true,
  reason: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} as const satisfies Prisma.CiRunSelect;

/** One row of the runs list. `durationMs` is null until the run has started (and runs on while it is not over). */
export interface RunRow {
  id: string;
  number: number;
  service: string;
  ref: string;
  refKind: string;
  commitSha: string;
  /** The commit message's first line. */
  title: string;
  author: string;
  trigger: string;
  status: string;
  reason: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
}

async function readableProject(ctx: Ctx, slug: string) {
  const project = await db().project.findUnique({
    where: { slug },
    select: { id: true, slug: true, name: true, services: { select: { slug: true }, orderBy: { slug: "asc" } } },
  });
  if (!project) throw new AppError("NOT_FOUND", `There is no project "${slug}".`);
  authorize(ctx, "ci.pipeline.read", projectResource(project.id));
  return project;
}

function rowOf(r: Prisma.CiRunGetPayload<{ select: typeof RUN_ROW }>): RunRow {
  const { message, ...rest } = r;
  const end = r.finishedAt ?? (r.startedAt ? new Date() : null);
  return {
    ...rest,
    title: message.split("\n", 1)[0]!.trim(),
    durationMs: r.startedAt && end ? Math.max(0, end.getTime() - r.startedAt.getTime()) : null,
  };
}

/**
 * A project's runs, newest first, `take` (default 50) at a time: `cursor` is
 * the number of the last run already shown. Filters: service, branch or tag
 * (exact), status, trigger, author (part of the name or e-mail).
 */
export async function listRuns(ctx: Ctx, raw: TListRuns) {
  const input = parseInput(ZListRuns, raw);
  const project = await readableProject(ctx, input.projectSlug);
  const take = input.take ?? 50;
  const where: Prisma.CiRunWhereInput = {
    projectId: project.id,
    ...(input.service ? { service: input.service } : {}),
    ...(input.ref ? { ref: input.ref } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.trigger ? { trigger: input.trigger } : {}),
    ...(input.author ? { author: { contains: input.author, mode: "insensitive" } } : {}),
    ...(input.cursor ? { number: { lt: input.cursor } } : {}),
  };
  const rows = await db().ciRun.findMany({ where, orderBy: { number: "desc" }, take: take + 1, select: RUN_ROW });
  const page = rows.slice(0, take).map(rowOf);
  const resource = projectResource(project.id);
  return {
    project: { id: project.id, slug: project.slug, name: project.name, services: project.services.map((s) => s.slug) },
    runs: page,
    /** The cursor of the next page; null on the last one. */
    nextCursor: rows.length > take ? page[page.length - 1]!.number : null,
    /** Something on this page is not over yet. */
    active: page.some((r) => ACTIVE_STATUSES.includes(r.status)),
    rights: {
      start: can(ctx.actor, "ci.run.start", resource),
      editSettings: can(ctx.actor, "ci.settings.edit", resource),
    },
  };
}
export type RunsPage = Awaited<ReturnType<typeof listRuns>>;

export const ZRunTrends = z.object({
  projectSlug: ZProjectSlug,
  service: optional(
    z
      .string()
      .trim()
      .max(63, { message: "A service name has at most 63 characters" })
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: "A service name: lower-case letters, digits and '-'" }),
  ),
  days: optional(
    z.coerce
      .number({ message: "Days: a whole number from 1 to 365" })
      .int({ message: "Days: a whole number from 1 to 365" })
      .min(1, { message: "Days: a whole number from 1 to 365" })
      .max(365, { message: "Days: a whole number from 1 to 365" }),
  ),
});
export type TRunTrends = z.input<typeof ZRunTrends>;

/** Duration percentiles of finished runs: of one day (or, day null, the whole period), of one service (or, service null, all). */
export interface DurationPoint {
  day: string | null;
  service: string | null;
  runs: number;
  p50Ms: number;
  p95Ms: number;
}
/** One day's outcomes; `rate` is succeeded / (succeeded + failed), null when none finished either way. */
export interface SuccessPoint {
  day: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  rate: number | null;
}
/** A step that failed, how often, and the last run it failed in. */
export interface FailingStep {
  task: string;
  step: string;
  count: number;
  lastFailedAt: Date;
  lastRunNumber: number;
}

/**
 * The trends of a project's runs over the last `days` (default 30), by day
 * (UTC) of the run's end: duration p50/p95 of finished runs (succeeded or
 * failed; cancelled runs say nothing of how long a build takes) per day and
 * service, per day for all services, and per service over the whole period; the success rate, and the ten steps that failed most.
 */
export async function runTrends(ctx: Ctx, raw: TRunTrends) {
  const input = parseInput(ZRunTrends, raw);
  const project = await readableProject(ctx, input.projectSlug);
  const days = input.days ?? 30;
  const since = new Date(Date.now() - days * 86_400_000);
  const service = input.service ?? null;
  const [durations, outcomes, failing] = await Promise.all([
    db().$queryRaw<{ day: string | null; service: string | null; runs: bigint; p50: number; p95: number }[]>`
      with finished as (
        select to_char(date_trunc('day', "finishedAt"), 'YYYY-MM-DD') as day, service,
               extract(epoch from "finishedAt" - "startedAt") * 1000 as ms
          from "CiRun"
         where "projectId" = ${project.id}
           and status in ('succeeded', 'failed')
           and "finishedAt" >= ${since}
           and "startedAt" is not null
           and (${service}::text is null or service = ${service})
      )
      select day, service, count(*) as runs,
             percentile_cont(0.5) within group (order by ms) as p50,
             percentile_cont(0.95) within group (order by ms) as p95
        from finished
       group by grouping sets ((day, service), (day), (service))
       order by day nulls first, service nulls first`,
    db().$queryRaw<{ day: string; succeeded: bigint; failed: bigint; cancelled: bigint }[]>`
      select to_char(date_trunc('day', "finishedAt"), 'YYYY-MM-DD') as day,
             count(*) filter (where status = 'succeeded') as succeeded,
             count(*) filter (where status = 'failed') as failed,
             count(*) filter (where status = 'cancelled') as cancelled
        from "CiRun"
       where "projectId" = ${project.id}
         and status in ('succeeded', 'failed', 'cancelled')
         and "finishedAt" >= ${since}
         and (${service}::text is null or service = ${service})
       group by 1
       order by 1`,
    db().$queryRaw<{ task: string; step: string; count: bigint; last_failed_at: Date; last_run_number: number }[]>`
      select t.name as task, s.name as step, count(*) as count,
             max(r."finishedAt") as last_failed_at,
             (array_agg(r.number order by r."finishedAt" desc, r.number desc))[1] as last_run_number
        from "CiRun" r
        join "CiStep" s on s."runId" = r.id
        join "CiTask" t on t.id = s."taskId"
       where r."projectId" = ${project.id}
         and r.status = 'failed'
         and r."finishedAt" >= ${since}
         and s.status = 'failed'
         and (${service}::text is null or r.service = ${service})
       group by t.name, s.name
       order by count(*) desc, max(r."finishedAt") desc
       limit 10`,
  ]);
  return {
    project: { id: project.id, slug: project.slug, name: project.name, services: project.services.map((s) => s.slug) },
    days,
    service,
    durations: durations.map((d): DurationPoint => ({
      day: d.day,
      service: d.service,
      runs: Number(d.runs),
      p50Ms: Math.round(d.p50),
      p95Ms: Math.round(d.p95),
    })),
    success: outcomes.map((o): SuccessPoint => {
      const succeeded = Number(o.succeeded);
      const failed = Number(o.failed);
      return { day: o.day, succeeded, failed, cancelled: Number(o.cancelled), rate: succeeded + failed ? succeeded / (succeeded + failed) : null };
    }),
    failingSteps: failing.map((f): FailingStep => ({
      task: f.task,
      step: f.step,
      count: Number(f.count),
      lastFailedAt: f.last_failed_at,
      lastRunNumber: Number(f.last_run_number),
    })),
    rights: { editSettings: can(ctx.actor, "ci.settings.edit", projectResource(project.id)) },
  };
}
export type RunTrends = Awaited<ReturnType<typeof runTrends>>;
