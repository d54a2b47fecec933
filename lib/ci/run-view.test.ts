/**
 * The run page's data and its live stream, against a sandbox build cluster
 * (its Tekton controller) and a real worker: the page shows the task graph as
 * the run ran it, its steps (no logs) and results, the re-run chain and the
 * promotions; a run is hidden from those outside its project; a viewer may
 * read it but neither cancel nor re-run it. The stream route, over real
 * Postgres NOTIFY, sends a running step's lines in order, resumes after
 * Last-Event-ID without repeating a line, ends with the run, and answers 404
 * to someone who may not see the run.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as streamRoute } from "@/app/api/ci/runs/[id]/stream/route";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { graphColumns, graphOfPipelineSpec } from "./graph";
import { ciHub } from "./run-stream";
import { getRunPage, getStepLog } from "./run-view";
import { cancelRun, rerunRun, startRun } from "./runs";
import { ciProject, registerBuildCluster, runReaches } from "./testing";

const env = sandboxForThisFile({ clusters: [{ name: "build-east", region: "us-east" }], simulation: { ...FAST_SIMULATION, tektonStepMs: 150 } });
workerForThisFile({ concurrency: 10 });

let admin: Ctx;
let clusterId: string;
const open: { cancel: () => Promise<void> }[] = [];

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  clusterId = await registerBuildCluster(admin, env.sandbox);
});

afterAll(async () => {
  await Promise.all(open.map((r) => r.cancel()));
  await ciHub().close();
});

async function project(slug: string) {
  const developer = await makeUser("developer", `developer of ${slug}`);
  const viewer = await makeUser("developer", `viewer of ${slug}`);
  const { project } = await ciProject(clusterId, slug, {
    members: [
      [developer, "developer"],
      [viewer, "viewer"],
    ],
  });
  return { project, developer: await ctxFor(developer), viewer: await ctxFor(viewer) };
}

async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return (e as AppError).code;
}

interface SseEvent {
  event: string;
  id: string;
  data: string;
}

/** The events of a server-sent event stream, as a browser's EventSource parses them. */
function sse(body: ReadableStream<Uint8Array>) {
  const r = body.getReader();
  open.push({ cancel: () => r.cancel().catch(() => {}) });
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const lines = buffer
            .slice(0, end)
            .split("\n")
            .filter((l) => !l.startsWith(":") && !l.startsWith("retry:"));
          buffer = buffer.slice(end + 2);
          if (!lines.length) continue;
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? "";
          return { event: field("event") || "message", id: field("id"), data: field("data") };
        }
        const { value, done } = await r.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => r.cancel().catch(() => {}),
  };
}

function openStream(ctx: Ctx, runId: string, opts: { step?: string; lastEventId?: string } = {}) {
  const url = `http://localhost/api/ci/runs/${runId}/stream${opts.step ? `?step=${opts.step}` : ""}`;
  const req = new NextRequest(url, { headers: opts.lastEventId ? { "last-event-id": opts.lastEventId } : {} });
  return streamRoute.withActor(async () => ctx.actor)(req, { params: Promise.resolve({ id: runId }) });
}

describe("the task graph", () => {
  it("is read from the PipelineRun's resolved spec, with result references as edges, in columns by depth", () => {
    const graph = graphOfPipelineSpec({
      tasks: [
        { name: "clone" },
        { name: "lint", runAfter: ["clone"] },
        { name: "test", runAfter: ["clone"] },
        { name: "build", runAfter: ["lint"], params: [{ name: "x", value: "$(tasks.test.results.COVERAGE)" }] },
      ],
      finally: [{ name: "notify" }],
    });
    expect(graph?.tasks.find((t) => t.name === "build")?.runAfter.sort()).toEqual(["lint", "test"]);
    expect(graphColumns(graph!)).toEqual([["clone"], ["lint", "test"], ["build"], ["notify"]]);
    expect(graphOfPipelineSpec(undefined)).toBeNull();
  });
});

describe("a finished run's page", () => {
  it("shows the graph as it ran, each step without its log, the results and who may act", async () => {
    const { developer, viewer } = await project("runview");
    const { id, number } = await startRun(developer, { projectSlug: "runview", service: "api", branch: "develop" });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"], 60_000);
    expect(run.status, run.reason).toBe("succeeded");

    const page = await getRunPage(developer, "runview", number);
    expect(page).toMatchObject({ id, number, service: "api", ref: "develop", trigger: "manual", status: "succeeded", clusterName: "build-east" });
    expect(page.graph.tasks).toEqual([
      { name: "clone", runAfter: [] },
      { name: "test", runAfter: ["clone"] },
      { name: "build", runAfter: ["test"] },
      { name: "push", runAfter: ["build"] },
    ]);
    expect(page.columns).toEqual([["clone"], ["test"], ["build"], ["push"]]);
    expect(page.tasks.map((t) => t.name).sort()).toEqual(["build", "clone", "push", "test"]);
    for (const t of page.tasks) {
      expect(t.status).toBe("succeeded");
      for (const s of t.steps) {
        expect(s).toMatchObject({ status: "succeeded", exitCode: 0, logArchived: true });
        expect(s.startedAt).not.toBeNull();
        expect(s).not.toHaveProperty("log");
      }
    }
    expect(page.results.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(page.results.testsPassed).toBeGreaterThan(0);
    expect(page.results.testsFailed).toBe(0);
    expect(page.results.coverage).toBeGreaterThan(0);
    expect(page.rights).toEqual({ cancel: true, rerun: true });
    expect((await getRunPage(viewer, "runview", number)).rights).toEqual({ cancel: false, rerun: false });

    // An archived log, from a line.
    const clone = page.tasks.find((t) => t.name === "clone")!.steps[0]!;
    const whole = await getStepLog(developer, clone.id);
    expect(whole.archived).toBe(true);
    expect(whole.text).toContain("Cloning");
    const lines = whole.text.split("\n");
    const fromSecond = await getStepLog(developer, clone.id, { fromLine: 1 });
    expect(fromSecond.text).toBe(lines.slice(1).join("\n"));
    expect(fromSecond.fromLine).toBe(1);

    // The re-run chain, both ways.
    const again = await rerunRun(developer, { runId: id });
    const rerunPage = await getRunPage(developer, "runview", again.number);
    expect(rerunPage.rerunOf).toMatchObject({ number });
    expect((await getRunPage(developer, "runview", number)).reruns.map((r) => r.number)).toEqual([again.number]);
    await runReaches(again.id, ["succeeded", "failed", "cancelled"], 60_000);

    // The promotion its branch rule asks for (develop → dev), with the reason when it did not happen.
    const promotion = await until(async () => db().ciPromotion.findFirst({ where: { runId: id, status: { not: "pending" } } }), 30_000, "the run's promotion");
    const state = await getRunPage(developer, "runview", number);
    expect(state.promotions).toEqual([expect.objectContaining({ environment: "dev", action: "deploy", status: promotion.status, reason: promotion.reason })]);
    expect(state.promotionsSettled).toBe(true);
  });

  it("is NOT_FOUND for a number the project has no run with, for a member of another project and for someone with no role in it", async () => {
    const { developer } = await project("runhidden");
    const { number } = await startRun(developer, { projectSlug: "runhidden", service: "api", branch: "develop" });
    expect(await refusal(getRunPage(developer, "runhidden", 9_999))).toBe("NOT_FOUND");
    expect(await refusal(getRunPage(developer, "runhidden", "twelve"))).toBe("INVALID_INPUT");
    const other = await project("runother");
    expect(await refusal(getRunPage(other.developer, "runhidden", number))).toBe("NOT_FOUND");
    const stranger = await ctxFor(await makeUser("developer", "no role in runhidden"));
    expect(await refusal(getRunPage(stranger, "runhidden", number))).toBe("NOT_FOUND");
    // Ops and managers read every project's runs.
    expect((await getRunPage(await ctxFor(await makeUser("manager")), "runhidden", number)).number).toBe(number);
  });

  it("refuses a viewer's cancel and re-run, and lets the developer cancel", async () => {
    const { developer, viewer } = await project("runviewer");
    const { id, number } = await startRun(developer, {
      projectSlug: "runviewer",
      service: "api",
      branch: "develop",
      params: { "commit-message": "Slow one [slow]" },
    });
    expect(await refusal(cancelRun(viewer, { runId: id }))).toBe("FORBIDDEN");
    expect(await refusal(rerunRun(viewer, { runId: id }))).toBe("FORBIDDEN");
    await cancelRun(developer, { runId: id });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"], 60_000);
    expect(run.status).toBe("cancelled");
    expect((await getRunPage(viewer, "runviewer", number)).status).toBe("cancelled");
  });
});

describe("the run's live stream", () => {
  it("sends a running step's lines in order, resumes after Last-Event-ID without repeating one, and ends with the run", async () => {
    const { developer } = await project("runlive");
    const { id } = await startRun(developer, {
      projectSlug: "runlive",
      service: "api",
      branch: "develop",
      params: { "commit-message": "Watch me [slow]" },
    });

    // The state first, then again as tasks and steps move: wait for the test step to run.
    const stateStream = await openStream(developer, id);
    expect(stateStream.status).toBe(200);
    expect(stateStream.headers.get("content-type")).toContain("text/event-stream");
    const states = sse(stateStream.body!);
    let testStep: string | null = null;
    while (!testStep) {
      const e = await states.next();
      expect(e, "the stream ended before the test step ran").not.toBeNull();
      if (e!.event !== "state") continue;
      const state = JSON.parse(e!.data) as { tasks: { name: string; steps: { id: string; name: string; status: string }[] }[] };
      testStep = state.tasks.find((t) => t.name === "test")?.steps.find((s) => s.status === "running")?.id ?? null;
    }
    await states.cancel();

    // The step's log, live: each log event continues where the last one ended.
    const res = await openStream(developer, id, { step: testStep });
    const events = sse(res.body!);
    const logs: { id: string; offset: number; text: string }[] = [];
    let end: SseEvent | null = null;
    const liveBefore = await db().ciStep.findUniqueOrThrow({ where: { id: testStep } });
    expect(liveBefore.logArchived, "the step should still be running when the stream opens").toBe(false);
    for (;;) {
      const e = await events.next();
      if (!e) break;
      if (e.event === "log") {
        const msg = JSON.parse(e.data) as { offset: number; text: string };
        logs.push({ id: e.id, ...msg });
      }
      if (e.event === "end") {
        end = e;
        break;
      }
    }
    expect(end && JSON.parse(end.data)).toMatchObject({ status: "succeeded" });
    expect(logs.length).toBeGreaterThan(1);
    let at = 0;
    for (const l of logs) {
      expect(l.offset).toBe(at);
      at += Buffer.byteLength(l.text);
      expect(l.id).toBe(`${testStep}:${at}`);
    }
    const stored = await db().ciStep.findUniqueOrThrow({ where: { id: testStep } });
    expect(logs.map((l) => l.text).join("")).toBe(stored.log);

    // A reconnect after the first event gets the rest, and nothing it had.
    const resumed = sse((await openStream(developer, id, { step: testStep, lastEventId: logs[0]!.id })).body!);
    let rest = "";
    for (let e = await resumed.next(); e && e.event !== "end"; e = await resumed.next()) {
      if (e.event === "log") rest += (JSON.parse(e.data) as { text: string }).text;
    }
    expect(logs[0]!.text + rest).toBe(stored.log);
  });

  it("shows a waiting run cancelled at once, and then ends", async () => {
    const { project: p, developer } = await project("runwaiting");
    // A run still waiting for the worker (no PipelineRun yet): cancelling ends it without the cluster.
    const waiting = await db().ciRun.create({ data: { projectId: p.id, number: 1, service: "api", ref: "develop", trigger: "manual" } });
    const events = sse((await openStream(developer, waiting.id)).body!);
    const first = await events.next();
    expect(first?.event).toBe("state");
    expect(JSON.parse(first!.data)).toMatchObject({ status: "queued" });
    await cancelRun(developer, { runId: waiting.id });
    const next = await events.next();
    expect(next?.event).toBe("state");
    expect(JSON.parse(next!.data)).toMatchObject({ status: "cancelled", cancelRequested: true });
    expect((await events.next())?.event).toBe("end");
  });

  it("answers 404 to someone who may not see the run, and to a step of another run", async () => {
    const { developer } = await project("runsecret");
    const { id } = await startRun(developer, { projectSlug: "runsecret", service: "api", branch: "develop" });
    const stranger = await ctxFor(await makeUser("developer", "stranger to runsecret"));
    const refused = await openStream(stranger, id);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ code: "NOT_FOUND" });
    const other = await project("runsecret2");
    expect((await openStream(other.developer, id)).status).toBe(404);
    await until(async () => (await db().ciStep.count({ where: { runId: id } })) > 0 || null, 60_000, "a step of the run");
    const step = await db().ciStep.findFirstOrThrow({ where: { runId: id } });
    const { id: otherRun } = await startRun(other.developer, { projectSlug: "runsecret2", service: "api", branch: "develop" });
    expect((await openStream(other.developer, otherRun, { step: step.id })).status).toBe(404);
    await runReaches(id, ["succeeded", "failed", "cancelled"], 60_000);
    await runReaches(otherRun, ["succeeded", "failed", "cancelled"], 60_000);
  });
});
