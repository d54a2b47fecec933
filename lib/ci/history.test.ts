/**
 * The Builds tab's reads: a project's runs filtered and paged newest first,
 * the trends of its finished runs (percentiles, success rate, the steps that
 * fail most) on runs with known durations and outcomes, and who may read them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { listRuns, runTrends } from "./history";
import { startRun } from "./runs";

const DAY = 86_400_000;
/** Noon UTC `daysAgo` days ago, so a run and its end fall on one day. */
const noon = (daysAgo: number) => new Date(Math.floor(Date.now() / DAY) * DAY - daysAgo * DAY + DAY / 2);

interface Seed {
  service?: string;
  ref?: string;
  refKind?: "branch" | "tag";
  status?: "queued" | "pending" | "running" | "succeeded" | "failed" | "cancelled";
  trigger?: "push" | "webhook" | "manual";
  author?: string;
  message?: string;
  daysAgo?: number;
  durationMs?: number;
  failedStep?: [task: string, step: string];
}

/** Runs recorded as the worker records them (run, task, step), numbered in order. */
async function seedRuns(projectId: string, seeds: Seed[]) {
  const start = (await db().ciRun.aggregate({ where: { projectId }, _max: { number: true } }))._max.number ?? 0;
  const ids: string[] = [];
  for (const [i, s] of seeds.entries()) {
    const status = s.status ?? "succeeded";
    const startedAt = status === "queued" ? null : noon(s.daysAgo ?? 0);
    const finished = ["succeeded", "failed", "cancelled"].includes(status);
    const run = await db().ciRun.create({
      data: {
        projectId,
        number: start + i + 1,
        service: s.service ?? "api",
        ref: s.ref ?? "develop",
        refKind: s.refKind ?? "branch",
        commitSha: "ab".repeat(20),
        message: s.message ?? "Add the cart\n\nWith a longer body",
        author: s.author ?? "Dana <dana@wharf.local>",
        trigger: s.trigger ?? "push",
        status,
        reason: status === "failed" ? "Step test failed" : status === "pending" ? "Waiting for a slot" : "",
        startedAt,
        finishedAt: finished && startedAt ? new Date(startedAt.getTime() + (s.durationMs ?? 60_000)) : null,
      },
    });
    if (s.failedStep) {
      const task = await db().ciTask.create({ data: { runId: run.id, name: s.failedStep[0], status: "failed" } });
      await db().ciStep.create({ data: { runId: run.id, taskId: task.id, name: s.failedStep[1], status: "failed", exitCode: 1 } });
    }
    ids.push(run.id);
  }
  return ids;
}

let developer: Ctx;
let projectId: string;
const SLUG = "history-shop";

beforeAll(async () => {
  const owner = await makeUser("developer", "history owner");
  const dev = await makeUser("developer", "history developer");
  const project = await makeProject({ owner, slug: SLUG, lifecycle: "active", members: [[dev, "developer"]] });
  projectId = project.id;
  for (const s of ["api", "web"]) await db().service.create({ data: { projectId, slug: s, name: s } });
  developer = await ctxFor(dev);
  await seedRuns(projectId, [
    { service: "api", ref: "develop", status: "succeeded", trigger: "push", author: "Dana <dana@wharf.local>" },
    { service: "web", ref: "develop", status: "failed", trigger: "push", author: "Omar <omar@wharf.local>" },
    { service: "api", ref: "v1.0.0", refKind: "tag", status: "succeeded", trigger: "webhook", author: "" },
    { service: "api", ref: "feature/cart", status: "running", trigger: "manual", author: "Dana <dana@wharf.local>" },
    { service: "web", ref: "develop", status: "queued", trigger: "manual", author: "Dana <dana@wharf.local>" },
  ]);
});

describe("the runs list", () => {
  it("shows the newest run first, with the commit's first line and a duration for runs that started", async () => {
    const page = await listRuns(developer, { projectSlug: SLUG });
    expect(page.runs.map((r) => r.number)).toEqual([5, 4, 3, 2, 1]);
    expect(page.runs[4]).toMatchObject({ service: "api", ref: "develop", title: "Add the cart", status: "succeeded", durationMs: 60_000 });
    expect(page.runs[0]).toMatchObject({ status: "queued", durationMs: null });
    expect(page.active).toBe(true);
    expect(page.nextCursor).toBeNull();
    expect(page.project.services).toEqual(["api", "web"]);
    expect(page.rights).toEqual({ start: true, editSettings: false });
  });

  it("filters by service, branch or tag, status, trigger and author, alone or together", async () => {
    const numbers = async (f: Record<string, string>) => (await listRuns(developer, { projectSlug: SLUG, ...f })).runs.map((r) => r.number);
    expect(await numbers({ service: "web" })).toEqual([5, 2]);
    expect(await numbers({ ref: "v1.0.0" })).toEqual([3]);
    expect(await numbers({ status: "failed" })).toEqual([2]);
    expect(await numbers({ trigger: "manual" })).toEqual([5, 4]);
    expect(await numbers({ author: "OMAR" })).toEqual([2]);
    expect(await numbers({ service: "api", trigger: "push", author: "dana" })).toEqual([1]);
    // Cleared filters arrive as empty strings: no filter.
    expect(await numbers({ service: "", status: "", author: " " })).toEqual([5, 4, 3, 2, 1]);
    expect(await numbers({ status: "succeeded", service: "web" })).toEqual([]);
  });

  it("pages with Load more: each page starts after the last number shown, with no run twice or left out", async () => {
    const first = await listRuns(developer, { projectSlug: SLUG, take: "2" });
    expect(first.runs.map((r) => r.number)).toEqual([5, 4]);
    expect(first.nextCursor).toBe(4);
    const second = await listRuns(developer, { projectSlug: SLUG, take: 2, cursor: String(first.nextCursor) });
    expect(second.runs.map((r) => r.number)).toEqual([3, 2]);
    const third = await listRuns(developer, { projectSlug: SLUG, take: 2, cursor: second.nextCursor! });
    expect(third.runs.map((r) => r.number)).toEqual([1]);
    expect(third.nextCursor).toBeNull();
    expect(third.active).toBe(false);
    // Filters hold across pages.
    const failedOrWeb = await listRuns(developer, { projectSlug: SLUG, service: "web", take: 1 });
    expect((await listRuns(developer, { projectSlug: SLUG, service: "web", take: 1, cursor: failedOrWeb.nextCursor! })).runs.map((r) => r.number)).toEqual([2]);
  });

  it("answers bad filters with a message at each field, not a failure", async () => {
    const refused = await listRuns(developer, {
      projectSlug: SLUG,
      status: "broken",
      trigger: "cron",
      ref: "bad branch",
      service: "API!",
      cursor: "x",
      take: "1000",
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    const e = refused as AppError;
    expect(e.code).toBe("INVALID_INPUT");
    expect(Object.keys(e.fieldErrors ?? {}).sort()).toEqual(["cursor", "ref", "service", "status", "take", "trigger"]);
    expect(e.fieldErrors?.status?.[0]).toContain("succeeded");
  });
});

describe("trends", () => {
  it("computes duration p50/p95 per service and day, the success rate, and the steps that fail most", async () => {
    const owner = await makeUser("developer", "trends owner");
    const project = await makeProject({ owner, slug: "history-trends", lifecycle: "active" });
    const ctx = await ctxFor(owner);
    // Two days ago: api runs of 10, 20, 30, 40, 50 s (p50 30 s, p95 48 s); web: 100 s failed at test/unit.
    // Yesterday: api 60 s succeeded, api 120 s failed at build/build; one cancelled. 40 days ago: outside the window.
    await seedRuns(project.id, [
      ...[10, 20, 30, 40, 50].map((s): Seed => ({ service: "api", daysAgo: 2, durationMs: s * 1000 })),
      { service: "web", daysAgo: 2, durationMs: 100_000, status: "failed", failedStep: ["test", "unit"] },
      { service: "api", daysAgo: 1, durationMs: 60_000 },
      { service: "api", daysAgo: 1, durationMs: 120_000, status: "failed", failedStep: ["build", "build"] },
      { service: "api", daysAgo: 1, status: "cancelled", durationMs: 5_000 },
      { service: "web", daysAgo: 1, status: "failed", durationMs: 7_000, failedStep: ["test", "unit"] },
      { service: "api", daysAgo: 40, status: "failed", durationMs: 1_000, failedStep: ["clone", "clone"] },
      { service: "api", status: "running" },
    ]);
    const t = await runTrends(ctx, { projectSlug: "history-trends", days: 30 });
    const day2 = noon(2).toISOString().slice(0, 10);
    const day1 = noon(1).toISOString().slice(0, 10);
    const point = (day: string | null, service: string | null) => t.durations.find((d) => d.day === day && d.service === service);
    expect(point(day2, "api")).toEqual({ day: day2, service: "api", runs: 5, p50Ms: 30_000, p95Ms: 48_000 });
    expect(point(day2, "web")).toMatchObject({ runs: 1, p50Ms: 100_000, p95Ms: 100_000 });
    // All services of the day: 10..50 s and 100 s → p50 35 s, p95 87.5 s.
    expect(point(day2, null)).toMatchObject({ runs: 6, p50Ms: 35_000, p95Ms: 87_500 });
    // Cancelled runs do not count in durations.
    expect(point(day1, "api")).toMatchObject({ runs: 2, p50Ms: 90_000 });
    expect(t.durations.some((d) => d.day !== null && d.day < day2)).toBe(false);
    // Per service over the whole period: api 10..60 and 120 s (p50 40 s), web 100 and 7 s.
    expect(point(null, "api")).toMatchObject({ runs: 7, p50Ms: 40_000 });
    expect(point(null, "web")).toMatchObject({ runs: 2, p50Ms: 53_500 });

    expect(t.success).toEqual([
      { day: day2, succeeded: 5, failed: 1, cancelled: 0, rate: 5 / 6 },
      { day: day1, succeeded: 1, failed: 2, cancelled: 1, rate: 1 / 3 },
    ]);
    expect(t.failingSteps.map((f) => [f.task, f.step, f.count, f.lastRunNumber])).toEqual([
      ["test", "unit", 2, 10],
      ["build", "build", 1, 8],
    ]);

    const web = await runTrends(ctx, { projectSlug: "history-trends", service: "web" });
    expect(web.durations.filter((d) => d.service === null && d.day !== null).map((d) => d.runs)).toEqual([1, 1]);
    expect(web.failingSteps).toHaveLength(1);
    const bad = await runTrends(ctx, { projectSlug: "history-trends", days: "0" }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { days: ["Days: a whole number from 1 to 365"] } });
  });
});

describe("who may read the history", () => {
  it("refuses a member of another project and a developer with no role in this one, and lets ops and managers read", async () => {
    const other = await makeUser("developer", "history other member");
    await makeProject({ owner: other, slug: "history-elsewhere", lifecycle: "active" });
    const outsider = await makeUser("developer", "history outsider");
    for (const user of [other, outsider]) {
      const ctx = await ctxFor(user);
      await expect(listRuns(ctx, { projectSlug: SLUG })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(runTrends(ctx, { projectSlug: SLUG })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    for (const role of ["ops", "manager"] as const) {
      const page = await listRuns(await ctxFor(await makeUser(role)), { projectSlug: SLUG });
      expect(page.runs).toHaveLength(5);
      expect(page.rights.start).toBe(false);
    }
  });

  it("answers a project that does not exist as not found, before looking at any filter's runs", async () => {
    await expect(listRuns(developer, { projectSlug: "history-nowhere" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(runTrends(developer, { projectSlug: "history-nowhere" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("the Run dialog's answers", () => {
  it("says what a parameter name may be, and what a branch may be, at their fields", async () => {
    const refused = await startRun(developer, { projectSlug: SLUG, service: "api", branch: "bad branch", params: { "Bad Key": "x" } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "INVALID_INPUT" });
    const fields = (refused as AppError).fieldErrors ?? {};
    expect(fields["params.Bad Key"]).toEqual(["A parameter name is lower-case letters, digits and '-', starting with a letter (at most 63)"]);
    expect(fields.branch).toContain("Letters, digits, '.', '_', '-' and '/' only");
  });
});
