/**
 * How much a cluster can give: the sum of its nodes' allocatable CPU, memory,
 * pods and GPUs. A bounded read through the fan-out (each cluster at most
 * WHARF_CLUSTER_READ_TIMEOUT_MS, reused for a few seconds), so a form may
 * ask while a person chooses a quota.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { readClusters, type ClusterRead } from "./fanout";
import { cpuCores, memoryGi, parseQuantity } from "./quantity";

export interface Capacity {
  cpu: number;
  memoryGi: number;
  pods: number;
  gpu: number;
  nodes: number;
}

/** Each cluster's capacity, or why it could not be read (named after the cluster). */
export function readCapacities(clusterIds: string[]): Promise<ClusterRead<Capacity>[]> {
  return readClusters([...new Set(clusterIds)], "capacity", async (conn) => {
    const nodes = await conn.api(CoreV1Api).listNode();
    let cpu = 0;
    let mem = 0;
    let pods = 0;
    let gpu = 0;
    for (const n of nodes.items) {
      // A node that cannot take pods adds nothing a namespace could use.
      if (n.spec?.unschedulable) continue;
      const a = n.status?.allocatable ?? {};
      cpu += cpuCores(a.cpu);
      mem += memoryGi(a.memory);
      pods += parseQuantity(a.pods);
      gpu += parseQuantity(a["nvidia.com/gpu"]);
    }
    return { cpu: Math.floor(cpu), memoryGi: Math.floor(mem), pods: Math.floor(pods), gpu: Math.floor(gpu), nodes: nodes.items.length };
  });
}

/** One cluster's capacity with its name, or why it could not be read (the same bounded, reused read). */
export async function clusterCapacity(clusterId: string): Promise<(Capacity & { cluster: string }) | { cluster: string; error: string }> {
  const [read] = await readCapacities([clusterId]);
  return read!.ok ? { cluster: read!.cluster, ...read!.value } : { cluster: read!.cluster, error: read!.error };
}
