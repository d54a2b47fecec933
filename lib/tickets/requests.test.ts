/**
 * Access, quota and archive requests, decided and carried out on live
 * (sandbox) clusters; member changes reach the clusters; RBAC drift is found
 * and repaired.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { removeMember, setEnvironment, setMember } from "@/lib/catalog/project-parts";
import { updateProject } from "@/lib/catalog/projects";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { reconcileRbac } from "@/lib/provisioning/reconcile";
import { checkQuotaRequest, requestAccess, requestArchive, requestQuota } from "./requests";
import { getQuotaLimits, setQuotaLimits } from "@/lib/provisioning/quota-limits";
import { cancelTicket, commentOnTicket, decideTicket } from "./engine";
import { countInbox, getTicket, listTickets } from "./query";
import { ZTicketListQuery } from "./schemas";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";

const env = sandboxForThisFile();
workerForThisFile();

let admin: Ctx;
let ops: Ctx;
let east: string;

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  ops = await ctxFor(await makeUser("ops"));
  const c = env.sandbox.cluster("sandbox-east");
  east = (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id;
});

/** An active project with dev and prod on sandbox-east, provisioned. */
async function provisionedProject(slug: string) {
  const owner = await makeUser("developer", `owner ${slug}`);
  const project = await makeProject({ owner, slug });
  for (const kind of ["dev", "prod"] as const) await setEnvironment(admin, { projectId: project.id, kind, clusterIds: [east] });
  const drafts = computePlan(await loadPlanInput(project.id, "onboarding"));
  const { runId } = await db().$transaction((tx) => createRun(tx, { kind: "onboarding", projectId: project.id, drafts }));
  await runDone(runId);
  return { project, owner, ownerCtx: await ctxFor(owner) };
}

async function runDone(runId: string) {
  return until(
    async () => {
      const r = await getRun(runId);
      return r && r.status !== "running" ? r : null;
    },
    30_000,
    "run to finish",
  );
}

async function ticketDone(number: number, ctx: Ctx) {
  return until(
    async () => {
      const t = await getTicket(ctx, number);
      return ["done", "failed"].includes(t.status) ? t : null;
    },
    30_000,
    `ticket #${number} to finish`,
  );
}

function kube(user?: string) {
  const c = env.sandbox.cluster("sandbox-east");
  const kc = new KubeConfig();
  kc.loadFromString(user ? c.kubeconfigFor(user) : c.kubeconfig);
  return kc;
}

async function canCreateDeployments(email: string, namespace: string) {
  env.sandbox.addUser(email);
  const r = await kube(email)
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectAccessReview({
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { namespace, verb: "create", group: "apps", resource: "deployments" } },
      },
    });
  return r.status?.allowed ?? false;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe("access requests", () => {
  it("lets the owner approve a developer's request; the developer can then deploy in dev but not in prod", async () => {
    const { project, ownerCtx } = await provisionedProject("acc-one");
    const dev = await makeUser("developer");
    const devCtx = await ctxFor(dev);
    expect(await canCreateDeployments(dev.email, "acc-one-dev")).toBe(false);
    const { number } = await requestAccess(devCtx, { projectId: project.id, role: "developer", reason: "I fix the checkout bugs" });
    expect(await code(requestAccess(devCtx, { projectId: project.id, role: "developer", reason: "again" }))).toBe("ALREADY_EXISTS");
    // The requester cannot approve; another developer cannot either.
    expect(await code(decideTicket(devCtx, { ticketId: (await getTicket(devCtx, number)).id, decision: "approve" }))).toBe("FORBIDDEN");
    expect(await countInbox(ownerCtx)).toBe(1);
    const t = await getTicket(ownerCtx, number);
    expect(t.rights.decide).toBe(true);
    expect(t.plan?.map((s) => s.kind)).toEqual(["member-role-bindings", "member-role-bindings"]);
    await decideTicket(ownerCtx, { ticketId: t.id, decision: "approve", comment: "Welcome" });
    const done = await ticketDone(number, devCtx);
    expect(done.status).toBe("done");
    expect(await canCreateDeployments(dev.email, "acc-one-dev")).toBe(true);
    expect(await canCreateDeployments(dev.email, "acc-one-prod")).toBe(false);
    const notes = await db().notification.findMany({ where: { userId: dev.id }, orderBy: { createdAt: "asc" } });
    expect(notes.map((n) => n.title)).toEqual([`#${number} was approved by ${ownerCtx.actor.name}`, `#${number} is done`]);
  });

  it("creates nothing when a request is rejected, and asks the approver to say why", async () => {
    const { project } = await provisionedProject("acc-rej");
    const dev = await makeUser("developer");
    const devCtx = await ctxFor(dev);
    const { number, id } = await requestAccess(devCtx, { projectId: project.id, role: "maintainer", reason: "please" });
    expect(await code(decideTicket(ops, { ticketId: id, decision: "reject", comment: "" }))).toBe("INVALID_INPUT");
    await decideTicket(ops, { ticketId: id, decision: "reject", comment: "Ask your lead first" });
    const t = await getTicket(devCtx, number);
    expect(t.status).toBe("rejected");
    expect(t.run).toBeNull();
    expect(await db().projectMember.count({ where: { projectId: project.id, userId: dev.id } })).toBe(0);
    expect(await canCreateDeployments(dev.email, "acc-rej-dev")).toBe(false);
    expect(t.history.map((h) => h.action)).toEqual(["ticket.create", "ticket.reject"]);
    expect(t.comments.map((c) => c.body)).toEqual(["Ask your lead first"]);
  });

  it("keeps a comment thread, lets the requester cancel, and lists tickets by view and filters", async () => {
    const { project } = await provisionedProject("acc-thread");
    const dev = await ctxFor(await makeUser("developer"));
    const { number, id } = await requestAccess(dev, { projectId: project.id, role: "viewer", reason: "read the logs" });
    await commentOnTicket(ops, { ticketId: id, body: "Which service?" });
    await commentOnTicket(dev, { ticketId: id, body: "checkout" });
    expect((await getTicket(dev, number)).comments.map((c) => c.body)).toEqual(["Which service?", "checkout"]);
    expect((await listTickets(ops, ZTicketListQuery.parse({ view: "inbox", type: "permission" }))).tickets.map((t) => t.number)).toContain(number);
    expect((await listTickets(dev, ZTicketListQuery.parse({}))).view).toBe("mine");
    expect(await code(cancelTicket(ops, id))).toBe("FORBIDDEN");
    await cancelTicket(dev, id);
    expect((await getTicket(dev, number)).status).toBe("cancelled");
    expect((await listTickets(ops, ZTicketListQuery.parse({ view: "inbox" }))).tickets.map((t) => t.number)).not.toContain(number);
  });
});

describe("who may do what on a ticket", () => {
  it("a stranger's decide, comment and cancel read as 'no such ticket'; a viewer and a manager read it but may not comment", async () => {
    const { project, owner } = await provisionedProject("t-rights");
    const viewer = await makeUser("developer");
    await setMember(await ctxFor(owner), { projectId: project.id, userId: viewer.id, role: "viewer" });
    const asker = await ctxFor(await makeUser("developer"));
    const { number, id } = await requestAccess(asker, { projectId: project.id, role: "developer", reason: "on call" });
    const stranger = await ctxFor(await makeUser("developer"));
    for (const attempt of [
      () => decideTicket(stranger, { ticketId: id, decision: "approve" }),
      () => commentOnTicket(stranger, { ticketId: id, body: "hi" }),
      () => cancelTicket(stranger, id),
      () => getTicket(stranger, number),
    ]) {
      expect(await code(attempt())).toBe("NOT_FOUND");
    }
    const viewerCtx = await ctxFor(viewer);
    const manager = await ctxFor(await makeUser("manager"));
    for (const who of [viewerCtx, manager]) {
      const t = await getTicket(who, number);
      expect(t.rights).toMatchObject({ decide: false, cancel: false, comment: false, retry: false });
      expect(await code(commentOnTicket(who, { ticketId: id, body: "me too" }))).toBe("FORBIDDEN");
      expect(await code(cancelTicket(who, id))).toBe("FORBIDDEN");
    }
    expect((await getTicket(ops, number)).rights).toMatchObject({ decide: true, comment: true, retry: true, cancel: false });
    expect((await getTicket(asker, number)).rights).toMatchObject({ decide: false, comment: true, cancel: true });
  });
});

describe("member changes and drift", () => {
  it("provisions an environment added to an active project", async () => {
    const { project } = await provisionedProject("env-later");
    await setEnvironment(admin, { projectId: project.id, kind: "staging", clusterIds: [east] });
    const core = kube().makeApiClient(CoreV1Api);
    const ns = await until(async () => core.readNamespace({ name: "env-later-staging" }).catch(() => null), 20_000, "the staging namespace");
    expect(ns.metadata?.labels?.["wharf.dev/environment"]).toBe("staging");
    await until(async () => core.readNamespacedResourceQuota({ name: "wharf-quota", namespace: "env-later-staging" }).catch(() => null), 20_000, "its quota");
  });

  it("removes a member's access on the clusters when the owner removes them", async () => {
    const { project, ownerCtx } = await provisionedProject("mem-rm");
    const dev = await makeUser("developer");
    await setMember(ownerCtx, { projectId: project.id, userId: dev.id, role: "developer" });
    await until(async () => canCreateDeployments(dev.email, "mem-rm-dev"), 20_000, "access after adding");
    await removeMember(ownerCtx, { projectId: project.id, userId: dev.id });
    await until(async () => !(await canCreateDeployments(dev.email, "mem-rm-dev")), 20_000, "access removed");
    expect(await canCreateDeployments(dev.email, "mem-rm-prod")).toBe(false);
  });

  it("finds RoleBindings edited or deleted on a cluster and repairs them, recording what changed", async () => {
    const { project, owner } = await provisionedProject("drift");
    const rbac = kube().makeApiClient(RbacAuthorizationV1Api);
    await rbac.deleteNamespacedRoleBinding({ name: "wharf-members-edit", namespace: "drift-dev" });
    const view = await rbac.readNamespacedRoleBinding({ name: "wharf-members-view", namespace: "drift-prod" });
    await rbac.replaceNamespacedRoleBinding({
      name: "wharf-members-view",
      namespace: "drift-prod",
      body: { ...view, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "intruder@evil.example" }] },
    });

    const result = await reconcileRbac(admin);
    const mine = result.drifts.filter((d) => d.project === "drift");
    expect(mine.map((d) => `${d.namespace}/${d.binding}`).sort()).toEqual(["drift-dev/wharf-members-edit", "drift-prod/wharf-members-view"]);
    expect(mine.find((d) => d.binding === "wharf-members-edit")!.before).toBeNull();
    expect(mine.find((d) => d.binding === "wharf-members-view")!.before!.subjects).toEqual(["User:intruder@evil.example"]);

    const run = await until(
      async () => db().provisioningRun.findFirst({ where: { projectId: project.id, kind: "reconcile", status: { not: "running" } } }),
      20_000,
      "repair run",
    );
    expect(run.status).toBe("succeeded");
    const repaired = await rbac.readNamespacedRoleBinding({ name: "wharf-members-edit", namespace: "drift-dev" });
    expect(repaired.subjects?.map((s) => s.name)).toEqual([owner.email]);
    const viewAfter = await rbac.readNamespacedRoleBinding({ name: "wharf-members-view", namespace: "drift-prod" });
    expect(viewAfter.subjects ?? []).toEqual([]);
    expect(await db().auditEvent.count({ where: { projectId: project.id, action: "rbac.drift" } })).toBe(2);
    // Nothing left to repair.
    expect((await reconcileRbac(admin)).drifts.filter((d) => d.project === "drift")).toEqual([]);
  });
});

describe("widening production goes through a ticket", () => {
  it("a maintainer's new prod environment waits for ops; approval provisions it", async () => {
    const { project, owner } = await provisionedProject("wide-prod");
    await db().environment.deleteMany({ where: { projectId: project.id, kind: "prod" } });
    const maintainer = await makeUser("developer");
    await setMember(await ctxFor(owner), { projectId: project.id, userId: maintainer.id, role: "maintainer" });
    const mCtx = await ctxFor(maintainer);
    const asked = await setEnvironment(mCtx, { projectId: project.id, kind: "prod", clusterIds: [east] });
    expect(asked).toEqual({ applied: false, ticketNumber: expect.any(Number) });
    if (asked.applied) throw new Error("unreachable");
    expect(await db().environment.count({ where: { projectId: project.id, kind: "prod" } })).toBe(0);
    expect(await code(setEnvironment(mCtx, { projectId: project.id, kind: "prod", clusterIds: [east] }))).toBe("ALREADY_EXISTS");
    const t = await getTicket(ops, asked.ticketNumber);
    expect(t.typeLabel).toBe("Production environment");
    // The steps of prod, and the rule file for Wharf's Prometheus, which holds every environment's rules.
    expect(t.plan?.filter((s) => s.environment !== "prod").map((s) => s.kind)).toEqual(["monitoring-rules-file"]);
    expect(t.plan?.some((s) => s.environment === "prod")).toBe(true);
    expect(t.view.fields.map((f) => f.label)).toEqual(["Environment", "Clusters asked", "Runs on now"]);
    expect((await getTicket(await ctxFor(owner), asked.ticketNumber)).rights.decide).toBe(false);
    await decideTicket(ops, { ticketId: t.id, decision: "approve" });
    expect((await ticketDone(asked.ticketNumber, mCtx)).status).toBe("done");
    await until(
      async () =>
        kube()
          .makeApiClient(CoreV1Api)
          .readNamespace({ name: "wide-prod-prod" })
          .catch(() => null),
      20_000,
      "the prod namespace",
    );
  });

  it("a cluster of the prod tier needs the ticket too, whatever the environment; other changes apply at once", async () => {
    const { project, owner } = await provisionedProject("wide-tier");
    const ownerCtx = await ctxFor(owner);
    // Another API server than sandbox-east: one server is registered once.
    const c = env.sandbox.cluster("sandbox-west");
    const prodTier = await registerCluster(admin, {
      name: "west-prod-tier",
      region: c.region,
      tier: "prod",
      kubeconfig: c.kubeconfig,
      displayName: "",
      context: "",
    });
    const asked = await setEnvironment(ownerCtx, { projectId: project.id, kind: "staging", clusterIds: [prodTier.id] });
    expect(asked.applied).toBe(false);
    expect(await setEnvironment(ownerCtx, { projectId: project.id, kind: "test", clusterIds: [east] })).toEqual({ applied: true });
    // Ops (who decide such tickets) change production directly.
    expect(await setEnvironment(ops, { projectId: project.id, kind: "staging", clusterIds: [prodTier.id] })).toEqual({ applied: true });
  });
});

describe("ownership cannot be taken or lost", () => {
  it("a maintainer may not make themselves owner, allow chaos in production or change the lifecycle; the owner may hand over", async () => {
    const { project, owner } = await provisionedProject("no-takeover");
    const maintainer = await makeUser("developer");
    await setMember(await ctxFor(owner), { projectId: project.id, userId: maintainer.id, role: "maintainer" });
    const mCtx = await ctxFor(maintainer);
    const base = await db().project.findUniqueOrThrow({ where: { id: project.id } });
    const form = {
      id: base.id,
      version: base.version,
      name: base.name,
      description: "",
      teamId: base.teamId,
      ownerId: base.ownerId,
      tier: base.tier,
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: {},
    };
    const takeover = await failure(updateProject(mCtx, { ...form, ownerId: maintainer.id }));
    expect(takeover).toMatchObject({ code: "FORBIDDEN", fieldErrors: { ownerId: [expect.stringMatching(/Only the project's owner/)] } });
    expect(await failure(updateProject(mCtx, { ...form, allowChaosInProd: true }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(updateProject(mCtx, { ...form, lifecycle: "archived" }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await db().projectMember.findFirst({ where: { projectId: project.id, userId: maintainer.id } })).toMatchObject({ role: "maintainer" });
    // A maintainer still edits the rest.
    await updateProject(mCtx, { ...form, description: "edited by the maintainer" });

    // The owner hands the project over: the new owner is an owner member and the clusters follow.
    const ownerCtx = await ctxFor(owner);
    const current = await db().project.findUniqueOrThrow({ where: { id: project.id } });
    await updateProject(ownerCtx, {
      ...form,
      version: current.version,
      description: "edited by the maintainer",
      ownerId: maintainer.id,
      allowChaosInProd: true,
    });
    expect(await db().projectMember.findFirst({ where: { projectId: project.id, userId: maintainer.id } })).toMatchObject({ role: "owner" });
    const sync = await until(
      async () =>
        db().provisioningRun.findFirst({ where: { projectId: project.id, kind: "member_sync", status: { not: "running" } }, orderBy: { createdAt: "desc" } }),
      20_000,
      "member sync",
    );
    expect(sync.status).toBe("succeeded");
    const bindings = await kube()
      .makeApiClient(RbacAuthorizationV1Api)
      .readNamespacedRoleBinding({ name: "wharf-members-edit", namespace: "no-takeover-prod" });
    expect(bindings.subjects?.map((x) => x.name)).toContain(maintainer.email);
  });

  it("keeps the last owner: not demoted by an access request, and the owner field follows a demoted owner", async () => {
    const { project, owner } = await provisionedProject("last-owner");
    const ownerCtx = await ctxFor(owner);
    expect(await failure(requestAccess(ownerCtx, { projectId: project.id, role: "viewer", reason: "step back" }))).toMatchObject({
      code: "PRECONDITION_FAILED",
      userMessage: expect.stringMatching(/last owner/),
    });
    // With a second owner the request may be filed; if that owner leaves before approval, approval refuses and changes nothing.
    const second = await makeUser("developer");
    await setMember(ownerCtx, { projectId: project.id, userId: second.id, role: "owner" });
    const { id } = await requestAccess(await ctxFor(owner), { projectId: project.id, role: "viewer", reason: "step back" });
    await removeMember(ownerCtx, { projectId: project.id, userId: second.id });
    expect(await failure(decideTicket(ops, { ticketId: id, decision: "approve" }))).toMatchObject({
      code: "PRECONDITION_FAILED",
      userMessage: expect.stringMatching(/needs at least one owner/),
    });
    expect((await db().ticket.findUniqueOrThrow({ where: { id } })).status).toBe("open");
    expect(await db().projectMember.findFirst({ where: { projectId: project.id, userId: owner.id } })).toMatchObject({ role: "owner" });

    // Demoting the owner named on the project moves the owner field to another owner.
    await setMember(ownerCtx, { projectId: project.id, userId: second.id, role: "owner" });
    await setMember(ownerCtx, { projectId: project.id, userId: owner.id, role: "maintainer" });
    expect((await db().project.findUniqueOrThrow({ where: { id: project.id } })).ownerId).toBe(second.id);
  });
});

describe("quota and archive requests", () => {
  it("needs an admin for GPUs, then sets the new quota on the cluster", async () => {
    const { project, ownerCtx } = await provisionedProject("quota-gpu");
    const { number, id } = await requestQuota(ownerCtx, { projectId: project.id, environment: "dev", preset: "medium", gpu: 1, reason: "model training" });
    expect(await code(decideTicket(ops, { ticketId: id, decision: "approve" }))).toBe("FORBIDDEN");
    await decideTicket(admin, { ticketId: id, decision: "approve" });
    expect((await ticketDone(number, ownerCtx)).status).toBe("done");
    const quota = await kube().makeApiClient(CoreV1Api).readNamespacedResourceQuota({ name: "wharf-quota", namespace: "quota-gpu-dev" });
    expect(quota.spec?.hard).toMatchObject({ "requests.cpu": "16", "requests.nvidia.com/gpu": "1" });
    const prod = await kube().makeApiClient(CoreV1Api).readNamespacedResourceQuota({ name: "wharf-quota", namespace: "quota-gpu-prod" });
    expect(prod.spec?.hard?.["requests.cpu"]).toBe("4");
  });

  it("refuses a preset and GPUs the environment's clusters cannot hold, with one message per problem, as the wizard does", async () => {
    const { project, ownerCtx } = await provisionedProject("quota-big");
    const ask = { projectId: project.id, environment: "prod" as const, preset: "large" as const, gpu: 2 };
    // The dialog's check while the values are chosen...
    const check = await checkQuotaRequest(ownerCtx, ask);
    expect(check.fieldErrors).toEqual({
      quota: [
        "48 CPU is more than sandbox-east has (24)",
        "96 GiB of memory is more than sandbox-east has (93 GiB)",
        "2 GPU is more than sandbox-east has (1)",
      ],
    });
    // ...and the request itself: nothing is opened.
    const refused = await failure(requestQuota(ownerCtx, { ...ask, reason: "bigger" }));
    expect(refused?.code).toBe("INVALID_INPUT");
    expect(refused?.fieldErrors).toEqual(check.fieldErrors);
    expect(await db().ticket.count({ where: { projectId: project.id, type: "quota" } })).toBe(0);
    // What fits passes the same check.
    expect((await checkQuotaRequest(ownerCtx, { ...ask, preset: "medium", gpu: 0 })).fieldErrors).toEqual({});
  });

  it("asks for a custom quota: ops approve it within the limits, the ticket shows its values and approval applies them", async () => {
    const { project, ownerCtx } = await provisionedProject("quota-custom");
    const custom = { projectId: project.id, environment: "dev" as const, preset: "custom" as const, cpu: 6, memoryGi: 20, pods: 30, gpu: 0 };
    const check = await checkQuotaRequest(ownerCtx, custom);
    expect(check).toMatchObject({ fieldErrors: {}, requiresAdmin: false, describe: "6 CPU, 20 GiB, 30 pods" });
    const { number, id } = await requestQuota(ownerCtx, { ...custom, reason: "more memory than small" });
    const t = await getTicket(ops, number);
    expect(t.title).toBe("Quota of quota-custom-dev: custom (6 CPU, 20 GiB, 30 pods)");
    expect(t.requiresAdmin).toBe(false);
    const shown = JSON.stringify(t.view.fields);
    expect(shown).toContain('"text":"custom"');
    for (const line of ["CPU: 6 (now 4)", "Memory (GiB): 20 (now 8)", "Pods: 30 (now 20)", "GPUs: 0 (now 0)"]) expect(shown).toContain(line);
    await decideTicket(ops, { ticketId: id, decision: "approve" });
    expect((await ticketDone(number, ownerCtx)).status).toBe("done");
    const quota = await kube().makeApiClient(CoreV1Api).readNamespacedResourceQuota({ name: "wharf-quota", namespace: "quota-custom-dev" });
    expect(quota.spec?.hard).toMatchObject({ "requests.cpu": "6", "requests.memory": "20Gi", pods: "30" });
    const env = await db().environment.findUniqueOrThrow({ where: { projectId_kind: { projectId: project.id, kind: "dev" } } });
    expect(env).toMatchObject({ quotaPreset: "custom", quota: { cpu: 6, memoryGi: 20, pods: 30, gpu: 0 } });
  });

  it("needs an admin for a custom quota above the limits ops set, and says why", async () => {
    const { project, ownerCtx } = await provisionedProject("quota-limit");
    await setQuotaLimits(ops, { cpu: 8, memoryGi: 96, pods: 150, version: (await getQuotaLimits()).version });
    try {
      const above = { projectId: project.id, environment: "dev" as const, preset: "custom" as const, cpu: 10, memoryGi: 20, pods: 30, gpu: 0 };
      const check = await checkQuotaRequest(ownerCtx, above);
      expect(check.requiresAdmin).toBe(true);
      expect(check.adminReasons).toEqual(["10 CPU is above the custom limit ops set (8 CPU)"]);
      // A preset is not held to the custom limits: medium (16 CPU) stays with ops.
      expect((await checkQuotaRequest(ownerCtx, { ...above, preset: "medium" })).requiresAdmin).toBe(false);
      const { id } = await requestQuota(ownerCtx, { ...above, reason: "a bit more CPU" });
      expect(await code(decideTicket(ops, { ticketId: id, decision: "approve" }))).toBe("FORBIDDEN");
      expect(await code(decideTicket(admin, { ticketId: id, decision: "reject", comment: "not now" }))).toBe("ok");
    } finally {
      await setQuotaLimits(admin, { cpu: 48, memoryGi: 96, pods: 150, version: (await getQuotaLimits()).version });
    }
  });

  it("refuses a quota request from a viewer, and for an environment the project lacks", async () => {
    const { project, ownerCtx } = await provisionedProject("quota-bad");
    const viewer = await makeUser();
    await db().projectMember.create({ data: { projectId: project.id, userId: viewer.id, role: "viewer" } });
    expect(await code(requestQuota(await ctxFor(viewer), { projectId: project.id, environment: "dev", preset: "large", gpu: 0, reason: "more" }))).toBe(
      "FORBIDDEN",
    );
    expect(await code(requestQuota(ownerCtx, { projectId: project.id, environment: "staging", preset: "large", gpu: 0, reason: "more" }))).toBe(
      "INVALID_INPUT",
    );
  });

  it("archives a project: its namespaces go from every cluster, the project is archived, its history stays", async () => {
    const { project, ownerCtx } = await provisionedProject("to-archive");
    const { number, id } = await requestArchive(ownerCtx, { projectId: project.id, reason: "replaced by v2" });
    await decideTicket(ops, { ticketId: id, decision: "approve" });
    expect((await ticketDone(number, ownerCtx)).status).toBe("done");
    const after = await db().project.findUniqueOrThrow({ where: { id: project.id } });
    expect(after.lifecycle).toBe("archived");
    const core = kube().makeApiClient(CoreV1Api);
    await expect(core.readNamespace({ name: "to-archive-dev" })).rejects.toMatchObject({ code: 404 });
    await expect(core.readNamespace({ name: "to-archive-prod" })).rejects.toMatchObject({ code: 404 });
    const actions = (await db().auditEvent.findMany({ where: { projectId: project.id }, orderBy: { at: "asc" } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["ticket.create", "ticket.approve", "provisioning.succeeded", "project.archive", "ticket.done"]));
  });
});
