import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCrontab, type Runner } from "graphile-worker";
import { db } from "@/lib/db/client";
import { registerCluster } from "@/lib/catalog/clusters";
import { enqueue } from "./enqueue";
import { startWorker } from "./worker";
import { crontab } from "./registry";
import { clusterCheck } from "@/lib/catalog/cluster-tasks";
import { ctxFor, makeUser, unreachableKubeconfig } from "@/test/factories";

let runner: Runner;

beforeAll(async () => {
  runner = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 2, schedule: false, pollInterval: 100 });
});
afterAll(async () => {
  await runner.stop();
});

async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the job worker", () => {
  it("runs a cluster check from the queue and records its result", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const c = await registerCluster(ctx, {
      name: "queued",
      region: "eu",
      tier: "dev",
      kubeconfig: unreachableKubeconfig("queued"),
      displayName: "",
      context: "",
    });
    await db().cluster.update({ where: { id: c.id }, data: { status: "unknown", statusReason: "" } });
    await enqueue(clusterCheck, { clusterId: c.id });
    const after = await until(async () => {
      const row = await db().cluster.findUniqueOrThrow({ where: { id: c.id } });
      return row.status !== "unknown" ? row : null;
    });
    expect(after.status).toBe("unreachable");
    expect(after.statusReason).toMatch(/Connection refused/);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { targetId: c.id, action: "cluster.status" } });
    expect(audit.actorLabel).toBe("system");
    expect(audit.requestId).toMatch(/^job-/);
  });

  it("adds a job only when the transaction that asks for it commits", async () => {
    const count = async () =>
      Number(
        (
          await db().$queryRaw<
            { n: bigint }[]
          >`select count(*) as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'cluster_check' and j.payload->>'clusterId' = 'rolled-back'`
        )[0]!.n,
      );
    await db()
      .$transaction(async (tx) => {
        await enqueue(clusterCheck, { clusterId: "rolled-back" }, { runAt: new Date(Date.now() + 3_600_000) }, tx);
        throw new Error("abort");
      })
      .catch(() => {});
    expect(await count()).toBe(0);
    await db().$transaction(async (tx) => {
      await enqueue(clusterCheck, { clusterId: "rolled-back" }, { runAt: new Date(Date.now() + 3_600_000) }, tx);
    });
    expect(await count()).toBe(1);
  });

  it("refuses a payload that does not match the task's schema before it reaches the queue", async () => {
    await expect(enqueue(clusterCheck, { clusterId: "" })).rejects.toThrow();
  });

  it("schedules the health check every minute, deduplicated, without retries", () => {
    expect(crontab().split(" ").slice(0, 5)).toEqual(["*", "*", "*", "*", "*"]);
    const items = parseCrontab(crontab());
    // Other modules add their crons (alerting: escalation every minute); these two are the catalog's and provisioning's.
    expect(items.map((i) => i.task)).toEqual(expect.arrayContaining(["clusters_health_check", "rbac_reconcile"]));
    expect(items.find((i) => i.task === "clusters_health_check")!.options).toMatchObject({ maxAttempts: 1, jobKey: "clusters_health_check" });
  });
});
