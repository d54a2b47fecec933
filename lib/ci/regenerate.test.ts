/**
 * Regeneration against a live (sandbox) build cluster: the plan compares what
 * would be generated with what is applied, apply makes the cluster match as a
 * provisioning run, onboarding brings a new project's pipelines, only those
 * allowed may regenerate, and a build cluster that does not answer marks its
 * own projects only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, KubeConfig, type V1JSONSchemaProps } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { AppError } from "@/lib/errors";
import { registerCluster, updateCluster } from "@/lib/catalog/clusters";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { ctxFor, makeProject, makeUser, unreachableKubeconfig } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { applyRegeneration, hasChanges, planRegeneration, type ProjectRegenerationPlan } from "./regenerate";
import { updateCiSettings } from "./settings-store";

const env = sandboxForThisFile();
workerForThisFile();

let admin: Ctx;
let east: string;

function kube() {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster("sandbox-east").kubeconfig);
  return kc;
}

/** Any object (client-node's type has no field for x-kubernetes-preserve-unknown-fields; the API server reads it). */
const PRESERVE = { type: "object", "x-kubernetes-preserve-unknown-fields": true } as V1JSONSchemaProps;

/** Minimal tekton.dev/v1 CRDs, when the sandbox does not serve Tekton's own yet. */
async function serveTektonCrds() {
  const ext = kube().makeApiClient(ApiextensionsV1Api);
  for (const [plural, kind] of [
    ["tasks", "Task"],
    ["pipelines", "Pipeline"],
  ] as const) {
    try {
      await ext.createCustomResourceDefinition({
        body: {
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          metadata: { name: `${plural}.tekton.dev` },
          spec: {
            group: "tekton.dev",
            scope: "Namespaced",
            names: { plural, singular: kind.toLowerCase(), kind },
            versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: PRESERVE } }],
          },
        },
      });
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 409)) throw e;
    }
  }
}

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  for (const c of env.sandbox.clusters) {
    const row = await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" });
    if (c.name === "sandbox-east") east = row.id;
  }
  await serveTektonCrds();
});

async function ciProject(
  slug: string,
  opts: { templateId: string; language: string; services: string[]; members?: Parameters<typeof makeProject>[0]["members"] },
) {
  const owner = await makeUser("developer", `owner ${slug}`);
  const project = await makeProject({ owner, slug, lifecycle: "active", members: opts.members });
  await db().project.update({ where: { id: project.id }, data: { templateId: opts.templateId, language: opts.language } });
  for (const s of opts.services) await db().service.create({ data: { projectId: project.id, slug: s, name: s } });
  await db().environment.create({ data: { projectId: project.id, kind: "dev", clusters: { create: [{ clusterId: east }] } } });
  return { project, owner };
}

async function finished(runId: string) {
  return until(
    async () => {
      const run = await getRun(runId);
      return run && run.status !== "running" ? run : null;
    },
    30_000,
    `run ${runId}`,
  );
}

async function planOf(ctx: Ctx, projectId: string): Promise<ProjectRegenerationPlan> {
  const [plan] = await planRegeneration(ctx, { projectId });
  return plan!;
}

async function applyPlan(ctx: Ctx, plan: ProjectRegenerationPlan) {
  const [run] = await applyRegeneration(ctx, { target: { projectId: plan.projectId }, confirm: { [plan.projectId]: plan.digest } });
  return finished(run!.runId);
}

async function pipelinesOn(namespace: string) {
  const list = (await kube()
    .makeApiClient(CustomObjectsApi)
    .listNamespacedCustomObject({ group: "tekton.dev", version: "v1", namespace, plural: "pipelines" })) as { items: { metadata: { name: string } }[] };
  return list.items.map((p) => p.metadata.name).sort();
}

const refs = (items: { ref: string }[]) => items.map((i) => i.ref);

describe("pipelines regenerated from metadata, plan before apply", () => {
  it("an admin marks a cluster for builds through the cluster update path, audited", async () => {
    const row = await db().cluster.findUniqueOrThrow({ where: { id: east } });
    const updated = await updateCluster(admin, { id: east, version: row.version, displayName: "", region: row.region, tier: row.tier, builds: true });
    expect(updated.builds).toBe(true);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "cluster.update", targetId: east }, orderBy: { at: "desc" } });
    expect(audit.before).toMatchObject({ builds: false });
    expect(audit.after).toMatchObject({ builds: true });
  });

  it("plans every object as added for a new project, applies them as a provisioning run, and then plans nothing", async () => {
    const { project, owner } = await ciProject("orders", { templateId: "spring-boot", language: "java", services: ["api", "worker"] });
    const ctx = await ctxFor(owner);
    const plan = await planOf(ctx, project.id);
    expect(plan).toMatchObject({ status: "ready", cluster: { name: "sandbox-east" }, namespace: "orders-ci", changed: [], removed: [] });
    expect(refs(plan.added)).toEqual([
      "Namespace/orders-ci",
      "ServiceAccount/orders-ci/wharf-pipeline",
      "Task/orders-ci/clone",
      "Task/orders-ci/test",
      "Task/orders-ci/build",
      "Task/orders-ci/push",
      "Pipeline/orders-ci/api",
      "Pipeline/orders-ci/worker",
    ]);
    expect(plan.added[6]!.yaml).toContain("kind: Pipeline");

    const run = await applyPlan(ctx, plan);
    expect(run.status).toBe("succeeded");
    expect(run.kind).toBe("ci_regenerate");
    expect(run.steps.map((s) => [s.kind, s.cluster?.name])).toEqual([
      ["ci-apply", "sandbox-east"],
      ["ci-apply", "sandbox-east"],
      ["ci-apply", "sandbox-east"],
      ["ci-prune", "sandbox-east"],
    ]);
    expect(await pipelinesOn("orders-ci")).toEqual(["api", "worker"]);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "ci.regenerate", projectId: project.id } });
    expect(audit.actorId).toBe(owner.id);
    expect(audit.after).toMatchObject({ runId: run.id, cluster: "sandbox-east", namespace: "orders-ci" });

    const again = await planOf(ctx, project.id);
    expect(hasChanges(again)).toBe(false);
    expect(again.unchanged).toHaveLength(8);
    expect(again.digest).toBe(plan.digest);
  });

  it("after a metadata change shows the diff and what goes, refuses a stale confirmation, and applies to an empty plan", async () => {
    const { project, owner } = await ciProject("billing", { templateId: "node-ts", language: "typescript", services: ["api", "worker"] });
    const ctx = await ctxFor(owner);
    await applyPlan(ctx, await planOf(ctx, project.id));
    const stale = await planOf(ctx, project.id);

    await updateCiSettings(ctx, { projectId: project.id, version: 0, settings: { gates: { testsPass: true, coverage: 80 } } });
    await db().service.deleteMany({ where: { projectId: project.id, slug: "worker" } });
    const plan = await planOf(ctx, project.id);
    expect(plan.added).toEqual([]);
    expect(refs(plan.changed)).toEqual(["Task/billing-ci/test", "Pipeline/billing-ci/api"]);
    expect(refs(plan.removed)).toEqual(["Pipeline/billing-ci/worker"]);
    const testDiff = plan.changed[0]!.diff;
    expect(testDiff).toContain("--- Task/billing-ci/test (applied)");
    expect(testDiff).toMatch(/^-\s+default: "60"$/m);
    expect(testDiff).toMatch(/^\+\s+default: "80"$/m);
    // The single service now builds from the repository's root.
    expect(plan.changed[1]!.diff).toMatch(/^-\s+value: api$/m);

    await expect(applyRegeneration(ctx, { target: { projectId: project.id }, confirm: { [project.id]: stale.digest } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const run = await applyPlan(ctx, plan);
    expect(run.status).toBe("succeeded");
    expect(run.steps.find((s) => s.kind === "ci-prune")!.result).toEqual({ deleted: ["Pipeline/billing-ci/worker"] });
    expect(await pipelinesOn("billing-ci")).toEqual(["api"]);
    expect(hasChanges(await planOf(ctx, project.id))).toBe(false);
  });

  it("gives a new project its pipelines at onboarding, through the module's plan contributor", async () => {
    const { project, owner } = await ciProject("returns", { templateId: "python-fastapi", language: "python", services: ["api"] });
    const drafts = computePlan(await loadPlanInput(project.id, "onboarding"));
    const ci = drafts.filter((d) => d.kind === "ci-onboard");
    expect(ci).toEqual([expect.objectContaining({ key: "ci-pipeline", title: "CI pipeline of returns" })]);
    const { runId } = await db().$transaction((tx) => createRun(tx, { kind: "onboarding", projectId: project.id, drafts: ci }));
    const run = await finished(runId);
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]!.result).toMatchObject({ cluster: "sandbox-east", namespace: "returns-ci" });
    expect(await pipelinesOn("returns-ci")).toEqual(["api"]);
    expect(hasChanges(await planOf(await ctxFor(owner), project.id))).toBe(false);
  });

  it("refuses regeneration to a developer of the project (not a maintainer) and to a member of another project", async () => {
    const developer = await makeUser("developer", "dev of shipping");
    const maintainer = await makeUser("developer", "maintainer of shipping");
    const { project } = await ciProject("shipping", {
      templateId: "node-ts",
      language: "typescript",
      services: ["api"],
      members: [
        [developer, "developer"],
        [maintainer, "maintainer"],
      ],
    });
    const other = await ciProject("payments", { templateId: "node-ts", language: "typescript", services: ["api"] });
    const devCtx = await ctxFor(developer);
    const outsider = await ctxFor(other.owner);

    const plan = await planOf(devCtx, project.id); // reading the plan is fine for every member
    const confirm = { target: { projectId: project.id }, confirm: { [project.id]: plan.digest } };
    for (const ctx of [devCtx, outsider]) {
      await expect(applyRegeneration(ctx, confirm)).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(applyRegeneration(ctx, { target: { all: true }, confirm: { [project.id]: plan.digest } })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(planRegeneration(ctx, { all: true })).rejects.toBeInstanceOf(AppError);
    }
    await expect(planRegeneration(outsider, { projectId: project.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // A confirmation cannot smuggle in another project.
    await expect(
      applyRegeneration(await ctxFor(other.owner), { target: { projectId: other.project.id }, confirm: { [project.id]: plan.digest } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await db().provisioningRun.count({ where: { projectId: project.id } })).toBe(0);

    const [run] = await applyRegeneration(await ctxFor(maintainer), confirm);
    expect((await finished(run!.runId)).status).toBe("succeeded");
  });

  it("says so for the projects of a build cluster that does not answer, and plans the others", async () => {
    const nowhere = await registerCluster(admin, {
      name: "nowhere",
      region: "x",
      tier: "shared",
      kubeconfig: unreachableKubeconfig("nowhere"),
      displayName: "",
      context: "",
    });
    await updateCluster(admin, { id: nowhere.id, version: nowhere.version, displayName: "", region: "x", tier: "shared", builds: true });
    const reachable = await ciProject("catalogue", { templateId: "node-ts", language: "typescript", services: ["api"] });
    const lost = await ciProject("ledger", { templateId: "node-ts", language: "typescript", services: ["api"] });
    await db().environmentCluster.deleteMany({ where: { environment: { projectId: lost.project.id } } });
    await db().environmentCluster.create({
      data: { environmentId: (await db().environment.findFirstOrThrow({ where: { projectId: lost.project.id } })).id, clusterId: nowhere.id },
    });

    const plans = await planRegeneration(admin, { all: true });
    const ledger = plans.find((p) => p.slug === "ledger")!;
    expect(ledger).toMatchObject({ status: "unreachable", cluster: { name: "nowhere" }, added: [] });
    expect(ledger.reason).toMatch(/^The build cluster nowhere could not be read: Connection refused/);
    const catalogue = plans.find((p) => p.slug === "catalogue")!;
    expect(catalogue).toMatchObject({ status: "ready", cluster: { name: "sandbox-east" } });
    expect(catalogue.added).toHaveLength(7);
    // The projects applied earlier in this file are still in step.
    expect(plans.filter((p) => ["orders", "billing", "returns", "shipping"].includes(p.slug)).map((p) => [p.slug, hasChanges(p)])).toEqual([
      ["billing", false],
      ["orders", false],
      ["returns", false],
      ["shipping", false],
    ]);
    expect(reachable.project.id).toBe(catalogue.projectId);
  });
});
