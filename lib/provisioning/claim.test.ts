/**
 * A step is claimed by one job at a time: a second delivery of the step
 * (a retry by hand that lands while a backoff attempt is running) does
 * nothing while the first job lives, and takes over once that job's lock is
 * gone (its worker died); a step that succeeded is never run again.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { registerCluster } from "@/lib/catalog/clusters";
import { logger } from "@/lib/log";
import { createRun, provisioningStepTask } from "./engine";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";

const env = sandboxForThisFile({ clusters: [{ name: "claim-east", region: "us-east" }] });
let clusterId = "";

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const c = env.sandbox.cluster("claim-east");
  clusterId = (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id;
});

async function namespaceExists(name: string) {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster("claim-east").kubeconfig);
  try {
    await kc.makeApiClient(CoreV1Api).readNamespace({ name });
    return true;
  } catch {
    return false;
  }
}

/** A run of one namespace step, its job queued (no worker runs in this file). */
async function oneStep(ns: string) {
  const project = await makeProject({ owner: await makeUser(), slug: ns });
  const { runId } = await db().$transaction((tx) =>
    createRun(tx, {
      kind: "onboarding",
      projectId: project.id,
      drafts: [
        {
          key: "ns",
          kind: "namespace",
          title: `Namespace ${ns}`,
          clusterId,
          clusterName: "claim-east",
          target: `Namespace ${ns}`,
          spec: { objects: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }] },
        },
      ],
    }),
  );
  const step = await db().provisioningStep.findFirstOrThrow({ where: { runId } });
  const [job] = await db().$queryRaw<{ id: bigint }[]>`select id from graphile_worker._private_jobs where key = ${`step:${step.id}`}`;
  return { step, jobId: String(job!.id) };
}

const deliver = (stepId: string, jobId: string) =>
  provisioningStepTask.run({ stepId }, { jobId, attempt: 1, maxAttempts: 3, log: logger.child({ test: "claim" }) });

describe("a step delivered twice", () => {
  it("does nothing while another live job holds it, and takes over once that job's lock is gone", async () => {
    const { step, jobId } = await oneStep("claim-held");
    // The queued job is picked up by some worker and claims the step.
    await db().$executeRaw`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'elsewhere' where id = ${BigInt(jobId)}`;
    await db().provisioningStep.update({ where: { id: step.id }, data: { status: "running", claimedJobId: jobId } });

    await deliver(step.id, "999999001");
    expect(await db().provisioningStep.findUniqueOrThrow({ where: { id: step.id } })).toMatchObject({ status: "running", claimedJobId: jobId });
    expect(await namespaceExists("claim-held")).toBe(false);

    // The holder's worker died and its lock was released: the next delivery takes the step and completes it.
    await db().$executeRaw`update graphile_worker._private_jobs set locked_at = null, locked_by = null where id = ${BigInt(jobId)}`;
    await deliver(step.id, "999999002");
    expect(await db().provisioningStep.findUniqueOrThrow({ where: { id: step.id } })).toMatchObject({ status: "succeeded", claimedJobId: "999999002" });
    expect(await namespaceExists("claim-held")).toBe(true);
  });

  it("never runs a step that succeeded again", async () => {
    const { step, jobId } = await oneStep("claim-done");
    await deliver(step.id, jobId);
    const done = await db().provisioningStep.findUniqueOrThrow({ where: { id: step.id } });
    expect(done.status).toBe("succeeded");
    await deliver(step.id, "999999003");
    expect(await db().provisioningStep.findUniqueOrThrow({ where: { id: step.id } })).toMatchObject({
      status: "succeeded",
      attempts: done.attempts,
      claimedJobId: jobId,
    });
  });
});
