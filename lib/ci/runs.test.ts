/**
 * CI runs against a sandbox build cluster (its Tekton controller) and a real
 * worker: a run started by hand is executed and recorded (tasks, steps,
 * logs, results), a failing test fails the run at the test step, the
 * concurrency policy queues or supersedes runs, cancel ends a run, a pod
 * deleted behind Wharf's back fails the run with the reason, a build cluster
 * that is down keeps the run waiting until it answers, and only those
 * allowed may start or cancel runs.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { cancelRun, getCiRun, rerunRun, startRun } from "./runs";
import { ciProject, registerBuildCluster, runReaches, runWithSteps } from "./testing";

const env = sandboxForThisFile({ clusters: [{ name: "build-east", region: "us-east" }], simulation: { ...FAST_SIMULATION, tektonStepMs: 60 } });
workerForThisFile({ concurrency: 10 });

let admin: Ctx;
let clusterId: string;

function kube() {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster("build-east").kubeconfig);
  return kc;
}

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  clusterId = await registerBuildCluster(admin, env.sandbox);
});

async function member(role: "owner" | "maintainer" | "developer" | "viewer", slug: string, opts: { settings?: object; services?: string[] } = {}) {
  const user = await makeUser("developer", `${role} of ${slug}`);
  const { project, owner } = await ciProject(clusterId, slug, { members: role === "owner" ? [] : [[user, role]], ...opts });
  return { project, ctx: await ctxFor(role === "owner" ? owner : user), owner };
}

describe("a run started by hand", () => {
  it("runs on the build cluster to succeeded, with its tasks, steps, logs and results recorded", async () => {
    const { project, ctx } = await member("developer", "shop");
    const { id } = await startRun(ctx, { projectSlug: "shop", service: "api", branch: "develop", params: { "commit-message": "Add the cart" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    expect(run).toMatchObject({ projectId: project.id, trigger: "manual", ref: "develop", clusterName: "build-east", namespace: "shop-ci" });
    expect(run.params).toMatchObject({ "git-revision": "develop", "commit-message": "Add the cart", build: "true", push: "true" });
    expect(run.imageUrl).toMatch(/^registry\.wharf\.local\/shop\/api:develop/);
    expect(run.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.testsPassed).toBeGreaterThan(0);
    expect(run.testsFailed).toBe(0);
    expect(run.coverage).toBeGreaterThan(0);
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();

    const full = await runWithSteps(id);
    expect(full.tasks.map((t) => t.name).sort()).toEqual(["build", "clone", "push", "test"]);
    for (const t of full.tasks) {
      expect(t.status).toBe("succeeded");
      expect(t.durationMs).toBeGreaterThanOrEqual(0);
      for (const s of t.steps) {
        expect(s).toMatchObject({ status: "succeeded", exitCode: 0, logArchived: true });
        expect(s.startedAt).not.toBeNull();
      }
    }
    const clone = full.tasks.find((t) => t.name === "clone")!.steps[0]!;
    expect(clone.log).toContain("Cloning");
    expect(clone.log).toContain("Add the cart");
    const push = full.tasks.find((t) => t.name === "push")!.steps.find((s) => s.name === "push")!;
    expect(push.log).toContain(run.imageDigest);
    const audit = await db().auditEvent.findFirst({ where: { action: "ci.run.start", targetId: id } });
    expect(audit?.after).toMatchObject({ trigger: "manual", ref: "develop" });

    // History outlives the cluster's objects.
    await kube()
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ group: "tekton.dev", version: "v1", namespace: "shop-ci", plural: "pipelineruns", name: run.pipelineRunName });
    expect((await getCiRun(ctx, id)).tasks).toHaveLength(4);
  });

  it("fails at the test step of a [fail-tests] commit, with the test's log", async () => {
    const { ctx } = await member("maintainer", "shop-red");
    const { id } = await startRun(ctx, { projectSlug: "shop-red", service: "api", branch: "feature/x", params: { "commit-message": "Break it [fail-tests]" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/^Task test failed: .*exited with code 1/);
    expect(run.testsFailed).toBeGreaterThan(0);
    const full = await runWithSteps(id);
    const test = full.tasks.find((t) => t.name === "test")!;
    expect(test.status).toBe("failed");
    const failedStep = test.steps.find((s) => s.status === "failed")!;
    expect(failedStep.exitCode).not.toBe(0);
    expect(failedStep.log).toMatch(/fail/i);
    expect(failedStep.logArchived).toBe(true);
    // feature/* neither builds nor pushes.
    expect(full.tasks.find((t) => t.name === "build")?.status ?? "skipped").toBe("skipped");
  });

  it("re-runs a finished run as a new run with the same ref and params", async () => {
    const { ctx } = await member("developer", "shop-again");
    const first = await startRun(ctx, { projectSlug: "shop-again", service: "api", branch: "develop", params: { "commit-message": "Once" } });
    await runReaches(first.id, ["succeeded", "failed"]);
    const again = await rerunRun(ctx, { runId: first.id });
    const run = await runReaches(again.id, ["succeeded", "failed"]);
    expect(run).toMatchObject({ status: "succeeded", rerunOfId: first.id, ref: "develop" });
    expect(run.params).toMatchObject({ "commit-message": "Once" });
  });
});

describe("cancel", () => {
  it("cancels a running run: Tekton cancels it and the run ends cancelled with who did it", async () => {
    const { ctx } = await member("developer", "shop-stop");
    const { id } = await startRun(ctx, { projectSlug: "shop-stop", service: "api", branch: "develop", params: { "commit-message": "Slowly [slow]" } });
    await until(async () => (await db().ciStep.findFirst({ where: { runId: id, status: "running" } })) ?? null, 20_000, "a running step");
    await cancelRun(ctx, { runId: id });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status).toBe("cancelled");
    expect(run.reason).toContain(`Cancelled by ${ctx.actor.email}`);
    expect(await db().auditEvent.count({ where: { action: "ci.run.cancel", targetId: id } })).toBe(1);
  });
});

describe("the concurrency policy", () => {
  it("queue: with maxConcurrent 1 a second run waits PipelineRunPending and starts when the first ends", async () => {
    const { ctx } = await member("developer", "shop-queue", { settings: { concurrency: { maxConcurrent: 1, onBusy: "queue" } } });
    const first = await startRun(ctx, { projectSlug: "shop-queue", service: "api", branch: "develop", params: { "commit-message": "First [slow]" } });
    await runReaches(first.id, ["running"]);
    const second = await startRun(ctx, { projectSlug: "shop-queue", service: "api", branch: "develop", params: { "commit-message": "Second" } });
    const waiting = await runReaches(second.id, ["pending"]);
    const pr = (await kube().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: "tekton.dev",
      version: "v1",
      namespace: "shop-queue-ci",
      plural: "pipelineruns",
      name: waiting.pipelineRunName,
    })) as {
      spec: { status?: string };
    };
    expect(pr.spec.status).toBe("PipelineRunPending");
    expect(waiting.reason).toMatch(/free slot/);

    const firstDone = await runReaches(first.id, ["succeeded", "failed", "cancelled"]);
    const secondDone = await runReaches(second.id, ["succeeded", "failed", "cancelled"], 60_000);
    expect(firstDone.status).toBe("succeeded");
    expect(secondDone.status).toBe("succeeded");
    // The second started only after the first had ended.
    expect(secondDone.startedAt!.getTime()).toBeGreaterThanOrEqual(firstDone.finishedAt!.getTime() - 1_000);
  });

  it("cancel-superseded: a newer run of the same branch cancels the older one", async () => {
    const { ctx } = await member("developer", "shop-super", { settings: { concurrency: { maxConcurrent: 2, onBusy: "cancel-superseded" } } });
    const old = await startRun(ctx, { projectSlug: "shop-super", service: "api", branch: "develop", params: { "commit-message": "Old [slow]" } });
    await runReaches(old.id, ["running"]);
    const other = await startRun(ctx, { projectSlug: "shop-super", service: "api", branch: "feature/other", params: { "commit-message": "Other" } });
    const newer = await startRun(ctx, { projectSlug: "shop-super", service: "api", branch: "develop", params: { "commit-message": "New" } });
    const oldDone = await runReaches(old.id, ["succeeded", "failed", "cancelled"]);
    expect(oldDone.status).toBe("cancelled");
    expect(oldDone.reason).toMatch(/Superseded by a newer run of develop/);
    expect((await runReaches(newer.id, ["succeeded", "failed", "cancelled"], 60_000)).status).toBe("succeeded");
    expect((await runReaches(other.id, ["succeeded", "failed", "cancelled"], 60_000)).status).toBe("succeeded");
  });
});

describe("faults", () => {
  it("a pod deleted out of band fails the run with the reason", async () => {
    const { ctx } = await member("developer", "shop-oob");
    const { id } = await startRun(ctx, { projectSlug: "shop-oob", service: "api", branch: "develop", params: { "commit-message": "Slowly [slow]" } });
    // The pod is found on the cluster, not in Wharf's records: under load the
    // recorded "running" task may already have ended there.
    const core = kube().makeApiClient(CoreV1Api);
    const pod = await until(
      async () => {
        const pods = await core.listNamespacedPod({ namespace: "shop-oob-ci" });
        return pods.items.find((p) => p.status?.phase === "Running" && p.metadata?.labels?.["tekton.dev/pipelineTask"]) ?? null;
      },
      20_000,
      "a running task pod",
    );
    const task = { name: pod.metadata!.labels!["tekton.dev/pipelineTask"]! };
    await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: "shop-oob-ci" });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(new RegExp(`Task ${task.name} failed: .*was deleted`));
  });

  it("a build cluster that is down keeps the run queued with the reason, and it runs once the cluster answers", async () => {
    const { ctx } = await member("developer", "shop-down");
    const cluster = env.sandbox.cluster("build-east");
    await cluster.stop();
    let id = "";
    try {
      ({ id } = await startRun(ctx, { projectSlug: "shop-down", service: "api", branch: "develop", params: { "commit-message": "While down" } }));
      const waiting = await until(
        async () => {
          const r = await db().ciRun.findUnique({ where: { id } });
          return r?.reason.startsWith("Waiting for the build cluster build-east") ? r : null;
        },
        20_000,
        "the run to wait for the cluster",
      );
      expect(waiting.status).toBe("queued");
    } finally {
      await cluster.start();
    }
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"], 60_000);
    expect(run.status).toBe("succeeded");
  });
});

describe("who may start and cancel runs", () => {
  it("refuses a viewer, a member of another project and a platform ops without a role; allows admins to cancel", async () => {
    const { ctx: developer } = await member("developer", "shop-rights");
    const viewer = await makeUser("developer", "viewer of shop-rights");
    await db().projectMember.create({
      data: { projectId: (await db().project.findUniqueOrThrow({ where: { slug: "shop-rights" } })).id, userId: viewer.id, role: "viewer" },
    });
    const { ctx: stranger } = await member("owner", "elsewhere");
    const ops = await ctxFor(await makeUser("ops"));
    const input = { projectSlug: "shop-rights", service: "api", branch: "develop" };
    for (const ctx of [await ctxFor(viewer), stranger, ops]) {
      await expect(startRun(ctx, input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    const before = await db().ciRun.count({ where: { project: { slug: "shop-rights" } } });
    expect(before).toBe(0);

    const { id } = await startRun(developer, { ...input, params: { "commit-message": "Slowly [slow]" } });
    await expect(cancelRun(await ctxFor(viewer), { runId: id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Another project's member does not learn that the run exists.
    await expect(cancelRun(stranger, { runId: id })).rejects.toSatisfy((e) => e instanceof AppError && e.code === "NOT_FOUND");
    await expect(rerunRun(await ctxFor(viewer), { runId: id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await cancelRun(ops, { runId: id });
    expect((await runReaches(id, ["succeeded", "failed", "cancelled"])).status).toBe("cancelled");
  });

  it("refuses params the branch policy decides", async () => {
    const { ctx } = await member("developer", "shop-params");
    await expect(startRun(ctx, { projectSlug: "shop-params", service: "api", branch: "feature/x", params: { push: "true" } })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});
