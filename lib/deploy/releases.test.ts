/**
 * Deploys on live (sandbox) clusters: a release rolls out on every cluster of
 * the environment, a crashing or unpullable image fails with the cluster's
 * reason (and is rolled back when the policy says so), two deploys at once
 * are refused, production waits for an approved ticket, and an unreachable
 * cluster makes a partial release that completes when retried.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun, retryStep } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { decideTicket } from "@/lib/tickets/engine";
import { createRelease, restoreOnCluster, rollbackTo } from "./releases";
import { getHistory } from "./observe";
import { getTicket } from "@/lib/tickets/query";
import type { ViewField, ViewValue } from "@/lib/tickets/types";
import { saveServiceSpec, getServiceSpec } from "./specs";
import { deploymentMatrix } from "./matrix";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";

process.env.WHARF_RELEASE_APPLY_ATTEMPTS = "2";
// Every read goes to the clusters: a stopped cluster is seen at once, not after a cache expires.
process.env.WHARF_CLUSTER_READ_CACHE_MS = "0";
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

/** A provisioned project with dev on both clusters and prod on one (or both), and an api service with a small spec. */
async function project(slug: string, opts: { autoRollback?: boolean; minReadySeconds?: number; probes?: Record<string, unknown>; prodOnBoth?: boolean } = {}) {
  const user = await makeUser("developer", `owner ${slug}`);
  const p = await makeProject({ owner: user, slug });
  owner = await ctxFor(user);
  const admin = await ctxFor(await makeUser("admin"));
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds: [ids["sandbox-east"]!, ids["sandbox-west"]!] });
  await setEnvironment(admin, {
    projectId: p.id,
    kind: "prod",
    clusterIds: opts.prodOnBoth ? [ids["sandbox-east"]!, ids["sandbox-west"]!] : [ids["sandbox-east"]!],
  });
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

function appsOn(cluster: string) {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster(cluster).kubeconfig);
  return kc.makeApiClient(AppsV1Api);
}

function coreOn(cluster: string) {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster(cluster).kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

/** A labelled value of a ticket's view (or of one of its sections). */
function field(fields: ViewField[], label: string): ViewValue {
  const f = fields.find((x) => x.label === label);
  if (!f) throw new Error(`no field "${label}" in ${fields.map((x) => x.label).join(", ")}`);
  return f.value;
}

/** The fields of the section with this title. */
function part(fields: ViewField[], title: string): ViewField[] {
  const s = fields.map((f) => f.value).find((v) => v.kind === "section" && v.title === title);
  if (!s || s.kind !== "section") throw new Error(`no section "${title}"`);
  return s.fields;
}

/** The words of a value, in order. */
function texts(v: ViewValue): string[] {
  if (v.kind === "row" || v.kind === "list") return v.items.flatMap(texts);
  if (v.kind === "text" || v.kind === "badge" || v.kind === "link") return [v.text];
  return [v.kind];
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
  it("rolls back to an earlier release by scaling its ReplicaSet back up, and a release of what already runs restarts no pod", async () => {
    const { service } = await project("rel-reuse");
    const apps = appsOn("sandbox-east");
    const sets = async () =>
      (await apps.listNamespacedReplicaSet({ namespace: "rel-reuse-dev" })).items.map((rs) => ({
        name: rs.metadata!.name!,
        hash: rs.metadata!.labels!["pod-template-hash"],
        replicas: rs.spec!.replicas,
        revision: rs.metadata!.annotations!["deployment.kubernetes.io/revision"],
      }));
    const v1 = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" });
    expect((await finished(v1.id)).status).toBe("succeeded");
    const [v1Set] = await sets();
    expect((await finished((await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v2" })).id)).status).toBe("succeeded");
    expect(await sets()).toHaveLength(2);

    const back = await rollbackTo(owner, { releaseId: v1.id });
    expect((await finished(back.id)).status).toBe("succeeded");
    // No third ReplicaSet: release #1's (same name, same pod-template hash) is scaled back up and renumbered, as `kubectl rollout undo` does.
    const after = await sets();
    expect(after).toHaveLength(2);
    expect(after.find((s) => s.name === v1Set!.name)).toEqual({ name: v1Set!.name, hash: v1Set!.hash, replicas: 2, revision: "3" });
    // History still says which release each revision is.
    const h = await getHistory(owner, service.id, "dev");
    const east = h.clusters.find((c) => c.cluster === "sandbox-east")!;
    if (!east.ok) throw new Error(east.error);
    expect(east.value.revisions.map((r) => [r.revision, r.image.split(":").pop(), r.releaseNumber, r.outOfBand])).toEqual([
      [3, "v1", 3, false],
      [2, "v2", 2, false],
    ]);

    // Deploying what already runs changes only the Deployment's release annotations: the same pods keep running.
    const pods = async () =>
      (await coreOn("sandbox-east").listNamespacedPod({ namespace: "rel-reuse-dev" })).items
        .filter((p) => !p.metadata?.deletionTimestamp)
        .map((p) => p.metadata!.uid)
        .sort();
    const running = await pods();
    const again = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" });
    expect((await finished(again.id)).status).toBe("succeeded");
    expect(await pods()).toEqual(running);
    expect(await sets()).toHaveLength(2);
    const d = await apps.readNamespacedDeployment({ name: "api", namespace: "rel-reuse-dev" });
    expect(d.metadata?.annotations?.["wharf.dev/release"]).toBe("4");
    expect(d.spec?.template.metadata?.annotations?.["wharf.dev/release"]).toBeUndefined();
  });

  it("shows the production approver, per cluster, what runs now and what the release changes, and plans its steps", async () => {
    const { service } = await project("rel-view", { prodOnBoth: true });
    const approve = async (ticketNumber: number) =>
      decideTicket(ops, { ticketId: (await db().ticket.findFirstOrThrow({ where: { number: ticketNumber } })).id, decision: "approve" });
    const v1 = await createRelease(owner, { serviceId: service.id, environment: "prod", tag: "v1" });
    await approve(v1.ticketNumber!);
    expect((await finished(v1.id)).status).toBe("succeeded");

    // v2 comes with one more replica: the approver reads that in words, besides the image.
    const { spec: v1Spec } = await getServiceSpec(owner, service.id);
    await saveServiceSpec(owner, { serviceId: service.id, baseVersion: 1, spec: { ...v1Spec, replicas: 3 } });
    const v2 = await createRelease(owner, { serviceId: service.id, environment: "prod", tag: "v2" });
    const ticket = await getTicket(ops, v2.ticketNumber!);
    // The plan is the release's steps, apply then rollout per cluster.
    expect(ticket.plan?.map((s) => `${s.kind} ${s.clusterName}`)).toEqual([
      "release-apply sandbox-east",
      "release-rollout sandbox-east",
      "release-apply sandbox-west",
      "release-rollout sandbox-west",
    ]);
    expect(field(ticket.view.fields, "Release")).toEqual({ kind: "link", text: "#2 (pending approval)", href: `/releases/${v2.id}` });
    const east = part(ticket.view.fields, "On sandbox-east");
    expect(field(east, "Runs now")).toEqual({ kind: "link", text: "release #1 (v1, succeeded)", href: `/releases/${v1.id}` });
    expect(texts(field(east, "Image"))).toEqual(["registry.example.com/rel-view/api:v1", "→", "registry.example.com/rel-view/api:v2"]);
    expect(texts(field(east, "Changes"))).toEqual(["Deployment replicas: 2 → 3"]);
    const objects = field(east, "Objects");
    if (objects.kind !== "diff") throw new Error(`the objects are shown as ${objects.kind}`);
    expect(objects.title).toBe("release #2");
    expect(objects.before).toContain("image: registry.example.com/rel-view/api:v1");
    expect(objects.after).toContain("image: registry.example.com/rel-view/api:v2");
    // What runs is shown as Wharf writes it: none of the cluster's status, defaults or bookkeeping.
    for (const noise of ["status:", "managedFields", "uid:", "resourceVersion", "deployment.kubernetes.io/revision", "dnsPolicy"])
      expect(objects.before).not.toContain(noise);
    expect(objects.before).toContain('wharf.dev/release: "1"');
    expect(objects.after).toContain('wharf.dev/release: "2"');

    // A cluster that does not answer says so in its own part; the other is shown as before.
    const west = env.sandbox.cluster("sandbox-west");
    await west.stop();
    try {
      const again = await getTicket(ops, v2.ticketNumber!);
      expect(texts(field(part(again.view.fields, "On sandbox-west"), "Now"))).toEqual(["did not answer", expect.stringMatching(/^Connection refused/)]);
      expect(field(part(again.view.fields, "On sandbox-east"), "Objects").kind).toBe("diff");
    } finally {
      await west.start();
    }
    await approve(v2.ticketNumber!);
    expect((await finished(v2.id)).status).toBe("succeeded");

    // A rollback's ticket says what it goes back from and to.
    const back = await rollbackTo(owner, { releaseId: v1.id });
    const rollbackTicket = await getTicket(ops, back.ticketNumber!);
    expect(field(rollbackTicket.view.fields, "Rolls back from")).toEqual({ kind: "link", text: "release #2 (v2, succeeded)", href: `/releases/${v2.id}` });
    expect(field(rollbackTicket.view.fields, "Rolls back to")).toEqual({ kind: "link", text: "release #1 (v1, spec v1)", href: `/releases/${v1.id}` });
    expect(texts(field(part(rollbackTicket.view.fields, "On sandbox-west"), "Changes"))).toEqual(["Deployment replicas: 3 → 2"]);
    expect(texts(field(part(rollbackTicket.view.fields, "On sandbox-west"), "Image"))).toEqual([
      "registry.example.com/rel-view/api:v2",
      "→",
      "registry.example.com/rel-view/api:v1",
    ]);
    await decideTicket(ops, {
      ticketId: (await db().ticket.findFirstOrThrow({ where: { number: back.ticketNumber! } })).id,
      decision: "reject",
      comment: "not now",
    });

    // Drift in production: restoring the drifted cluster goes through a ticket too, which shows the drift.
    const apps = appsOn("sandbox-east");
    const d = await apps.readNamespacedDeployment({ name: "api", namespace: "rel-view-prod" });
    d.spec!.template.spec!.containers[0]!.image = "registry.example.com/rel-view/api:v3-oob";
    await apps.replaceNamespacedDeployment({ name: "api", namespace: "rel-view-prod", body: d });
    const restore = await restoreOnCluster(owner, { releaseId: v2.id, clusterId: ids["sandbox-east"]! });
    expect(restore.status).toBe("pending_approval");
    const restoreTicket = await getTicket(ops, restore.ticketNumber!);
    expect(restoreTicket.title).toMatch(/^Restore rel-view\/api v2 on sandbox-east in prod/);
    expect(field(restoreTicket.view.fields, "Restores")).toEqual({ kind: "link", text: "release #2 (v2)", href: `/releases/${v2.id}` });
    expect(restoreTicket.plan?.map((s) => `${s.kind} ${s.clusterName}`)).toEqual(["release-apply sandbox-east", "release-rollout sandbox-east"]);
    const drifted = part(restoreTicket.view.fields, "On sandbox-east");
    expect(texts(field(drifted, "Drift"))).toEqual([
      "changed outside Wharf",
      "image: registry.example.com/rel-view/api:v2 → registry.example.com/rel-view/api:v3-oob",
    ]);
    expect(texts(field(drifted, "Image"))).toEqual(["registry.example.com/rel-view/api:v3-oob", "→", "registry.example.com/rel-view/api:v2"]);
    await approve(restore.ticketNumber!);
    expect((await finished(restore.id)).status).toBe("succeeded");
    expect((await imageOn("sandbox-east", "rel-view-prod")).image).toBe("registry.example.com/rel-view/api:v2");
  });
});
