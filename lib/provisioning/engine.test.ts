/**
 * Provisioning against live (sandbox) clusters: the onboarding plan lands on
 * every cluster of every environment, members get the access their role
 * gives them, running it again changes nothing, and a cluster that is down
 * makes its steps retry until it is back.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun, retryStep } from "./engine";
import { AppError } from "@/lib/errors";
import { loadPlanInput } from "./plan-input";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { quotaOf } from "./quota";
import type { Ctx } from "@/lib/context";

const env = sandboxForThisFile();
workerForThisFile();

let admin: Ctx;
let clusterIds: Record<string, string>;

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  clusterIds = {};
  for (const c of env.sandbox.clusters) {
    const row = await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" });
    clusterIds[c.name] = row.id;
  }
});

async function projectWithEnvironments(slug: string) {
  const owner = await makeUser("developer", `owner ${slug}`);
  const dev = await makeUser("developer", `dev ${slug}`);
  const viewer = await makeUser("developer", `viewer ${slug}`);
  const project = await makeProject({
    owner,
    slug,
    members: [
      [dev, "developer"],
      [viewer, "viewer"],
    ],
  });
  await setEnvironment(admin, { projectId: project.id, kind: "dev", clusterIds: [clusterIds["sandbox-east"]!] });
  await setEnvironment(admin, { projectId: project.id, kind: "prod", clusterIds: [clusterIds["sandbox-east"]!, clusterIds["sandbox-west"]!] });
  await db().environment.updateMany({ where: { projectId: project.id, kind: "prod" }, data: { quotaPreset: "medium", quota: quotaOf("medium") } });
  return { project, owner, dev, viewer };
}

async function runPlan(projectId: string, kind: "onboarding" | "member_sync" | "archive" = "onboarding") {
  const drafts = computePlan(await loadPlanInput(projectId, kind));
  const { runId } = await db().$transaction((tx) => createRun(tx, { kind, projectId, drafts }));
  return runId;
}

async function finished(runId: string, timeoutMs = 30_000) {
  return until(
    async () => {
      const run = await getRun(runId);
      return run && run.status !== "running" ? run : null;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
}

function kubeFor(clusterName: string, user?: string) {
  const kc = new KubeConfig();
  const c = env.sandbox.cluster(clusterName);
  kc.loadFromString(user ? c.kubeconfigFor(user) : c.kubeconfig);
  return kc;
}

async function canI(clusterName: string, email: string, verb: string, resource: string, namespace: string, group = "apps") {
  env.sandbox.addUser(email);
  const review = await kubeFor(clusterName, email)
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectAccessReview({
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace, verb, group, resource } } },
    });
  return review.status?.allowed ?? false;
}

describe("onboarding provisioning", () => {
  it("creates namespace, quota, limits, network policy, CI account and member bindings on every cluster of every environment", async () => {
    const { project } = await projectWithEnvironments("shop-one");
    const runId = await runPlan(project.id);
    const run = await finished(runId);
    expect(run.status).toBe("succeeded");
    // 2 environments on 3 clusters in all, 6 steps each, and monitoring's: the project's dashboard, its rule file and
    // its PrometheusRule on each of the 3 clusters.
    expect(run.steps).toHaveLength(23);
    expect(new Set(run.steps.map((s) => s.status))).toEqual(new Set(["succeeded"]));

    for (const [cluster, ns] of [
      ["sandbox-east", "shop-one-dev"],
      ["sandbox-east", "shop-one-prod"],
      ["sandbox-west", "shop-one-prod"],
    ] as const) {
      const core = kubeFor(cluster).makeApiClient(CoreV1Api);
      const namespace = await core.readNamespace({ name: ns });
      expect(namespace.metadata?.labels).toMatchObject({
        "wharf.dev/project": "shop-one",
        "app.kubernetes.io/managed-by": "wharf",
        "wharf.dev/environment": ns.endsWith("prod") ? "prod" : "dev",
      });
      const quota = await core.readNamespacedResourceQuota({ name: "wharf-quota", namespace: ns });
      expect(quota.spec?.hard?.["requests.cpu"]).toBe(ns.endsWith("prod") ? "16" : "4");
      expect(quota.spec?.hard?.["requests.nvidia.com/gpu"]).toBe("0");
      await core.readNamespacedLimitRange({ name: "wharf-defaults", namespace: ns });
      await core.readNamespacedServiceAccount({ name: "wharf-ci", namespace: ns });
      const rbac = kubeFor(cluster).makeApiClient(RbacAuthorizationV1Api);
      const edit = await rbac.readNamespacedRoleBinding({ name: "wharf-members-edit", namespace: ns });
      expect(edit.roleRef.name).toBe("edit");
      expect(edit.metadata?.managedFields?.map((f) => f.manager)).toEqual(["wharf"]);
    }
  });

  it("gives developers edit outside production and view in it; viewers view; RBAC checked by asking the cluster as the member", async () => {
    const { project, owner, dev, viewer } = await projectWithEnvironments("shop-rbac");
    expect((await finished(await runPlan(project.id))).status).toBe("succeeded");
    expect(await canI("sandbox-east", dev.email, "create", "deployments", "shop-rbac-dev")).toBe(true);
    expect(await canI("sandbox-east", dev.email, "create", "deployments", "shop-rbac-prod")).toBe(false);
    expect(await canI("sandbox-west", dev.email, "get", "deployments", "shop-rbac-prod")).toBe(true);
    expect(await canI("sandbox-west", owner.email, "create", "deployments", "shop-rbac-prod")).toBe(true);
    expect(await canI("sandbox-east", viewer.email, "create", "deployments", "shop-rbac-dev")).toBe(false);
    expect(await canI("sandbox-east", viewer.email, "list", "pods", "shop-rbac-dev", "")).toBe(true);
    // Someone who is not a member has nothing there.
    expect(await canI("sandbox-east", "stranger@test.wharf", "list", "pods", "shop-rbac-dev", "")).toBe(false);
  });

  it("changes nothing when the same plan runs again", async () => {
    const { project } = await projectWithEnvironments("shop-again");
    expect((await finished(await runPlan(project.id))).status).toBe("succeeded");
    const ns = await kubeFor("sandbox-west").makeApiClient(CoreV1Api).readNamespace({ name: "shop-again-prod" });
    const again = await finished(await runPlan(project.id));
    expect(again.status).toBe("succeeded");
    // Every step that applies objects to a cluster says what it did with each (the dashboard and rule-file steps write no cluster objects).
    const outcomes = again.steps.flatMap((s) => (s.result as { applied?: { outcome: string }[] }).applied?.map((a) => a.outcome) ?? []);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(new Set(outcomes)).toEqual(new Set(["unchanged"]));
    const after = await kubeFor("sandbox-west").makeApiClient(CoreV1Api).readNamespace({ name: "shop-again-prod" });
    expect(after.metadata?.resourceVersion).toBe(ns.metadata?.resourceVersion);
  });

  it("retries the steps of a cluster that is down and completes once it is back, applying nothing twice", async () => {
    const { project } = await projectWithEnvironments("shop-down");
    const west = env.sandbox.cluster("sandbox-west");
    await west.stop();
    let runId: string;
    try {
      runId = await runPlan(project.id);
      // East finishes; west's namespace step fails and waits for its next attempt.
      const waiting = await until(
        async () => {
          const run = await getRun(runId);
          const westNs = run?.steps.find((s) => s.kind === "namespace" && s.cluster?.name === "sandbox-west");
          const eastDone = run?.steps.filter((s) => s.cluster?.name === "sandbox-east").every((s) => s.status === "succeeded");
          return westNs?.status === "retrying" && eastDone ? westNs : null;
        },
        20_000,
        "the west namespace step to be retrying",
      );
      expect(waiting.lastError).toMatch(/^sandbox-west: .*Connection refused/);
      expect(waiting.nextAttemptAt).not.toBeNull();
      const run = await getRun(runId);
      expect(run!.status).toBe("running");
      expect(run!.steps.filter((s) => s.cluster?.name === "sandbox-east").every((s) => s.status === "succeeded")).toBe(true);
      expect(run!.steps.filter((s) => s.cluster?.name === "sandbox-west" && s.kind !== "namespace").every((s) => s.status === "pending")).toBe(true);
    } finally {
      await west.start();
    }
    // Ops do not have to wait for the backoff: retry now.
    const ops = await ctxFor(await makeUser("ops"));
    const westNs = (await getRun(runId!))!.steps.find((s) => s.kind === "namespace" && s.cluster?.name === "sandbox-west")!;
    // The step either still waits for its next attempt (the retry queues it now, audited) or its backoff just ended and
    // it runs again on its own (the retry is refused, saying so). Either way the answer is said, never swallowed.
    const retried = await retryStep(ops, westNs.id).then(
      () => "queued",
      (e: unknown) => (e instanceof AppError ? `${e.code}: ${e.userMessage}` : String(e)),
    );
    if (retried === "queued") {
      expect(await db().auditEvent.count({ where: { action: "provisioning.retry", targetId: westNs.id } })).toBe(1);
    } else {
      expect(retried).toMatch(/^PRECONDITION_FAILED: This step (is running right now|already succeeded)\.$/);
    }
    const done = await finished(runId!);
    expect(done.status).toBe("succeeded");
    const westSteps = done.steps.filter((s) => s.cluster?.name === "sandbox-west");
    for (const s of westSteps) {
      const applied = (s.result as { applied: { outcome: string }[] }).applied;
      expect(applied.every((a) => a.outcome === "created")).toBe(true);
    }
  });

  it("refuses a retry by someone who is not ops", async () => {
    const dev = await ctxFor(await makeUser("developer"));
    await expect(retryStep(dev, "any")).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
