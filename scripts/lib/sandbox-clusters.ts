/**
 * Registers the sandbox clusters in the portal as an admin would: through
 * the cluster registry, from their kubeconfigs. The portal itself never knows
 * they are sandboxes.
 */
import { db } from "../../lib/db/client";
import { systemCtx } from "../../lib/context";
import { checkCluster, registerCluster, updateCluster } from "../../lib/catalog/clusters";

export interface ClusterToRegister {
  name: string;
  region?: string;
  kubeconfig: string;
  server: string;
  /** Mark it for builds (CI namespaces and pipelines, lib/ci), as an admin does under Clusters. */
  builds?: boolean;
}

export async function registerClusters(clusters: ClusterToRegister[], log: (line: string) => void = () => {}) {
  const ctx = systemCtx("dev-register");
  for (const c of clusters) {
    const existing = await db().cluster.findUnique({ where: { name: c.name } });
    if (!existing) {
      const row = await registerCluster(ctx, {
        name: c.name,
        region: c.region ?? "local",
        tier: "shared",
        kubeconfig: c.kubeconfig,
        displayName: "",
        context: "",
      });
      log(`registered cluster ${c.name} (${row.status}${row.kubernetesVersion ? `, ${row.kubernetesVersion}` : ""})`);
      if (c.builds) await markForBuilds(ctx, row.id, log);
      continue;
    }
    const check = await checkCluster(ctx, existing.id);
    if (check.status !== "reachable" || existing.apiUrl !== c.server.replace(/\/$/, "")) {
      // Its port or certificate changed since it was registered: hand the registry the current kubeconfig.
      await updateCluster(ctx, {
        id: existing.id,
        version: existing.version,
        displayName: existing.displayName,
        region: existing.region,
        tier: existing.tier,
        kubeconfig: c.kubeconfig,
        context: "",
      });
      log(`refreshed the kubeconfig of cluster ${c.name}`);
    } else {
      log(`cluster ${c.name} is reachable (${check.version}, ${check.latencyMs} ms)`);
    }
    if (c.builds && !existing.builds) await markForBuilds(ctx, existing.id, log);
  }
}

/** Through the registry's update path (audited), as an admin marks a build cluster. */
async function markForBuilds(ctx: ReturnType<typeof systemCtx>, id: string, log: (line: string) => void) {
  const row = await db().cluster.findUniqueOrThrow({ where: { id } });
  await updateCluster(ctx, {
    id,
    version: row.version,
    displayName: row.displayName,
    region: row.region,
    tier: row.tier,
    builds: true,
    kubeconfig: "",
    context: "",
  });
  log(`cluster ${row.name} is marked for builds`);
}
