/**
 * Deploys on live (sandbox) clusters: a release rolls out on every cluster of
 * the environment, a crashing or unpullable image fails with the cluster's
 * reason (and is rolled back when the policy says so), two deploys at once
 * are refused, production waits for an approved ticket, and an unreachable
 * cluster makes a partial release that completes when retried.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun, retryStep } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { decideTicket } from "@/lib/tickets/engine";
import { createRelease, rollbackTo } from "./releases";
import { saveServiceSpec, getServiceSpec } from "./specs";
import { deploymentMatrix } from "./matrix";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";

process.env.WHARF_RELEASE_APPLY_ATTEMPTS = "2";
const env = sandboxForThisFile({ simulation: FAST_SIMULATION });
workerForThisFile();

let owner: Ctx;
let ops: Ctx;
let ids: Record<string, string>;

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  ops = await ctxFor(await makeUser("ops"));
  ids = {};
  for (const c of env.sandbox.clusters)
    ids[c.name] = (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id;
});

/** A provisioned project with dev on both clusters and prod on one, and an api service with a small spec. */
async function project(slug: string, opts: { autoRollback?: boolean; minReadySeconds?: number; probes?: Record<string, unknown> } = {}) {
  const user = await makeUser("developer", `owner ${slug}`);
  const p = await makeProject({ owner: user, slug });
  owner = await ctxFor(user);
  const admin = await ctxFor(await makeUser("admin"));
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds: [ids["sandbox-east"]!, ids["sandbox-west"]!] });
  await setEnvironment(admin, { projectId: p.id, kind: "prod", clusterIds: [ids["sandbox-east"]!] });
  const drafts = computePlan(await loadPlanInput(p.id, "onboarding"));
  const { runId } = await db().$transaction((tx) => createRun(tx, { kind: "onboarding", projectId: p.id, drafts }));
  await until(async () => (await getRun(runId))?.status === "succeeded", 30_000, "provisioning");
  const service = await db().service.create({ data: { projectId: p.id, slug: "api", name: "API", kind: "api" } });
  const { spec } = await getServiceSpec(owner, service.id);
  await saveServiceSpec(owner, {
    serviceId: service.id,
    baseVersion: 0,
    spec: {
      ...spec,
      image: { repository: `registry.example.com/${slug}/api` },
      replicas: 2,
      ...(opts.probes ? { probes: opts.probes } : {}),
      // minReadySeconds is real time in the sandbox; 0 keeps the tests that are not about it quick.
      rollout: { progressDeadlineSeconds: 30, minReadySeconds: opts.minReadySeconds ?? 0, autoRollback: opts.autoRollback ?? false },
    },
  });
  return { project: p, service };
}

async function finished(releaseId: string, timeoutMs = 40_000) {
  return until(
    async () => {
      const r = await db().release.findUniqueOrThrow({ where: { id: releaseId } });
      return ["succeeded", "failed", "rolled_back", "rejected"].includes(r.status) ? r : null;
    },
    timeoutMs,
    `release ${releaseId}`,
  );
}

async function imageOn(cluster: string, namespace: string) {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster(cluster).kubeconfig);
  const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "api", namespace });
  return { image: d.spec?.template.spec?.containers[0]?.image, ready: d.status?.readyReplicas ?? 0 };
}

const refused = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

describe("releases", () => {
  it("rolls a new image out on every cluster of the environment, and a second release replaces it", async () => {
    const { service } = await project("rel-basic");
    const v1 = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" });
    expect(v1.status).toBe("queued");
    expect((await finished(v1.id)).status).toBe("succeeded");
    for (const c of ["sandbox-east", "sandbox-west"])
      expect(await imageOn(c, "rel-basic-dev")).toEqual({ image: "registry.example.com/rel-basic/api:v1", ready: 2 });
    const v2 = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v2", strategy: "one_cluster_first" });
    const done = await finished(v2.id);
    expect(done.status).toBe("succeeded");
    expect(done.number).toBe(2);
    for (const c of ["sandbox-east", "sandbox-west"]) expect((await imageOn(c, "rel-basic-dev")).image).toBe("registry.example.com/rel-basic/api:v2");
    // One cluster first: west started only after east's rollout finished.
    const run = await getRun(done.runId!);
    const eastRollout = run!.steps.find((s) => s.kind === "release-rollout" && s.cluster?.name === "sandbox-east")!;
    const westApply = run!.steps.find((s) => s.kind === "release-apply" && s.cluster?.name === "sandbox-west")!;
    expect(westApply.startedAt!.getTime()).toBeGreaterThanOrEqual(eastRollout.finishedAt!.getTime());
  });

  it("fails a crashing image with the cluster's reason, and rolls back to the last good release when the policy says so", async () => {
    const { service } = await project("rel-crash", { autoRollback: true });
    expect((await finished((await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" })).id)).status).toBe("succeeded");
    const bad = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v2-crash" });
    const failed = await finished(bad.id, 60_000);
    expect(failed.status).toBe("rolled_back");
    expect(failed.reason).toMatch(/CrashLoopBackOff/);
    const rollback = await until(
      async () => db().release.findFirst({ where: { serviceId: service.id, rollbackOfId: { not: null }, automatic: true } }),
      20_000,
      "the automatic rollback",
    );
    expect((await finished(rollback.id)).status).toBe("succeeded");
    expect(rollback.tag).toBe("v1");
    for (const c of ["sandbox-east", "sandbox-west"]) expect((await imageOn(c, "rel-crash-dev")).image).toBe("registry.example.com/rel-crash/api:v1");
  });

  it("fails an image that passes readiness and crashes soon after: its pods never count as available", async () => {
    // No readiness probe: the container is ready the moment it starts and crashes a moment later. Without a
    // minimum ready time the Deployment would count it available and report the rollout complete.
    const { service } = await project("rel-late-crash", { minReadySeconds: 3, probes: {} });
    const bad = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1-crash" });
    const failed = await finished(bad.id, 60_000);
    expect(failed.status).toBe("failed");
    expect(failed.reason).toMatch(/CrashLoopBackOff/);
    const kc = new KubeConfig();
    kc.loadFromString(env.sandbox.cluster("sandbox-east").kubeconfig);
    const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "api", namespace: "rel-late-crash-dev" });
    expect(d.spec?.minReadySeconds).toBe(3);
    expect(d.status?.availableReplicas ?? 0).toBe(0);
  });

  it("fails an image that cannot be pulled, with the cluster's message", async () => {
    const { service } = await project("rel-pull");
    const r = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "does-not-exist" });
    const failed = await finished(r.id, 60_000);
    expect(failed.status).toBe("failed");
    expect(failed.reason).toMatch(/ImagePullBackOff: Back-off pulling image "registry\.example\.com\/rel-pull\/api:does-not-exist"/);
    // The matrix says so too: the stuck rollout is degraded on both clusters, not "progressing".
    const { rows } = await deploymentMatrix(owner, { projectSlug: "rel-pull", environment: "dev" });
    expect(rows[0]!.lastRelease).toMatchObject({ status: "failed", tag: "does-not-exist" });
    expect(rows[0]!.cells.map((c) => [c.cluster, c.status])).toEqual([
      ["sandbox-east", "degraded"],
      ["sandbox-west", "degraded"],
    ]);
  });

  it("refuses a second deploy of the same service and environment while one runs, and a bad tag", async () => {
    const { service } = await project("rel-twice");
    await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" });
    const second = await refused(createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v2" }));
    expect(second?.code).toBe("PRECONDITION_FAILED");
    expect(second?.userMessage).toMatch(/Release #1 of api to dev is still (queued|progressing): wait until it finishes/);
    const badTag = await refused(createRelease(owner, { serviceId: service.id, environment: "dev", tag: "-oops" }));
    expect(badTag?.fieldErrors?.tag?.[0]).toMatch(/Use an image tag/);
    const viewer = await ctxFor(await makeUser());
    expect((await refused(createRelease(viewer, { serviceId: service.id, environment: "dev", tag: "v9" })))?.code).toBe("FORBIDDEN");
  });

  it("waits for an approved ticket in production, and rolls back as a new release", async () => {
    const { service } = await project("rel-prod");
    const r = await createRelease(owner, { serviceId: service.id, environment: "prod", tag: "v1" });
    expect(r.status).toBe("pending_approval");
    const ticket = await db().ticket.findFirstOrThrow({ where: { number: r.ticketNumber! } });
    expect(ticket.type).toBe("deploy");
    expect((await refused(decideTicket(owner, { ticketId: ticket.id, decision: "approve" })))?.code).toBe("FORBIDDEN");
    await decideTicket(ops, { ticketId: ticket.id, decision: "approve" });
    expect((await finished(r.id)).status).toBe("succeeded");
    expect((await db().ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe("done");
    const v2 = await createRelease(owner, { serviceId: service.id, environment: "prod", tag: "v2" });
    await decideTicket(ops, { ticketId: (await db().ticket.findFirstOrThrow({ where: { number: v2.ticketNumber! } })).id, decision: "approve" });
    expect((await finished(v2.id)).status).toBe("succeeded");
    const back = await rollbackTo(owner, { releaseId: r.id });
    expect(back.status).toBe("pending_approval");
    await decideTicket(ops, { ticketId: (await db().ticket.findFirstOrThrow({ where: { number: back.ticketNumber! } })).id, decision: "approve" });
    const done = await finished(back.id);
    expect(done).toMatchObject({ status: "succeeded", number: 3, tag: "v1", rollbackOfId: r.id });
    expect((await imageOn("sandbox-east", "rel-prod-prod")).image).toBe("registry.example.com/rel-prod/api:v1");
  });

  it("rolls out on the reachable cluster when the other is down, marks that one failed, and completes when retried", async () => {
    const { service } = await project("rel-partial");
    const west = env.sandbox.cluster("sandbox-west");
    await west.stop();
    let releaseId = "";
    try {
      releaseId = (await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" })).id;
      const failed = await finished(releaseId, 60_000);
      expect(failed.status).toBe("failed");
      expect(failed.reason).toMatch(/^sandbox-west: .*Connection refused/);
      expect((await imageOn("sandbox-east", "rel-partial-dev")).image).toBe("registry.example.com/rel-partial/api:v1");
    } finally {
      await west.start();
    }
    const run = await getRun((await db().release.findUniqueOrThrow({ where: { id: releaseId } })).runId!);
    const westApply = run!.steps.find((s) => s.kind === "release-apply" && s.cluster?.name === "sandbox-west")!;
    await retryStep(ops, westApply.id);
    expect((await finished(releaseId)).status).toBe("succeeded");
    expect((await imageOn("sandbox-west", "rel-partial-dev")).image).toBe("registry.example.com/rel-partial/api:v1");
  });
});
