/** How much a cluster can give: the sum of its nodes' allocatable CPU, memory and GPUs (a bounded read). */
import { CoreV1Api } from "@kubernetes/client-node";
import { connectCluster } from "./connection";
import { describeClusterFailure } from "./gateway";
import { cpuCores, memoryGi, parseQuantity } from "./quantity";

export interface Capacity {
  cluster: string;
  cpu: number;
  memoryGi: number;
  gpu: number;
  nodes: number;
}

export async function clusterCapacity(clusterId: string): Promise<Capacity | { cluster: string; error: string }> {
  const conn = await connectCluster(clusterId).catch((e: Error) => ({ error: e.message }));
  if ("error" in conn) return { cluster: clusterId, error: conn.error };
  try {
    const nodes = await conn.api(CoreV1Api).listNode();
    let cpu = 0;
    let mem = 0;
    let gpu = 0;
    for (const n of nodes.items) {
      const a = n.status?.allocatable ?? {};
      cpu += cpuCores(a.cpu);
      mem += memoryGi(a.memory);
      gpu += parseQuantity(a["nvidia.com/gpu"]);
    }
    return { cluster: conn.name, cpu: Math.floor(cpu), memoryGi: Math.floor(mem), gpu, nodes: nodes.items.length };
  } catch (e) {
    return { cluster: conn.name, error: describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "", e, conn.timeoutMs).reason };
  }
}
