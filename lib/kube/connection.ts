/** A registered cluster, opened for cluster work (jobs) or bounded reads (pages). */
import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { ClusterError, makeClient, openKubeconfig } from "./gateway";

export interface ClusterConnection {
  id: string;
  name: string;
  kc: KubeConfig;
  timeoutMs: number;
  objects: KubernetesObjectApi;
  api<T>(Api: new (config: import("@kubernetes/client-node").Configuration) => T): T;
}

export async function connectCluster(clusterId: string, timeoutMs = env().WHARF_CLUSTER_TIMEOUT_MS): Promise<ClusterConnection> {
  const row = await db().cluster.findUnique({ where: { id: clusterId }, select: { id: true, name: true, kubeconfigEncrypted: true } });
  if (!row) throw new ClusterError(clusterId, "This cluster is no longer registered.");
  let kc: KubeConfig;
  try {
    kc = openKubeconfig(row.kubeconfigEncrypted, row.name);
  } catch (e) {
    throw new ClusterError(row.name, `The stored kubeconfig cannot be opened: ${(e as Error).message}`, undefined, { cause: e });
  }
  return {
    id: row.id,
    name: row.name,
    kc,
    timeoutMs,
    objects: makeClient(kc, KubernetesObjectApi, timeoutMs),
    api: (Api) => makeClient(kc, Api, timeoutMs),
  };
}
