/** Test support for CI runs: a sandbox cluster marked for builds, and projects whose pipelines are applied on it. */
import { registerCluster, updateCluster } from "@/lib/catalog/clusters";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { applyObjects } from "@/lib/kube/apply";
import { connectCluster } from "@/lib/kube/connection";
import type { TestSandbox } from "@/sandbox/testing/helpers";
import { makeProject, makeUser } from "@/test/factories";
import { until } from "@/test/worker";
import { generateCi } from "./generate";
import { loadCiInputs } from "./input";

/** Registers the sandbox's clusters and marks the first for builds; returns its id. */
export async function registerBuildCluster(admin: Ctx, sandbox: TestSandbox): Promise<string> {
  let id = "";
  for (const c of sandbox.clusters) {
    const row = await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" });
    if (!id) {
      await updateCluster(admin, { id: row.id, version: row.version, displayName: "", region: row.region, tier: row.tier, builds: true });
      id = row.id;
    }
  }
  return id;
}

/** A project with services and a dev environment on the build cluster, its pipelines applied there. */
export async function ciProject(
  clusterId: string,
  slug: string,
  opts: { services?: string[]; members?: Parameters<typeof makeProject>[0]["members"]; settings?: object } = {},
) {
  const owner = await makeUser("developer", `owner ${slug}`);
  const project = await makeProject({ owner, slug, lifecycle: "active", members: opts.members });
  await db().project.update({ where: { id: project.id }, data: { templateId: "", language: "node" } });
  for (const s of opts.services ?? ["api"]) await db().service.create({ data: { projectId: project.id, slug: s, name: s } });
  await db().environment.create({ data: { projectId: project.id, kind: "dev", clusters: { create: [{ clusterId }] } } });
  if (opts.settings) await db().ciSettings.create({ data: { projectId: project.id, settings: opts.settings } });
  const [loaded] = await loadCiInputs({ id: project.id });
  const conn = await connectCluster(clusterId);
  await applyObjects(conn, generateCi(loaded!.input!).objects);
  return { project, owner };
}

/** Waits for a run to reach one of `statuses`. */
export function runReaches(runId: string, statuses: string[], timeoutMs = 30_000) {
  return until(
    async () => {
      const run = await db().ciRun.findUnique({ where: { id: runId } });
      return run && statuses.includes(run.status) ? run : null;
    },
    timeoutMs,
    `run ${runId} to be ${statuses.join(" or ")}`,
  );
}

/** The run with its tasks and steps. */
export function runWithSteps(runId: string) {
  return db().ciRun.findUniqueOrThrow({
    where: { id: runId },
    include: { tasks: { include: { steps: { orderBy: { position: "asc" } } } } },
  });
}
