/**
 * The CI demo of `npm run dev` (docs/ci.md): the seed gives Dana's
 * checkout-api its repository on the portal's Git server and its pipelines on
 * the build cluster (sandbox-east), and its dev environment runs on both
 * clusters; so when Dana pushes a commit to develop with the real git client
 * and a Git token, each service is built and its image deployed to dev on
 * both clusters.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppsV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerCluster, updateCluster } from "@/lib/catalog/clusters";
import { CI_RUN_KIND } from "@/lib/ci/regenerate";
import { db } from "@/lib/db/client";
import { gitEnv } from "@/lib/git/cli";
import { portalRepositoryExists } from "@/lib/git/store";
import { createGitToken } from "@/lib/git/tokens";
import { connectCluster } from "@/lib/kube/connection";
import { getServiceSpec } from "@/lib/deploy/specs";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { ctxFor, makeUser } from "@/test/factories";
import { serveGit } from "@/test/git-server";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { CI_DEMO_PROJECT, seed } from "./seed";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-seed-ci-test-"));
process.env.WHARF_REPO_DIR = path.join(root, "repos");
delete process.env.WHARF_GIT_PUBLIC_READ;
const route = await import("@/app/git/[...path]/route");

const env = sandboxForThisFile({ simulation: { ...FAST_SIMULATION, tektonStepMs: 60 } });
workerForThisFile({ concurrency: 8 });

let portal: Awaited<ReturnType<typeof serveGit>>;

function git(args: string[], cwd = root): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-c", "user.name=Dana Developer", "-c", "user.email=dana@wharf.dev", ...args], { cwd, env: gitEnv(), timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  // As scripts/dev.ts does: both sandbox clusters registered, sandbox-east marked for builds.
  const admin = await ctxFor(await makeUser("admin"));
  for (const c of env.sandbox.clusters) {
    const row = await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" });
    if (c.name === "sandbox-east")
      await updateCluster(admin, { id: row.id, version: row.version, displayName: "", region: row.region, tier: row.tier, builds: true });
  }
  await seed(() => {});
  portal = await serveGit((req, segments) => {
    const fn = req.method === "POST" ? route.POST : route.GET;
    return fn(req, { params: Promise.resolve({ path: segments }) });
  });
}, 60_000);
afterAll(async () => {
  await portal?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the CI demo", () => {
  it("lets Dana push to checkout-api's develop with git, and the built images are deployed to dev on both clusters", async () => {
    const project = await db().project.findUniqueOrThrow({
      where: { slug: CI_DEMO_PROJECT },
      include: { owner: true, services: true, environments: { include: { clusters: { include: { cluster: true } } } } },
    });
    expect(project.owner.email).toBe("dana@wharf.dev");
    const dev = project.environments.find((e) => e.kind === "dev")!;
    expect(dev.clusters.map((c) => c.cluster.name).sort()).toEqual(["sandbox-east", "sandbox-west"]);

    // The repository and the pipelines come from a provisioning run the worker carries out; the namespaces too.
    await until(
      async () => {
        const runs = await db().provisioningRun.findMany({ where: { projectId: project.id }, select: { kind: true, status: true } });
        return runs.some((r) => r.kind === CI_RUN_KIND) && runs.every((r) => r.status === "succeeded");
      },
      90_000,
      "checkout-api's provisioning",
    );
    expect(await portalRepositoryExists(CI_DEMO_PROJECT)).toBe(true);
    const build = await connectCluster((await db().cluster.findUniqueOrThrow({ where: { name: "sandbox-east" } })).id);
    const pipelines = await build.api(CustomObjectsApi).listNamespacedCustomObject({
      group: "tekton.dev",
      version: "v1",
      namespace: "checkout-api-ci",
      plural: "pipelines",
    });
    expect((pipelines as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name).sort()).toEqual(["api", "worker"]);

    // The README's walkthrough: a token from /settings/tokens, clone, commit, push to develop.
    const dana = await ctxFor(project.owner);
    const { token } = await createGitToken(dana, { name: "laptop", days: 7 });
    const url = new URL(`${portal.url}/git/${CI_DEMO_PROJECT}.git`);
    url.username = encodeURIComponent("dana@wharf.dev");
    url.password = token;
    const dest = path.join(root, "checkout-api");
    const clone = await git(["clone", "-q", url.toString(), dest]);
    expect(clone.code, clone.stderr).toBe(0);
    expect((await git(["checkout", "-q", "-b", "develop"], dest)).code).toBe(0);
    fs.writeFileSync(path.join(dest, "CHANGELOG.md"), "Free shipping over 50 EUR\n");
    await git(["add", "CHANGELOG.md"], dest);
    await git(["commit", "-q", "-m", "Free shipping over 50 EUR"], dest);
    const sha = (await git(["rev-parse", "HEAD"], dest)).stdout.trim();
    const push = await git(["push", "-q", "origin", "develop"], dest);
    expect(push.code, push.stderr).toBe(0);

    const runs = await db().ciRun.findMany({ where: { projectId: project.id, commitSha: sha }, orderBy: { service: "asc" } });
    expect(runs.map((r) => [r.service, r.ref, r.trigger, r.requestedById])).toEqual([
      ["api", "develop", "push", project.ownerId],
      ["worker", "develop", "push", project.ownerId],
    ]);
    // The demo's own releases (dev: its history) may hold dev a while: the promotions wait for them, then release.
    const releases = await until(
      async () => {
        const rows = await db().release.findMany({ where: { ciRunId: { in: runs.map((r) => r.id) } }, include: { service: true } });
        return rows.length === 2 && rows.every((r) => r.status === "succeeded") ? rows : null;
      },
      120_000,
      "the pushed images to roll out in dev",
    );
    for (const r of releases) {
      const run = await db().ciRun.findUniqueOrThrow({ where: { id: r.ciRunId! } });
      // Built where the service deploys from (its spec's repository), tagged with the commit, pinned by the digest.
      expect(run.imageUrl).toBe(`${(await getServiceSpec(dana, r.serviceId)).spec.image.repository}:${sha.slice(0, 12)}`);
      expect(r).toMatchObject({ environment: "dev", image: `${run.imageUrl}@${run.imageDigest}` });
      for (const c of dev.clusters) {
        const d = await (await connectCluster(c.clusterId)).api(AppsV1Api).readNamespacedDeployment({ name: r.service.slug, namespace: "checkout-api-dev" });
        expect(d.spec?.template.spec?.containers[0]?.image, `${r.service.slug} on ${c.cluster.name}`).toBe(r.image);
      }
    }
  }, 240_000);
});
