/**
 * `npm run dev`: everything a developer needs, on embedded defaults.
 *   1. Postgres: DATABASE_URL, or the embedded dev server (.wharf/postgres/dev)
 *   2. migrations
 *   3. two sandbox clusters (kept in .wharf/sandbox, kubeconfig in .wharf/kubeconfig),
 *      registered in the portal from their kubeconfigs (WHARF_SANDBOX=0 skips them)
 *   4. Prometheus and Alertmanager (Debian's packages; installed with apt-get when missing and
 *      possible, WHARF_MONITORING_INSTALL=0 turns that off), config and data in .wharf/monitoring,
 *      scraping every sandbox cluster's /metrics; skipped when WHARF_PROMETHEUS_URL is set
 *   4b. demo data (idempotent)
 *   5. the job worker (in this process)
 *   6. the Apollo config service (in this process) at http://localhost:8090/<env>
 *      (WHARF_CONFIG_SERVICE_PORT), for Apollo clients
 *   7. the web app (next dev) at http://localhost:3000 with the demo sign-in
 *   8. in the background, the demo services' releases (a fresh start only: a minute or two on the
 *      sandbox, with a worker of their own; the portal is usable meanwhile)
 * Ctrl-C stops all of it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { applyLocalDefaults, projectRoot, stateDir } from "./lib/local-env";
import { localDatabase } from "./lib/database";

const port = Number(process.env.PORT ?? 3000);
applyLocalDefaults({ WHARF_DEV_LOGIN: "1", WHARF_GIT_PUBLIC_READ: "1", NEXTAUTH_URL: `http://localhost:${port}`, LOG_LEVEL: process.env.LOG_LEVEL ?? "info" });
const say = (line: string) => console.log(`\x1b[36m[wharf]\x1b[0m ${line}`);

const database = await localDatabase(say).catch((e: unknown) => {
  // A sentence for the person at the terminal, not a stack trace.
  say(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
const { applyMigrations } = await import("../lib/db/schema-engine");
const applied = await applyMigrations(database.url);
say(applied.length ? `migrations applied: ${applied.join(", ")}` : "database schema is up to date");

let sandbox: { stop(): Promise<void> } | undefined;
let sandboxClusters: { name: string; kubeconfig: string }[] = [];
if (process.env.WHARF_SANDBOX !== "0") {
  const { startSandbox } = await import("../sandbox/index");
  const { sandboxOptionsFromEnv } = await import("../sandbox/env-options");
  const sb = await startSandbox(sandboxOptionsFromEnv());
  sandbox = sb;
  sandboxClusters = sb.clusters;
  say(`sandbox clusters ${sb.clusters.map((c) => `${c.name} at ${c.server}`).join(", ")}; kubeconfig: ${sb.kubeconfigPath}`);
  const { registerClusters } = await import("./lib/sandbox-clusters");
  await registerClusters(
    sb.clusters.map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server, builds: c.name === "sandbox-east" })),
    say,
  );
}

const monitoring = await startDevMonitoring();

const { seed, seedReleases } = await import("../prisma/seed");
await seed(say);

const { loadEnv } = await import("../lib/env");
const cfg = loadEnv();
const { startWorker } = await import("../lib/jobs/worker");
const worker = await startWorker({ connectionString: cfg.DATABASE_URL, concurrency: cfg.WHARF_WORKER_CONCURRENCY });
say("worker started (cluster health checks every minute)");

const { startConfigService } = await import("../lib/config/service/server");
const configService = await startConfigService({ port: cfg.WHARF_CONFIG_SERVICE_PORT }).catch((e: NodeJS.ErrnoException) => {
  if (e.code !== "EADDRINUSE") throw e;
  say(`port ${cfg.WHARF_CONFIG_SERVICE_PORT} is taken: the Apollo config service is not started (set WHARF_CONFIG_SERVICE_PORT to another port)`);
  return null;
});
if (configService)
  say(
    `Apollo config service at ${configService.url}: point a client at ${configService.url}/<env>, e.g. ` +
      `apollo({ host: "${configService.url}/dev", appId: "<project>.<service>" }) (docs/config.md)`,
  );

const next: ChildProcess = spawn(process.execPath, [require_next(), "dev", "--port", String(port)], {
  cwd: projectRoot,
  stdio: "inherit",
  env: process.env,
});
say(`portal starting at http://localhost:${port} — sign in as one of the demo users`);

// The demo services' releases roll out while the portal starts (nothing to do after the first start).
const demoStop = new AbortController();
const demoReleases =
  process.env.WHARF_SANDBOX !== "0"
    ? seedReleases(say, { worker: { connectionString: cfg.DATABASE_URL }, signal: demoStop.signal }).catch((e: unknown) =>
        say(`demo releases failed: ${e instanceof Error ? e.message : String(e)}`),
      )
    : Promise.resolve();

/** Prometheus and Alertmanager for the portal, or a sentence saying why not (the portal then runs without monitoring). */
async function startDevMonitoring() {
  if (process.env.WHARF_PROMETHEUS_URL) {
    say(`monitoring: WHARF_PROMETHEUS_URL is set, so metrics are read from ${process.env.WHARF_PROMETHEUS_URL}; no local Prometheus is started`);
    return undefined;
  }
  const m = await import("./lib/monitoring-servers");
  let installed = m.monitoringInstalled();
  if (!installed && process.env.WHARF_MONITORING_INSTALL !== "0") {
    const r = m.installMonitoring(say);
    say(r.installed ? `monitoring: ${r.reason}` : `monitoring: could not install ${m.MONITORING_PACKAGES.join(" ")}: ${r.reason}`);
    installed = r.installed;
  }
  if (!installed) {
    say(
      `monitoring is off: Prometheus and Alertmanager are not installed (sudo apt-get install ${m.MONITORING_PACKAGES.join(" ")}, then start again); ` +
        "the monitoring pages say it is not set up",
    );
    return undefined;
  }
  try {
    const servers = await m.startMonitoring({
      dir: path.join(stateDir, "monitoring"),
      targets: sandboxClusters.map((c) => m.scrapeTargetFromKubeconfig(c.name, c.kubeconfig)),
      prometheusPort: 9090,
      alertmanagerPort: 9093,
      log: say,
    });
    process.env.WHARF_PROMETHEUS_URL = servers.prometheusUrl;
    process.env.WHARF_ALERTMANAGER_URL = servers.alertmanagerUrl;
    process.env.WHARF_PROMETHEUS_RULES_DIR = servers.rulesDir;
    // Wharf writes its routing (from the CMDB) there and reloads Alertmanager: docs/alerting.md#routing.
    process.env.WHARF_ALERTMANAGER_CONFIG_FILE ??= servers.alertmanagerConfigFile;
    say(
      `Prometheus at ${servers.prometheusUrl} (scraping ${sandboxClusters.map((c) => c.name).join(", ") || "no cluster"} every 2 s; rules from ${servers.rulesDir}), ` +
        `Alertmanager at ${servers.alertmanagerUrl}; data in ${servers.dir}`,
    );
    return servers;
  } catch (e) {
    say(`monitoring did not start, the portal runs without it: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function require_next() {
  return `${projectRoot}/node_modules/next/dist/bin/next`;
}

let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  next.kill("SIGTERM");
  await configService?.stop().catch(() => {});
  demoStop.abort();
  await demoReleases;
  await worker.stop().catch(() => {});
  await monitoring?.stop().catch(() => {});
  await sandbox?.stop().catch(() => {});
  const { disconnectDb } = await import("../lib/db/client");
  await disconnectDb();
  await database.stop().catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
next.on("exit", (code) => void shutdown(code ?? 0));
