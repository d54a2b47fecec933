/**
 * The permissions the modules declare are the ones Wharf's work takes: an
 * identity holding exactly the ClusterRole of docs/clusters.md registers,
 * provisions a project, deploys, restarts, kills a pod, reads the matrix,
 * history, pods and capacity, and archives, on a sandbox that authorizes as
 * kube-apiserver does (create on apply, escalation prevention for bindings).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { registerCluster, requiredPermissionRows } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { createRelease } from "@/lib/deploy/releases";
import { getServiceSpec, saveServiceSpec } from "@/lib/deploy/specs";
import { deploymentMatrix } from "@/lib/deploy/matrix";
import { getHistory, listPods } from "@/lib/deploy/observe";
import { killPod, restartService } from "@/lib/deploy/operations";
import { grantManifest } from "./access";
import { clusterCapacity } from "./capacity";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { FAST_SIMULATION, kubeConfigFor } from "@/sandbox/testing/helpers";

const env = sandboxForThisFile({ clusters: [{ name: "least", region: "eu-west" }], simulation: FAST_SIMULATION });
workerForThisFile();

const WHARF = "system:serviceaccount:kube-system:wharf";
const docs = readFileSync(path.join(import.meta.dirname, "../../docs/clusters.md"), "utf8");

/** The YAML block of docs/clusters.md that follows its wharf-clusterrole marker. */
function documentedManifest(): string {
  const after = docs.slice(docs.indexOf("<!-- wharf-clusterrole"));
  const block = /```yaml\n([\s\S]+?)```/.exec(after);
  if (!block) throw new Error("docs/clusters.md has no ClusterRole block after its marker");
  return block[1]!;
}

const objectsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);

/** The run once it finished, or as soon as a step was refused by the cluster (a refusal is not worth the retries). */
async function runFinished(runId: string, timeoutMs = 40_000) {
  return until(
    async () => {
      const run = await getRun(runId);
      return run && (run.status !== "running" || run.steps.some((s) => /403|401|forbidden|not allowed/i.test(s.lastError))) ? run : null;
    },
    timeoutMs,
    `run ${runId}`,
  );
}

async function startRun(projectId: string, kind: "onboarding" | "archive") {
  const drafts = computePlan(await loadPlanInput(projectId, kind));
  return (await db().$transaction((tx) => createRun(tx, { kind, projectId, drafts }))).runId;
}

let clusterId: string;
let admin: Ctx;

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  env.sandbox.addUser(WHARF);
  const objects = kubeConfigFor(env.sandbox.clusters[0]!).makeApiClient(KubernetesObjectApi);
  for (const o of objectsOf(documentedManifest())) await objects.create(o);
});

describe("the permissions Wharf asks a cluster for", () => {
  it("are the ClusterRole docs/clusters.md shows", () => {
    expect(objectsOf(documentedManifest())).toEqual(objectsOf(grantManifest(requiredPermissionRows(), WHARF)));
  });

  it("are enough for everything Wharf does on a cluster, from registration to archiving", async () => {
    const registered = await registerCluster(admin, {
      name: "least",
      region: "eu-west",
      tier: "shared",
      kubeconfig: env.sandbox.clusters[0]!.kubeconfigFor(WHARF),
      displayName: "",
      context: "",
    });
    expect(registered.status).toBe("reachable");
    expect(registered.identity).toBe(WHARF);
    clusterId = registered.id;

    const capacity = await clusterCapacity(clusterId);
    expect(capacity).toMatchObject({ cluster: "least", nodes: expect.any(Number) });

    // Onboarding: namespace, quota, limits, network policy, CI account and member bindings (edit and view).
    const ownerUser = await makeUser("developer", "least owner");
    const viewer = await makeUser("developer", "least viewer");
    const project = await makeProject({ owner: ownerUser, slug: "least-priv", members: [[viewer, "viewer"]] });
    await setEnvironment(admin, { projectId: project.id, kind: "dev", clusterIds: [clusterId] });
    const onboarding = await runFinished(await startRun(project.id, "onboarding"));
    expect(onboarding.steps.filter((s) => s.status !== "succeeded").map((s) => `${s.title}: ${s.lastError}`)).toEqual([]);
    expect(onboarding.status).toBe("succeeded");

    // A release: apply and rollout.
    const owner = await ctxFor(ownerUser);
    const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API", kind: "api" } });
    const { spec } = await getServiceSpec(owner, service.id);
    await saveServiceSpec(owner, {
      serviceId: service.id,
      baseVersion: 0,
      spec: { ...spec, image: { repository: "registry.example.com/least/api" }, replicas: 1, rollout: { progressDeadlineSeconds: 30, minReadySeconds: 0 } },
    });
    const release = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" });
    const done = await until(async () => {
      const r = await db().release.findUniqueOrThrow({ where: { id: release.id } });
      return ["succeeded", "failed", "rolled_back"].includes(r.status) ? r : null;
    }, 40_000);
    expect({ status: done.status, reason: done.reason }).toEqual({ status: "succeeded", reason: expect.anything() });

    // The reads pages make: matrix, history, pods.
    const matrix = await deploymentMatrix(admin);
    expect(matrix.rows.flatMap((r) => r.cells).find((c) => c.cluster === "least")).toMatchObject({ status: "ready" });
    const history = await getHistory(owner, service.id, "dev");
    expect(JSON.stringify(history)).not.toMatch(/forbidden/i);
    const pods = await listPods(owner, service.id, "dev");
    expect(JSON.stringify(pods)).not.toMatch(/forbidden/i);

    // Day-2 operations: a rolling restart, then the Kill pod action.
    const restart = await runFinished((await restartService(owner, { serviceId: service.id, environment: "dev" })).runId);
    expect({ status: restart.status, errors: restart.steps.map((s) => s.lastError) }).toEqual({ status: "succeeded", errors: [""] });
    const core = kubeConfigFor(env.sandbox.clusters[0]!).makeApiClient(CoreV1Api);
    const pod = (await core.listNamespacedPod({ namespace: "least-priv-dev" })).items[0]!.metadata!.name!;
    const kill = await runFinished((await killPod(owner, { serviceId: service.id, environment: "dev", clusterId, pod })).runId);
    expect({ status: kill.status, errors: kill.steps.map((s) => s.lastError) }).toEqual({ status: "succeeded", errors: [""] });

    // Archiving deletes the namespace.
    const archive = await runFinished(await startRun(project.id, "archive"));
    expect(archive.steps.filter((s) => s.status !== "succeeded").map((s) => `${s.title}: ${s.lastError}`)).toEqual([]);
    expect(archive.status).toBe("succeeded");
  });
});
