/**
 * Release health against the run's real Prometheus, scraping this file's own
 * sandbox clusters: real releases rolled out by a real worker, the `errors`
 * image tag making 35-45% of requests answer 5xx.
 */
import net from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { createRelease } from "@/lib/deploy/releases";
import { getServiceSpec, saveServiceSpec } from "@/lib/deploy/specs";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { scrapeForThisFile } from "@/test/monitoring";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { judge, MIN_REQUESTS, podPattern, releaseHealth, type ClusterHealth, type ReleaseHealth } from "./health";
import { queryProject } from "./project";

const CLUSTERS = [
  { name: "health-east", region: "us-east" },
  { name: "health-west", region: "us-west" },
];
const box = sandboxForThisFile({ clusters: CLUSTERS, simulation: FAST_SIMULATION });
scrapeForThisFile(() => box.sandbox.clusters);
workerForThisFile();

let dana: Ctx;
let projectId = "";
const ids: Record<string, string> = {};

async function finished(id: string) {
  return until(
    async () => {
      const r = await db().release.findUniqueOrThrow({ where: { id } });
      return ["succeeded", "failed"].includes(r.status) ? r : null;
    },
    60_000,
    "release",
  );
}

async function service(slug: string, replicas: number) {
  const s = await db().service.create({ data: { projectId, slug, name: slug, kind: "api" } });
  const { spec } = await getServiceSpec(dana, s.id);
  await saveServiceSpec(dana, { serviceId: s.id, baseVersion: 0, spec: { ...spec, replicas, image: { repository: "registry.example.com/hshop/" + slug } } });
  return s.id;
}

/** Waits for a verdict other than "collecting" on every cluster. */
async function judged(releaseId: string, want?: (c: ClusterHealth & { ok: true }) => boolean) {
  return until(
    async () => {
      const h = await releaseHealth(dana, releaseId);
      if (h.state !== "ok") return null;
      return h.clusters.every((c) => c.ok && c.verdict !== "collecting" && (!want || want(c))) ? h : null;
    },
    90_000,
    "a verdict on every cluster",
  );
}

/** Requests Prometheus has seen for the service on every cluster in the last 10 minutes. */
async function trafficSeen(slug: string) {
  await until(
    async () => {
      const now = new Date();
      const r = await queryProject(dana, {
        projectId,
        range: { start: new Date(now.getTime() - 1000), end: now, stepSeconds: 1 },
        promql: `sum by (cluster) (increase(http_requests_total{pod=~"${podPattern(slug)}"}[10m]))`,
      });
      return r.clusters.length === 2 && r.clusters.every((c) => c.ok && Number(c.series[0]?.values.at(-1)?.[1] ?? 0) >= MIN_REQUESTS * 2);
    },
    60_000,
    "traffic in Prometheus",
  );
}

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const clusterIds: string[] = [];
  for (const c of box.sandbox.clusters)
    clusterIds.push(
      (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id,
    );
  const user = await makeUser("developer", "Dana H");
  const p = await makeProject({ owner: user, slug: "hshop" });
  dana = await ctxFor(user);
  projectId = p.id;
  await setEnvironment(admin, { projectId, kind: "dev", clusterIds });
  const { runId } = await db().$transaction(async (tx) =>
    createRun(tx, { kind: "onboarding", projectId, drafts: computePlan(await loadPlanInput(projectId, "onboarding", {}, tx)) }),
  );
  await until(async () => (await getRun(runId))?.status === "succeeded", 30_000, "provisioning");
  const api = await service("api", 2);
  const idle = await service("idle", 0);
  ids.v1 = (await finished((await createRelease(dana, { serviceId: api, environment: "dev", tag: "v1" })).id)).id;
  ids.idle = (await finished((await createRelease(dana, { serviceId: idle, environment: "dev", tag: "v1" })).id)).id;
  await trafficSeen("api");
  ids.v2 = (await finished((await createRelease(dana, { serviceId: api, environment: "dev", tag: "v2" })).id)).id;
}, 180_000);

describe("release health", () => {
  it("a healthy release is not flagged: each cluster's error ratio stays near zero before and after", async () => {
    const h = await judged(ids.v2!);
    if (h.state !== "ok") throw new Error(h.state);
    expect(h.flagged).toBe(false);
    expect(h.objective).toBe(0.01);
    expect(h.clusters.map((c) => c.cluster)).toEqual(["health-east", "health-west"]);
    for (const c of h.clusters) {
      if (!c.ok) throw new Error(c.reason);
      expect(c.verdict).toBe("steady");
      expect(c.before.errorRatio).toBeLessThan(0.01);
      expect(c.after.errorRatio).toBeLessThan(0.01);
      expect(c.after.p99).not.toBeNull();
      expect(c.spark.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it("a release of the errors tag is flagged on each cluster: the error ratio rose from near zero to 35-45%", async () => {
    await trafficSeen("api");
    const errors = await finished(
      (
        await createRelease(dana, {
          serviceId: (await db().release.findUniqueOrThrow({ where: { id: ids.v2! } })).serviceId,
          environment: "dev",
          tag: "v3-errors",
        })
      ).id,
    );
    expect(errors.status).toBe("succeeded");
    const h = await judged(errors.id, (c) => c.verdict === "rose");
    if (h.state !== "ok") throw new Error(h.state);
    expect(h.flagged).toBe(true);
    for (const c of h.clusters) {
      if (!c.ok) throw new Error(c.reason);
      expect(c.before.errorRatio).toBeLessThan(0.01);
      expect(c.after.errorRatio).toBeGreaterThan(0.25);
      expect(c.why).toMatch(/^The error ratio rose from \d+\.\d+% to \d+\.\d+%, above the objective of 1\.00%\.$/);
    }
  }, 150_000);

  it("a service without traffic says so instead of a verdict", async () => {
    const h = await judged(ids.idle!);
    if (h.state !== "ok") throw new Error(h.state);
    expect(h.flagged).toBe(false);
    for (const c of h.clusters) {
      if (!c.ok) throw new Error(c.reason);
      expect(c.verdict).toBe("not_enough_traffic");
      expect(c.why).toMatch(/^Not enough traffic to compare: 0 requests before the release/);
      expect(c.before.errorRatio).toBeNull();
    }
  }, 120_000);

  it("a cluster whose Prometheus does not answer is marked with that source and why; the other cluster keeps its figures", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    await db().cluster.update({ where: { name: "health-west" }, data: { prometheusUrl: url } });
    try {
      const h: ReleaseHealth = await releaseHealth(dana, ids.v2!);
      if (h.state !== "ok") throw new Error(h.state);
      expect(h.clusters.find((c) => c.cluster === "health-east")).toMatchObject({ ok: true, verdict: "steady" });
      expect(h.clusters.find((c) => c.cluster === "health-west")).toMatchObject({
        ok: false,
        source: "cluster:health-west",
        reason: `Prometheus at ${url} refused the connection: is it running?`,
      });
    } finally {
      await db().cluster.update({ where: { name: "health-west" }, data: { prometheusUrl: "" } });
    }
  });

  it("is refused to a member of another project", async () => {
    const stranger = await makeUser("developer", "other team dev");
    await makeProject({ owner: stranger, slug: "elsewhere" });
    await expect(releaseHealth(await ctxFor(stranger), ids.v2!)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("the rule", () => {
  const w = (requests: number, errorRatio: number | null) => ({ from: "", to: "", requests, errorRatio, p99: null });
  it("flags only a rise past both twice the old ratio plus a point and the objective, with enough traffic on both sides", () => {
    expect(judge(w(1000, 0), w(1000, 0.4), 0.01, 60_000).verdict).toBe("rose");
    expect(judge(w(1000, 0.001), w(1000, 0.008), 0.01, 60_000).verdict).toBe("steady");
    expect(judge(w(1000, 0.2), w(1000, 0.25), 0.01, 60_000).verdict).toBe("steady");
    expect(judge(w(1000, 0), w(1000, 0.04), 0.05, 60_000).verdict).toBe("steady");
    expect(judge(w(5, 0), w(1000, 0.4), 0.01, 60_000).verdict).toBe("not_enough_traffic");
    expect(judge(w(1000, 0), w(1000, 0.4), 0.01, 5_000).verdict).toBe("collecting");
  });
});
