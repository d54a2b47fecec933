/**
 * startSandbox options from the environment, shared by `npm run sandbox`
 * and the portal's dev command so both start the same clusters:
 *   WHARF_SANDBOX_CLUSTERS    name:region[:zone|zone][,...]  (default sandbox-east:us-east,sandbox-west:us-west)
 *   WHARF_SANDBOX_PORTS       port[,port...]                 (default 6443,6444,...)
 *   WHARF_SANDBOX_ADMIN_PORT  admin endpoint port             (default 6440)
 *   WHARF_SANDBOX_STATE_DIR   state folder                    (default .wharf/sandbox)
 *   WHARF_SANDBOX_KUBECONFIG  merged kubeconfig               (default .wharf/kubeconfig)
 *   WHARF_SANDBOX_SNAPSHOT    0 to keep nothing across restarts
 */
import { DEFAULT_CLUSTERS, type ClusterSpec, type SandboxOptions } from "./index.js";

export function clustersFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterSpec[] {
  const raw = env.WHARF_SANDBOX_CLUSTERS?.trim();
  if (!raw) return DEFAULT_CLUSTERS;
  return raw.split(",").map((s) => {
    const [name = "", region, zones] = s.trim().split(":");
    return { name, ...(region ? { region } : {}), ...(zones ? { zones: zones.split("|") } : {}) };
  });
}

export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxOptions {
  const clusters = clustersFromEnv(env);
  const ports = env.WHARF_SANDBOX_PORTS ? env.WHARF_SANDBOX_PORTS.split(",").map((p) => Number(p.trim())) : clusters.map((_, i) => 6443 + i);
  return {
    clusters,
    ports,
    stateDir: env.WHARF_SANDBOX_STATE_DIR ?? ".wharf/sandbox",
    kubeconfigPath: env.WHARF_SANDBOX_KUBECONFIG ?? ".wharf/kubeconfig",
    snapshot: env.WHARF_SANDBOX_SNAPSHOT !== "0",
    adminPort: Number(env.WHARF_SANDBOX_ADMIN_PORT ?? 6440),
  };
}
