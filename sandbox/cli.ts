/**
 * `npm run sandbox`: starts the default sandbox clusters for development,
 * snapshots their state so restarts keep objects, writes the merged
 * kubeconfig and stops cleanly on SIGINT/SIGTERM.
 *
 * Environment:
 *   WHARF_SANDBOX_CLUSTERS    name:region[,name:region...]  (default sandbox-east:us-east,sandbox-west:us-west)
 *   WHARF_SANDBOX_PORTS       port[,port...]                (default 6443,6444,...)
 *   WHARF_SANDBOX_ADMIN_PORT  admin endpoint port            (default 6440)
 *   WHARF_SANDBOX_STATE_DIR   state folder                   (default .wharf/sandbox)
 *   WHARF_SANDBOX_KUBECONFIG  merged kubeconfig path         (default .wharf/kubeconfig)
 *   WHARF_SANDBOX_SNAPSHOT    "0" to keep state in memory only
 *   WHARF_SANDBOX_POD_START_MS kubelet start delay, "300-800" or "0"  (default 300-800)
 *   WHARF_SANDBOX_TIME_SCALE  simulated container durations multiplier (default 0.25)
 *   WHARF_SANDBOX_HPA_SYNC_MS HPA sync period                 (default 15000)
 */
import { DEFAULT_CLUSTERS, startSandbox, type ClusterSpec } from "./index.js";

function clustersFromEnv(): ClusterSpec[] {
  const raw = process.env.WHARF_SANDBOX_CLUSTERS?.trim();
  if (!raw) return DEFAULT_CLUSTERS;
  return raw.split(",").map((s) => {
    const [name, region, zones] = s.trim().split(":");
    return { name, ...(region ? { region } : {}), ...(zones ? { zones: zones.split("|") } : {}) };
  });
}

async function main(): Promise<void> {
  const clusters = clustersFromEnv();
  const ports = process.env.WHARF_SANDBOX_PORTS
    ? process.env.WHARF_SANDBOX_PORTS.split(",").map((p) => Number(p.trim()))
    : clusters.map((_, i) => 6443 + i);
  const sandbox = await startSandbox({
    clusters,
    ports,
    stateDir: process.env.WHARF_SANDBOX_STATE_DIR ?? ".wharf/sandbox",
    kubeconfigPath: process.env.WHARF_SANDBOX_KUBECONFIG ?? ".wharf/kubeconfig",
    snapshot: process.env.WHARF_SANDBOX_SNAPSHOT !== "0",
    adminPort: Number(process.env.WHARF_SANDBOX_ADMIN_PORT ?? 6440),
  });
  console.log("Wharf sandbox running:");
  for (const c of sandbox.clusters) console.log(`  ${c.name.padEnd(16)} ${c.server}  (region ${c.region}, zones ${c.zones.join(",")})`);
  console.log(`  admin endpoint   ${sandbox.adminUrl ?? "(disabled)"}`);
  console.log(`  kubeconfig       ${sandbox.kubeconfigPath}`);
  console.log(`Try: KUBECONFIG=${sandbox.kubeconfigPath} kubectl get ns --context ${sandbox.clusters[0]?.name ?? ""}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: saving snapshots and stopping the sandbox...`);
    sandbox.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e: unknown) => {
  console.error("sandbox failed to start:", e);
  process.exit(1);
});
