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
import { startSandbox } from "./index.js";
import { sandboxOptionsFromEnv } from "./env-options.js";

async function main(): Promise<void> {
  // The same options as the portal's dev command, so both start the same clusters.
  const sandbox = await startSandbox(sandboxOptionsFromEnv());
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
