/** The periodic cluster health check (every minute from the worker's crontab) and a one-cluster check. */
import { z } from "zod";
import { checkAllClusters, checkCluster } from "./clusters";
import { systemCtx } from "@/lib/context";
import { defineTask } from "@/lib/jobs/registry";

export const clustersHealthCheck = defineTask({
  name: "clusters_health_check",
  description: "Checks every registered cluster (reachability, credentials, permissions) and records status, version and latency",
  payload: z.object({}).passthrough(),
  async run(_payload, { jobId, log }) {
    const results = await checkAllClusters(systemCtx(`job-${jobId}`));
    const failing = results.filter((r) => r.status !== "reachable").map((r) => `${r.name}: ${r.status}`);
    log.info({ checked: results.length, failing }, "clusters checked");
  },
});

export const clusterCheck = defineTask({
  name: "cluster_check",
  description: "Checks one cluster now",
  payload: z.object({ clusterId: z.string().min(1) }),
  async run({ clusterId }, { jobId }) {
    await checkCluster(systemCtx(`job-${jobId}`), clusterId);
  },
});
