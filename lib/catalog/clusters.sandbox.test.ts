/** The cluster registry against live (sandbox) clusters: reachable, then stopped, slowed and refusing. */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { checkCluster, registerCluster, testKubeconfig } from "./clusters";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";

const env = sandboxForThisFile();

describe("registering and checking a live cluster", () => {
  it("registers both sandbox clusters from their kubeconfigs and shows them reachable with version and latency", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    for (const cluster of env.sandbox.clusters) {
      const c = await registerCluster(ctx, {
        name: cluster.name,
        region: cluster.region ?? "local",
        tier: "dev",
        kubeconfig: cluster.kubeconfig,
        displayName: "",
        context: "",
      });
      expect(c.status).toBe("reachable");
      expect(c.kubernetesVersion).toMatch(/^v1\.33\.\d+/);
      expect(c.latencyMs).toBeGreaterThanOrEqual(0);
      expect(c.apiUrl).toBe(cluster.server.replace(/\/$/, ""));
    }
  });

  it("tests a kubeconfig of a live cluster without saving it", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const r = await testKubeconfig(ctx, { kubeconfig: env.sandbox.clusters[0]!.kubeconfig });
    expect(r.status).toBe("reachable");
    expect(r.version).toMatch(/^v1\.33/);
  });

  it("follows the cluster down and up again, auditing both transitions", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const live = env.sandbox.clusters[1]!;
    const c = await registerCluster(ctx, { name: "flaky", region: "x", tier: "dev", kubeconfig: live.kubeconfig, displayName: "", context: "" });
    expect(c.status).toBe("reachable");
    await live.stop();
    try {
      const down = await checkCluster(ctx, c.id);
      expect(down.status).toBe("unreachable");
      expect(down.reason).toMatch(/Connection refused/);
    } finally {
      await live.start();
    }
    const up = await checkCluster(ctx, c.id);
    expect(up.status).toBe("reachable");
    const transitions = await db().auditEvent.findMany({ where: { targetId: c.id, action: "cluster.status" }, orderBy: { at: "asc" } });
    expect(transitions.map((t) => (t.after as { status: string }).status)).toEqual(["unreachable", "reachable"]);
  });

  it("reports a cluster that answers too late, and one that refuses the credentials", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const live = env.sandbox.clusters[0]!;
    const c = await registerCluster(ctx, { name: "slow-one", region: "x", tier: "dev", kubeconfig: live.kubeconfig, displayName: "", context: "" });
    live.setLatency(Number(process.env.WHARF_CLUSTER_TIMEOUT_MS) + 1000);
    try {
      const slow = await checkCluster(ctx, c.id);
      expect(slow.status).toBe("unreachable");
      expect(slow.reason).toMatch(/No answer from https:\/\/127\.0\.0\.1:\d+ within 2 s/);
    } finally {
      live.setLatency(0);
    }
    live.failNext(1, 401, "Unauthorized");
    const refused = await checkCluster(ctx, c.id);
    expect(refused.reason).toBe("The cluster rejected the credentials (401 Unauthorized).");
    expect((await checkCluster(ctx, c.id)).status).toBe("reachable");
  });
});
