/**
 * The managers' boards against the run's real Prometheus (scraping this
 * file's own sandbox clusters) and the clusters' own APIs: a healthy service
 * holds its objective, an `errors` one does not; capacity and quota are what
 * the clusters report; a developer is refused.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { createRelease } from "@/lib/deploy/releases";
import { getServiceSpec, saveServiceSpec } from "@/lib/deploy/specs";
import { cpuCores, memoryGi } from "@/lib/kube/quantity";
import { ctxFor, makeProject, makeTeam, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { scrapeForThisFile } from "@/test/monitoring";
import { FAST_SIMULATION, kubeConfigFor } from "@/sandbox/testing/helpers";
import { availabilityBoard, resourceBoard } from "./boards";

process.env.WHARF_CLUSTER_READ_CACHE_MS = "0";
const CLUSTERS = [
  { name: "boards-east", region: "us-east" },
  { name: "boards-west", region: "us-west" },
];
const box = sandboxForThisFile({ clusters: CLUSTERS, simulation: FAST_SIMULATION });
scrapeForThisFile(() => box.sandbox.clusters);
workerForThisFile();

let mia: Ctx;
let dana: Ctx;

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  mia = await ctxFor(await makeUser("manager", "Mia B"));
  const user = await makeUser("developer", "Dana B");
  const clusterIds: string[] = [];
  for (const c of box.sandbox.clusters)
    clusterIds.push(
      (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id,
    );
  const team = await makeTeam("payments");
  const p = await makeProject({ owner: user, slug: "bshop", teamId: team.id });
  dana = await ctxFor(user);
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds });
  const { runId } = await db().$transaction(async (tx) =>
    createRun(tx, { kind: "onboarding", projectId: p.id, drafts: computePlan(await loadPlanInput(p.id, "onboarding", {}, tx)) }),
  );
  await until(async () => (await getRun(runId))?.status === "succeeded", 30_000, "provisioning");
  for (const [slug, tag] of [
    ["good", "v1"],
    ["bad", "v1-errors"],
  ] as const) {
    const s = await db().service.create({ data: { projectId: p.id, slug, name: slug, kind: "api" } });
    const { spec } = await getServiceSpec(dana, s.id);
    await saveServiceSpec(dana, {
      serviceId: s.id,
      baseVersion: 0,
      spec: { ...spec, replicas: 2, image: { repository: `registry.example.com/bshop/${slug}` } },
    });
    const r = await createRelease(dana, { serviceId: s.id, environment: "dev", tag });
    await until(async () => (await db().release.findUniqueOrThrow({ where: { id: r.id } })).status === "succeeded", 60_000, "release");
  }
}, 150_000);

describe("availability board", () => {
  it("a healthy service held its objective ≈100% of the time, an errors one far less; each row links to its project's dashboard; the team is traffic-weighted", async () => {
    const board = await until(
      async () => {
        const b = await availabilityBoard(mia, { range: "24h" });
        return b.state === "ok" && b.services.length === 2 ? b : null;
      },
      60_000,
      "both services on the board",
    );
    if (board.state !== "ok") throw new Error(board.state);
    expect(board.problems).toEqual([]);
    const good = board.services.find((s) => s.service === "good")!;
    const bad = board.services.find((s) => s.service === "bad")!;
    expect(good).toMatchObject({ project: "bshop", environment: "dev", team: "payments", href: "/projects/bshop/monitoring", objective: 0.01 });
    expect(good.availability).toBeGreaterThanOrEqual(0.99);
    expect(good.errorRatio).toBeLessThan(0.01);
    expect(bad.availability).toBeLessThan(0.5);
    expect(bad.errorRatio).toBeGreaterThan(0.25);
    expect(board.worst.map((s) => s.service)).toEqual(["bad"]);
    const team = board.teams.find((t) => t.team === "payments")!;
    const weighted = (good.availability * good.requests + bad.availability * bad.requests) / (good.requests + bad.requests);
    expect(team.availability).toBeCloseTo(weighted, 5);
    expect(team.services).toBe(2);
  }, 90_000);

  it("is refused to a developer (dashboard.read is for managers, ops and admins)", async () => {
    await expect(availabilityBoard(dana, {})).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(resourceBoard(dana)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("capacity and quota boards", () => {
  it("cluster capacity is the pods' requests against the nodes' allocatable, as each cluster reports them", async () => {
    const board = await resourceBoard(mia);
    expect(board.problems).toEqual([]);
    for (const c of box.sandbox.clusters) {
      const core = kubeConfigFor(c).makeApiClient(CoreV1Api);
      const nodes = await core.listNode();
      const pods = await core.listPodForAllNamespaces();
      const placed = pods.items.filter((p) => p.spec?.nodeName && !["Succeeded", "Failed"].includes(p.status?.phase ?? ""));
      const cpu = placed.flatMap((p) => p.spec!.containers).reduce((a, k) => a + cpuCores(k.resources?.requests?.cpu), 0);
      const row = board.capacity.find((r) => r.cluster === c.name);
      if (!row?.ok) throw new Error(row ? row.reason : `no row for ${c.name}`);
      expect(row.cpu.allocatable).toBeCloseTo(
        nodes.items.reduce((a, n) => a + cpuCores(n.status?.allocatable?.cpu), 0),
        5,
      );
      expect(row.memoryGi.allocatable).toBeCloseTo(
        nodes.items.reduce((a, n) => a + memoryGi(n.status?.allocatable?.memory), 0),
        5,
      );
      expect(row.cpu.requested).toBeCloseTo(cpu, 5);
      expect(row.cpu.requested).toBeGreaterThan(0);
      expect(row.top[0]).toMatchObject({ project: "bshop", href: "/projects/bshop/monitoring" });
    }
  });

  it("quota used against quota per project is the sum of its namespaces' ResourceQuota status on every cluster", async () => {
    const board = await resourceBoard(mia);
    const row = board.quotas.find((q) => q.project === "bshop")!;
    let used = 0;
    let hard = 0;
    let podsUsed = 0;
    for (const c of box.sandbox.clusters) {
      const quotas = await kubeConfigFor(c).makeApiClient(CoreV1Api).listNamespacedResourceQuota({ namespace: "bshop-dev" });
      for (const q of quotas.items) {
        used += cpuCores(q.status?.used?.["requests.cpu"]);
        hard += cpuCores(q.status?.hard?.["requests.cpu"]);
        podsUsed += Number(q.status?.used?.pods ?? 0);
      }
    }
    expect(hard).toBeGreaterThan(0);
    expect(row).toMatchObject({ href: "/projects/bshop/monitoring", team: "payments" });
    expect(row.cpu.used).toBeCloseTo(used, 5);
    expect(row.cpu.hard).toBeCloseTo(hard, 5);
    expect(row.pods.used).toBe(podsUsed);
    expect(row.worst).toBeGreaterThan(0);
  });
});
