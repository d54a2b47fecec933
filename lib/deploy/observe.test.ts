/**
 * What the portal shows about running services, read from live (sandbox)
 * clusters: the matrix across clusters (an unreachable one marked, the rest
 * unaffected), history merged with the clusters' revisions (kubectl changes
 * show as out-of-band), diffs, pods, restarts and the chaos action.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { createRelease, restoreOnCluster, rollbackTo } from "./releases";
import { getServiceSpec, saveServiceSpec } from "./specs";
import { deploymentMatrix } from "./matrix";
import { diffReleases, getHistory, getRelease, listPods } from "./observe";
import { killPod, restartService } from "./operations";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";

process.env.WHARF_CLUSTER_READ_TIMEOUT_MS = "800";
// Every read goes to the clusters: the tests wait for what they changed there, not for a cache to expire.
process.env.WHARF_CLUSTER_READ_CACHE_MS = "0";
const env = sandboxForThisFile({ simulation: FAST_SIMULATION });
workerForThisFile();

let owner: Ctx;
let serviceId = "";
let projectId = "";
const releases: string[] = [];

async function finished(id: string) {
  return until(
    async () => {
      const r = await db().release.findUniqueOrThrow({ where: { id } });
      return ["succeeded", "failed"].includes(r.status) ? r : null;
    },
    40_000,
    "release",
  );
}

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const ids: string[] = [];
  for (const c of env.sandbox.clusters)
    ids.push((await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id);
  const user = await makeUser("developer", "matrix owner");
  const p = await makeProject({ owner: user, slug: "shop" });
  owner = await ctxFor(user);
  projectId = p.id;
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds: ids });
  await setEnvironment(admin, { projectId: p.id, kind: "prod", clusterIds: ids });
  const { runId } = await db().$transaction(async (tx) =>
    createRun(tx, { kind: "onboarding", projectId: p.id, drafts: computePlan(await loadPlanInput(p.id, "onboarding", {}, tx)) }),
  );
  await until(async () => (await getRun(runId))?.status === "succeeded", 30_000, "provisioning");
  const s = await db().service.create({ data: { projectId: p.id, slug: "web", name: "Web", kind: "web" } });
  serviceId = s.id;
  const { spec } = await getServiceSpec(owner, s.id);
  await saveServiceSpec(owner, { serviceId: s.id, baseVersion: 0, spec: { ...spec, replicas: 2, image: { repository: "registry.example.com/shop/web" } } });
  releases.push((await finished((await createRelease(owner, { serviceId: s.id, environment: "dev", tag: "v1" })).id)).id);
  const { spec: v1 } = await getServiceSpec(owner, s.id);
  await saveServiceSpec(owner, { serviceId: s.id, baseVersion: 1, spec: { ...v1, replicas: 3 }, comment: "more replicas" });
  releases.push((await finished((await createRelease(owner, { serviceId: s.id, environment: "dev", tag: "v2" })).id)).id);
});

describe("observing deployments", () => {
  it("shows every service x environment x cluster, with the tag running and ready replicas", async () => {
    const m = await deploymentMatrix(owner, { projectSlug: "shop" });
    const dev = m.rows.find((r) => r.environment === "dev")!;
    expect(dev.lastRelease).toMatchObject({ number: 2, status: "succeeded", tag: "v2" });
    expect(dev.cells.map((c) => [c.cluster, c.status, c.tag, c.ready, c.desired])).toEqual([
      ["sandbox-east", "ready", "v2", 3, 3],
      ["sandbox-west", "ready", "v2", 3, 3],
    ]);
    expect(m.rows.find((r) => r.environment === "prod")!.cells.every((c) => c.status === "not-deployed")).toBe(true);
  });

  it("marks a slow cluster's cells unreachable within its timeout, the others unaffected", async () => {
    const west = env.sandbox.cluster("sandbox-west");
    west.setLatency(2000);
    try {
      const started = performance.now();
      const m = await deploymentMatrix(owner, { projectSlug: "shop" });
      expect(performance.now() - started).toBeLessThan(1800);
      const cells = m.rows.find((r) => r.environment === "dev")!.cells;
      expect(cells.find((c) => c.cluster === "sandbox-east")).toMatchObject({ status: "ready", tag: "v2" });
      expect(cells.find((c) => c.cluster === "sandbox-west")).toMatchObject({
        status: "unreachable",
        error: expect.stringMatching(/No answer .* within 0\.8 s/),
      });
    } finally {
      west.setLatency(0);
    }
  });

  it("merges releases with each cluster's revisions, and flags a kubectl change as out-of-band and as drift wherever the release shows", async () => {
    const kc = new KubeConfig();
    kc.loadFromString(env.sandbox.cluster("sandbox-east").kubeconfig);
    const apps = kc.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: "web", namespace: "shop-dev" });
    d.spec!.template.spec!.containers[0]!.image = "registry.example.com/shop/web:hotfix";
    await apps.replaceNamespacedDeployment({ name: "web", namespace: "shop-dev", body: d });
    const h = await until(
      async () => {
        const h = await getHistory(owner, serviceId, "dev");
        const east = h.clusters.find((c) => c.cluster === "sandbox-east");
        return east?.ok && east.value.revisions.some((r) => r.image.endsWith(":hotfix")) ? h : null;
      },
      15_000,
      "the kubectl revision",
    );
    expect(h.releases.map((r) => r.number)).toEqual([2, 1]);
    const east = h.clusters.find((c) => c.cluster === "sandbox-east")!;
    if (!east.ok) throw new Error(east.error);
    expect(east.value.revisions.map((r) => [r.revision, r.image.split(":").pop(), r.outOfBand, r.releaseNumber])).toEqual([
      [3, "hotfix", true, null],
      [2, "v2", false, 2],
      [1, "v1", false, 1],
    ]);
    expect(east.value.revisions[0]!.current).toBe(true);
    // The service page: east drifted from release #2, with what differs and what "restore" would re-apply.
    expect(east.value.drift).toEqual({
      release: { id: releases[1], number: 2, tag: "v2" },
      differences: ["image: registry.example.com/shop/web:v2 → registry.example.com/shop/web:hotfix"],
      restore: { id: releases[1], number: 2, tag: "v2", specVersion: 2 },
    });
    const west = h.clusters.find((c) => c.cluster === "sandbox-west")!;
    expect(west.ok && west.value.drift).toBeUndefined();
    // The matrix: east's cell runs hotfix and says it drifted from #2, though the last release is "#2 v2 succeeded".
    const dev = (await deploymentMatrix(owner, { projectSlug: "shop", environment: "dev" })).rows[0]!;
    expect(dev.lastRelease).toMatchObject({ number: 2, tag: "v2", status: "succeeded" });
    expect(dev.cells.map((c) => [c.cluster, c.tag, c.drift?.release.number ?? null])).toEqual([
      ["sandbox-east", "hotfix", 2],
      ["sandbox-west", "v2", null],
    ]);
    // The release page: east's part says it no longer runs this release.
    const page = await getRelease(owner, releases[1]!);
    expect(page.live.map((l) => [l.cluster, l.ok && l.value.drift])).toEqual([
      ["sandbox-east", ["image: registry.example.com/shop/web:v2 → registry.example.com/shop/web:hotfix"]],
      ["sandbox-west", null],
    ]);
  });

  it("restores the last release on the drifted cluster only, reusing its ReplicaSet: the drift is gone", async () => {
    const eastId = (await db().cluster.findFirstOrThrow({ where: { name: "sandbox-east" } })).id;
    const viewer = await ctxFor(await makeUser());
    const refusedCode = await restoreOnCluster(viewer, { releaseId: releases[1]!, clusterId: eastId }).then(
      () => "allowed",
      (e: unknown) => (e as AppError).code,
    );
    expect(refusedCode).toBe("FORBIDDEN");
    const before = await getHistory(owner, serviceId, "dev");
    const v2Before = before.clusters.find((c) => c.cluster === "sandbox-east")!;
    if (!v2Before.ok) throw new Error(v2Before.error);
    const v2Set = v2Before.value.revisions.find((r) => r.releaseNumber === 2)!;

    const restore = await restoreOnCluster(owner, { releaseId: releases[1]!, clusterId: eastId });
    expect(restore).toMatchObject({ number: 3, status: "queued" });
    const done = await finished(restore.id);
    expect(done).toMatchObject({ status: "succeeded", restoreOfId: releases[1], tag: "v2", specVersion: 2 });
    // On east only: west was not touched.
    const run = await getRun(done.runId!);
    expect(run!.steps.map((s) => `${s.kind} ${s.cluster?.name}`)).toEqual(["release-apply sandbox-east", "release-rollout sandbox-east"]);
    expect(await db().auditEvent.count({ where: { projectId, action: "deploy.restore" } })).toBe(1);

    const h = await getHistory(owner, serviceId, "dev");
    const east = h.clusters.find((c) => c.cluster === "sandbox-east")!;
    if (!east.ok) throw new Error(east.error);
    expect(east.value.drift).toBeUndefined();
    // Release #2's ReplicaSet is current again (same name and pod-template hash, renumbered), no new one.
    expect(east.value.revisions.map((r) => [r.revision, r.name, r.outOfBand, r.releaseNumber])).toEqual([
      [4, v2Set.name, false, 3],
      [3, expect.any(String), true, null],
      [1, expect.any(String), false, 1],
    ]);
    expect(east.value.revisions[0]!.podTemplateHash).toBe(v2Set.podTemplateHash);
    const dev = (await deploymentMatrix(owner, { projectSlug: "shop", environment: "dev" })).rows[0]!;
    expect(dev.cells.map((c) => [c.cluster, c.tag, c.drift ?? null])).toEqual([
      ["sandbox-east", "v2", null],
      ["sandbox-west", "v2", null],
    ]);
    // West still counts release #2 as what it runs; the matrix's last release is the restore.
    expect(dev.lastRelease).toMatchObject({ number: 3, tag: "v2" });
  });

  it("diffs two releases: their specs and their manifests per cluster", async () => {
    const d = await diffReleases(owner, releases[0]!, releases[1]!);
    expect(d.spec.a).toContain("replicas: 2");
    expect(d.spec.b).toContain("replicas: 3");
    expect(d.manifests.map((m) => m.cluster)).toEqual(["sandbox-east", "sandbox-west"]);
    expect(d.manifests[0]!.a).toContain("image: registry.example.com/shop/web:v1");
    expect(d.manifests[0]!.b).toContain("image: registry.example.com/shop/web:v2");
  });

  it("shows a release's rollout per cluster with the Deployment's state and events", async () => {
    const r = await getRelease(owner, releases[1]!);
    expect(r.run?.steps.every((s) => s.status === "succeeded")).toBe(true);
    const west = r.live.find((l) => l.cluster === "sandbox-west")!;
    if (!west.ok) throw new Error(west.error);
    expect(west.value.deployment).toMatchObject({ replicas: 3, ready: 3 });
    expect(west.value.events.map((e) => e.reason)).toContain("ScalingReplicaSet");
  });

  it("lists pods, restarts the service, and kills a pod that is then replaced", async () => {
    const pods = await listPods(owner, serviceId, "dev");
    const west = pods.find((p) => p.cluster === "sandbox-west")!;
    if (!west.ok) throw new Error(west.error);
    expect(west.value.length).toBeGreaterThanOrEqual(3);
    // A running pod's last event is its container starting, not its scheduling (events of one second keep their order).
    const running = west.value.find((p) => p.phase === "Running" && p.events.length)!;
    expect(running.events[0]!.reason).toBe("Started");
    expect(running.events.map((e) => e.at)).toEqual([...running.events.map((e) => e.at)].sort().reverse());
    const victim = west.value.find((p) => p.phase === "Running")!;
    await killPod(owner, { serviceId, environment: "dev", clusterId: west.clusterId, pod: victim.name });
    await until(
      async () => {
        await new Promise((r) => setTimeout(r, 1100));
        const again = (await listPods(owner, serviceId, "dev")).find((p) => p.cluster === "sandbox-west")!;
        return again.ok && !again.value.some((p) => p.name === victim.name) && again.value.filter((p) => p.phase === "Running").length >= 3;
      },
      20_000,
      "the pod to be replaced",
    );
    expect(await db().auditEvent.count({ where: { projectId, action: "workload.chaos.kill" } })).toBe(1);
    const { runId } = await restartService(owner, { serviceId, environment: "dev" });
    await until(async () => (await getRun(runId))?.status === "succeeded", 20_000, "restart");
  });

  it("refuses the chaos action in production unless the project allows it, and to a viewer", async () => {
    const prod = (await listPods(owner, serviceId, "prod"))[0]!;
    const e = await killPod(owner, { serviceId, environment: "prod", clusterId: prod.clusterId, pod: "web-x" }).then(
      () => null,
      (err: unknown) => err as AppError,
    );
    expect(e?.userMessage).toMatch(/Killing pods in production is off for this project/);
    const viewer = await ctxFor(await makeUser());
    const e2 = await killPod(viewer, { serviceId, environment: "dev", clusterId: prod.clusterId, pod: "web-x" }).then(
      () => null,
      (err: unknown) => err as AppError,
    );
    expect(e2?.code).toBe("FORBIDDEN");
  });

  it("refuses a user outside the project: no history, release, pods, diff, restart or rollback", async () => {
    const outsider = await ctxFor(await makeUser());
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "allowed",
        (err: unknown) => (err as AppError).code,
      );
    expect(await code(getHistory(outsider, serviceId, "dev"))).toBe("FORBIDDEN");
    expect(await code(getRelease(outsider, releases[0]!))).toBe("FORBIDDEN");
    expect(await code(listPods(outsider, serviceId, "dev"))).toBe("FORBIDDEN");
    expect(await code(diffReleases(outsider, releases[0]!, releases[1]!))).toBe("FORBIDDEN");
    expect(await code(restartService(outsider, { serviceId, environment: "dev" }))).toBe("FORBIDDEN");
    expect(await code(rollbackTo(outsider, { releaseId: releases[0]! }))).toBe("FORBIDDEN");
  });
});
