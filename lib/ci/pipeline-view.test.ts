/**
 * The CI pages' reads against a sandbox build cluster: the Pipeline tab shows
 * each service's generated resources and how they compare with what is
 * applied, a changed setting shows as a diff until regenerated, a build
 * cluster that does not answer is said so, and only those allowed see the
 * settings and the seed job.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { registerCluster, updateCluster } from "@/lib/catalog/clusters";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ctxFor, makeUser, unreachableKubeconfig } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { getCiSettingsPage, getPipelinePage, getSeedJobPage } from "./pipeline-view";
import { applyRegeneration } from "./regenerate";
import { getCiSettings, updateCiSettings } from "./settings-store";
import { ciProject, registerBuildCluster } from "./testing";

const env = sandboxForThisFile({ clusters: [{ name: "build-east", region: "us-east" }] });
workerForThisFile();

let admin: Ctx;
let clusterId: string;

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  clusterId = await registerBuildCluster(admin, env.sandbox);
});

async function member(role: "owner" | "maintainer" | "developer", slug: string, opts: { services?: string[] } = {}) {
  const user = await makeUser("developer", `${role} of ${slug}`);
  const { project, owner } = await ciProject(clusterId, slug, { members: role === "owner" ? [] : [[user, role]], ...opts });
  return { project, owner, ctx: await ctxFor(role === "owner" ? owner : user) };
}

const refused = (code: AppError["code"]) => expect.objectContaining({ code });

describe("the Pipeline tab", () => {
  it("shows a developer each service's Pipeline and the shared resources, as applied, without the right to regenerate", async () => {
    const { project, ctx } = await member("developer", "cart", { services: ["api", "worker"] });
    const page = await getPipelinePage(ctx, "cart");
    expect(page.plan.status).toBe("ready");
    expect(page.hasChanges).toBe(false);
    expect(page.groups.map((g) => g.service)).toEqual([null, "api", "worker"]);
    expect(page.groups[0]!.resources.map((r) => r.ref)).toEqual([
      "Namespace/cart-ci",
      "ServiceAccount/cart-ci/wharf-pipeline",
      "Task/cart-ci/clone",
      "Task/cart-ci/test",
      "Task/cart-ci/build",
      "Task/cart-ci/push",
    ]);
    expect(page.groups[1]!.resources).toEqual([expect.objectContaining({ ref: "Pipeline/cart-ci/api", state: "unchanged" })]);
    expect(page.groups[1]!.resources[0]!.yaml).toContain("kind: Pipeline");
    expect(page.rights).toEqual({ regenerate: false, editSettings: false });
    await expect(applyRegeneration(ctx, { target: { projectId: project.id }, confirm: { [project.id]: page.plan.digest } })).rejects.toEqual(
      refused("FORBIDDEN"),
    );
  });

  it("shows a changed branch policy as a diff of each Pipeline until the maintainer regenerates, and the run that follows", async () => {
    const { project, ctx } = await member("maintainer", "basket");
    const { settings, version } = await getCiSettings(ctx, project.id);
    await updateCiSettings(ctx, {
      projectId: project.id,
      version,
      settings: {
        ...settings,
        branchPolicy: [...settings.branchPolicy, { match: "hotfix/*", ref: "branch", build: true, push: false, deploy: [], ticket: [] }],
      },
    });

    const before = await getPipelinePage(ctx, "basket");
    expect(before.rights).toEqual({ regenerate: true, editSettings: true });
    expect(before.hasChanges).toBe(true);
    const pipeline = before.groups.find((g) => g.service === "api")!.resources[0]!;
    expect(pipeline.state).toBe("changed");
    expect(pipeline.diff).toMatch(/^\+.*hotfix\/\*/m);
    expect(before.groups[0]!.resources.every((r) => r.state === "unchanged")).toBe(true);

    const started = await applyRegeneration(ctx, { target: { projectId: project.id }, confirm: { [project.id]: before.plan.digest } });
    expect(started).toHaveLength(1);
    const { runId } = started[0]!;
    const followed = await getPipelinePage(ctx, "basket", { runId });
    expect(followed.run).toMatchObject({ id: runId });
    expect(followed.run!.steps.map((s) => s.title)).toContain("Pipelines of basket-ci");
    await until(async () => (await db().provisioningRun.findUnique({ where: { id: runId } }))?.status === "succeeded" || null, 30_000, "the regeneration");
    const after = await getPipelinePage(ctx, "basket");
    expect(after.hasChanges).toBe(false);
    expect(after.run).toMatchObject({ id: runId, status: "succeeded" });
  });

  it("is not shown to a member of another project", async () => {
    await member("owner", "vault");
    const { ctx: stranger } = await member("owner", "kiosk");
    await expect(getPipelinePage(stranger, "vault")).rejects.toEqual(refused("FORBIDDEN"));
    await expect(getPipelinePage(stranger, "no-such-project")).rejects.toEqual(refused("NOT_FOUND"));
  });

  it("says when the build cluster does not answer, and still shows the generated resources, not compared", async () => {
    const nowhere = await registerCluster(admin, {
      name: "lost",
      region: "x",
      tier: "shared",
      kubeconfig: unreachableKubeconfig("lost"),
      displayName: "",
      context: "",
    });
    await updateCluster(admin, { id: nowhere.id, version: nowhere.version, displayName: "", region: "x", tier: "shared", builds: true });
    const { project, ctx } = await member("owner", "atlas");
    const envRow = await db().environment.findFirstOrThrow({ where: { projectId: project.id } });
    await db().environmentCluster.deleteMany({ where: { environmentId: envRow.id } });
    await db().environmentCluster.create({ data: { environmentId: envRow.id, clusterId: nowhere.id } });
    try {
      const page = await getPipelinePage(ctx, "atlas");
      expect(page.plan.status).toBe("unreachable");
      expect(page.plan.reason).toMatch(/^The build cluster lost could not be read/);
      expect(page.hasChanges).toBe(false);
      expect(page.groups.flatMap((g) => g.resources).every((r) => r.state === "unknown")).toBe(true);
      expect(page.groups.flatMap((g) => g.resources).length).toBeGreaterThan(0);
    } finally {
      await db().environmentCluster.deleteMany({ where: { clusterId: nowhere.id } });
      await db().cluster.update({ where: { id: nowhere.id }, data: { builds: false } });
    }
  });
});

describe("the CI settings page", () => {
  it("is refused to a developer of the project", async () => {
    const { ctx } = await member("developer", "dock");
    await expect(getCiSettingsPage(ctx, "dock")).rejects.toEqual(refused("FORBIDDEN"));
  });

  it("refuses saving the settings to a developer of the project and to a maintainer of another project, and changes nothing", async () => {
    const { project, ctx: developer } = await member("developer", "mooring");
    const { ctx: otherMaintainer } = await member("maintainer", "slipway");
    const change = { projectId: project.id, version: 0, settings: { gates: { testsPass: false, coverage: 0 } } };
    await expect(updateCiSettings(developer, change)).rejects.toEqual(refused("FORBIDDEN"));
    await expect(updateCiSettings(otherMaintainer, change)).rejects.toEqual(refused("FORBIDDEN"));
    expect(await db().ciSettings.findUnique({ where: { projectId: project.id } })).toBeNull();
  });

  it("gives a maintainer the webhook URL of each provider, and when the secret was made", async () => {
    const { ctx } = await member("maintainer", "pier");
    const page = await getCiSettingsPage(ctx, "pier");
    expect(page.webhooks.map((w) => w.url.replace(/^https?:\/\/[^/]+/, ""))).toEqual([
      "/api/ci/webhooks/github/pier",
      "/api/ci/webhooks/gitlab/pier",
      "/api/ci/webhooks/gitea/pier",
    ]);
    expect(page.webhookSecretCreatedAt).toBeNull();
  });
});

describe("the seed job page", () => {
  it("is for admins and ops: a developer is refused", async () => {
    const dev = await ctxFor(await makeUser("developer"));
    await expect(getSeedJobPage(dev)).rejects.toEqual(refused("FORBIDDEN"));
  });

  it("lists the projects with something to do before those in step, and the build cluster", async () => {
    const { project, ctx } = await member("owner", "quay");
    const { settings, version } = await getCiSettings(ctx, project.id);
    await updateCiSettings(ctx, { projectId: project.id, version, settings: { ...settings, gates: { testsPass: true, coverage: 90 } } });
    await member("owner", "wharfside");
    const ops = await ctxFor(await makeUser("ops"));
    const page = await getSeedJobPage(ops);
    expect(page.buildCluster).toMatchObject({ name: "build-east" });
    const order = page.plans.map((p) => p.slug);
    expect(order.indexOf("quay")).toBeLessThan(order.indexOf("wharfside"));
    expect(page.plans.find((p) => p.slug === "quay")!.changed.map((c) => c.ref)).toEqual(["Task/quay-ci/test", "Pipeline/quay-ci/api"]);
  });
});
