/**
 * Rollback on alert, on a live (sandbox) cluster with a real worker: a service
 * whose policy says `rollout.rollbackOnAlert` deploys the error-making tag; a
 * critical alert of it arrives through the webhook; the incident links that
 * release, and the service is rolled back to its last good release by the
 * release machinery (automatic, audited), with the incident's timeline saying so.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
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
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { POST } from "@/app/api/alerts/webhook/route";
import { alertWebhookToken } from "./token";
import { rollbackDecision } from "./rollback";
import { ZRollbackOnAlert } from "@/lib/deploy/spec";

process.env.WHARF_CLUSTER_READ_CACHE_MS = "0";
const env = sandboxForThisFile({ simulation: FAST_SIMULATION });
workerForThisFile();

let clusterId: string;
beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const east = env.sandbox.cluster("sandbox-east");
  clusterId = (
    await registerCluster(admin, { name: east.name, region: east.region, tier: "shared", kubeconfig: east.kubeconfig, displayName: "", context: "" })
  ).id;
});

async function service(slug: string, rollbackOnAlert: { enabled: boolean; withinMinutes: number; severity: "critical" | "warning" }) {
  const user = await makeUser("developer", `owner ${slug}`);
  const p = await makeProject({ owner: user, slug });
  const owner: Ctx = await ctxFor(user);
  const admin = await ctxFor(await makeUser("admin"));
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds: [clusterId] });
  const drafts = computePlan(await loadPlanInput(p.id, "onboarding"));
  const { runId } = await db().$transaction((tx) => createRun(tx, { kind: "onboarding", projectId: p.id, drafts }));
  await until(async () => (await getRun(runId))?.status === "succeeded", 30_000, "provisioning");
  const svc = await db().service.create({ data: { projectId: p.id, slug: "api", name: "API", kind: "api" } });
  const { spec } = await getServiceSpec(owner, svc.id);
  await saveServiceSpec(owner, {
    serviceId: svc.id,
    baseVersion: 0,
    spec: {
      ...spec,
      image: { repository: `registry.example.com/${slug}/api` },
      replicas: 1,
      rollout: { progressDeadlineSeconds: 30, minReadySeconds: 0, autoRollback: false, rollbackOnAlert },
    },
  });
  return { project: p, service: svc, owner };
}

async function finished(releaseId: string) {
  return until(
    async () => {
      const r = await db().release.findUniqueOrThrow({ where: { id: releaseId } });
      return ["succeeded", "failed", "rolled_back"].includes(r.status) ? r : null;
    },
    40_000,
    `release ${releaseId}`,
  );
}

/** The critical alert Alertmanager would send for the service's 5xx ratio, through Wharf's webhook. */
async function alertFor(slug: string, fingerprint: string) {
  const body = {
    version: "4",
    groupKey: `{}:{project="${slug}"}`,
    truncatedAlerts: 0,
    status: "firing",
    receiver: "wharf",
    groupLabels: { project: slug },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.test",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "WharfHighErrorRatio", project: slug, service: "api", environment: "dev", severity: "critical", cluster: "sandbox-east" },
        annotations: { summary: "api answers 5xx to 40% of requests" },
        startsAt: new Date().toISOString(),
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.test/graph",
        fingerprint,
      },
    ],
  };
  const req = new NextRequest(new URL("/api/alerts/webhook", "http://wharf.test"), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${alertWebhookToken()}` },
    body: JSON.stringify(body),
  });
  const res = await POST(req, { params: Promise.resolve({}) });
  expect(res.status).toBe(200);
}

async function imageOnEast(namespace: string) {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster("sandbox-east").kubeconfig);
  const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "api", namespace });
  return d.spec?.template.spec?.containers[0]?.image;
}

describe("rollback on alert", () => {
  it("rolls the error-making release back when a critical incident linked to it opens within the policy's minutes", async () => {
    const { project, service: svc, owner } = await service("roa-shop", { enabled: true, withinMinutes: 15, severity: "critical" });
    const good = await createRelease(owner, { serviceId: svc.id, environment: "dev", tag: "v1" });
    expect((await finished(good.id)).status).toBe("succeeded");
    const bad = await createRelease(owner, { serviceId: svc.id, environment: "dev", tag: "errors" });
    expect((await finished(bad.id)).status).toBe("succeeded");

    await alertFor("roa-shop", "roa-1");
    const incident = await db().incident.findFirstOrThrow({ where: { projectId: project.id } });
    expect(incident).toMatchObject({ status: "open", severity: "critical", releaseId: bad.id });

    const rollback = await until(
      () => db().release.findFirst({ where: { serviceId: svc.id, environment: "dev", rollbackOfId: good.id } }),
      30_000,
      "the rollback release",
    );
    expect(rollback).toMatchObject({ automatic: true, tag: "v1", number: 3 });
    expect((await finished(rollback.id)).status).toBe("succeeded");
    expect(await imageOnEast("roa-shop-dev")).toBe("registry.example.com/roa-shop/api:v1");

    const events = await db().incidentEvent.findMany({ where: { incidentId: incident.id }, orderBy: { at: "asc" } });
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["alert_firing", "release_linked", "rollback_started"]));
    expect(events.find((e) => e.kind === "rollback_started")?.text).toBe("Rolling back release #2 (errors) to #1 (v1): release #3 started automatically");
    expect((await db().release.findUniqueOrThrow({ where: { id: bad.id } })).status).toBe("rolled_back");
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "deploy.rollback", targetId: rollback.id } });
    expect(audit).toMatchObject({ actorLabel: "system", after: expect.objectContaining({ automatic: true }) });
  });

  it("leaves a release alone when the service's policy does not roll back on alert", async () => {
    const { project, service: svc, owner } = await service("roa-off", { enabled: false, withinMinutes: 15, severity: "critical" });
    const good = await createRelease(owner, { serviceId: svc.id, environment: "dev", tag: "v1" });
    await finished(good.id);
    const bad = await createRelease(owner, { serviceId: svc.id, environment: "dev", tag: "errors" });
    await finished(bad.id);
    await alertFor("roa-off", "roa-2");
    const incident = await db().incident.findFirstOrThrow({ where: { projectId: project.id } });
    expect(incident.releaseId).toBe(bad.id);
    // Nothing was queued for it: the decision is taken in the incident's transaction.
    const jobs = await db().$queryRaw<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where key = ${`alert-rollback:${incident.id}`}`;
    expect(jobs[0]!.n).toBe(0);
    expect(await db().release.count({ where: { serviceId: svc.id } })).toBe(2);
  });
});

describe("the rollback-on-alert decision", () => {
  const startedAt = new Date("2026-12-01T10:00:00Z");
  const release = (rollbackOnAlert: unknown) => ({
    id: "r",
    spec: { rollout: { rollbackOnAlert } },
    automatic: false,
    rollbackOfId: null,
    restoreOfId: null,
    status: "succeeded" as const,
    startedAt,
    createdAt: startedAt,
  });
  const incident = (minutesAfter: number, severity = "critical") => ({
    status: "open" as const,
    severity,
    openedAt: new Date(startedAt.getTime() + minutesAfter * 60_000),
  });
  const policy = { enabled: true, withinMinutes: 15, severity: "critical" };

  it("rolls back a critical incident within the minutes, and not later, not a warning, not without the policy", () => {
    expect(rollbackDecision(incident(14), release(policy))).toEqual({ rollback: true });
    expect(rollbackDecision(incident(16), release(policy))).toMatchObject({
      rollback: false,
      reason: "the incident opened more than 15 minutes after the release",
    });
    expect(rollbackDecision(incident(5, "warning"), release(policy))).toMatchObject({ rollback: false });
    expect(rollbackDecision(incident(5, "warning"), release({ ...policy, severity: "warning" }))).toEqual({ rollback: true });
    expect(rollbackDecision(incident(5), release(undefined))).toMatchObject({ rollback: false, reason: "the service's policy does not roll back on alert" });
    expect(rollbackDecision(incident(5), { ...release(policy), automatic: true })).toMatchObject({ rollback: false });
  });

  it("refuses a policy with no minutes at the field", () => {
    const parsed = ZRollbackOnAlert.safeParse({ enabled: true, withinMinutes: 0 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ["withinMinutes"], message: "at least 1 minute" });
  });
});
