/**
 * `npm run test:e2e`: the browser tests against the real, built app.
 *   1. next build (skipped with E2E_SKIP_BUILD=1 when .next is current)
 *   2. a fresh embedded Postgres (or DATABASE_URL), migrated and seeded (the demo services deployed
 *      on the sandbox clusters before the tests start)
 *   3. a real OIDC provider (oidc-provider) for the sign-in test, and two sandbox
 *      clusters registered in the portal from their kubeconfigs
 *   3b. Prometheus and Alertmanager (when installed) scraping the two registered clusters, their
 *      URLs to the app (WHARF_PROMETHEUS_URL, ...) and to the tests (E2E_PROMETHEUS_URL, E2E_ALERTMANAGER_URL)
 *   4. the worker, the Apollo config service (its URL to the tests as
 *      E2E_CONFIG_SERVICE_URL, e.g. `${E2E_CONFIG_SERVICE_URL}/dev` for a client) and `next start`
 *   5. playwright test (Debian's Chromium), then everything is stopped
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { freePort, startEmbeddedPostgres } from "./lib/postgres";
import { projectRoot } from "./lib/local-env";
import { buildApp, nextStartArgs } from "./lib/next-app";

const say = (line: string) => console.log(`\x1b[35m[e2e]\x1b[0m ${line}`);
const extraArgs = process.argv.slice(2);

buildApp(say, "E2E_SKIP_BUILD");

const appPort = await freePort();
const configPort = await freePort();
const configServiceUrl = `http://localhost:${configPort}`;
const oidcPort = await freePort();
const appUrl = `http://localhost:${appPort}`;

let pgStop: () => Promise<void> = async () => {};
let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-pg-"));
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), persistent: false });
  await pg.createDatabase("wharf_e2e");
  databaseUrl = pg.url("wharf_e2e");
  pgStop = () => pg.stop();
  say(`embedded Postgres on port ${pg.port}`);
}

const { OIDC_CLIENT, startOidcProvider } = await import("../e2e/support/oidc-provider");
const oidc = await startOidcProvider({ port: oidcPort, appUrl });
say(`OIDC provider at ${oidc.issuer}`);

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: databaseUrl!,
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
  NEXTAUTH_URL: appUrl,
  OIDC_ISSUER: oidc.issuer,
  OIDC_CLIENT_ID: OIDC_CLIENT.id,
  OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
  OIDC_DISPLAY_NAME: "Test IdP",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  WHARF_CLUSTER_TIMEOUT_MS: "3000",
  // Generated repositories of the test run (cloned with a Git access token, as in production).
  WHARF_REPO_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-repos-")),
  WHARF_METRICS_TOKEN: randomBytes(24).toString("base64url"),
  WHARF_CONFIG_SERVICE_PORT: String(configPort),
};
Object.assign(process.env, env);

const { applyMigrations } = await import("../lib/db/schema-engine");
await applyMigrations(databaseUrl);
const { DEFAULT_CLUSTERS, startSandbox } = await import("../sandbox/index");
const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-sandbox-"));
// sandbox-spare is never registered: e2e/clusters.spec.ts meets it as a new cluster (its credentials and permissions checked).
const SPARE = "sandbox-spare";
const sandbox = await startSandbox({
  stateDir: path.join(sandboxDir, "state"),
  kubeconfigPath: path.join(sandboxDir, "kubeconfig"),
  adminPort: 0,
  clusters: [...DEFAULT_CLUSTERS, { name: SPARE, region: "eu-west" }],
});
const { registerClusters } = await import("./lib/sandbox-clusters");
await registerClusters(
  sandbox.clusters
    .filter((c) => c.name !== SPARE)
    .map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server, builds: c.name === "sandbox-east" })),
  say,
);

const mon = await import("./lib/monitoring-servers");
const monitoringDir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-monitoring-"));
let monitoring: Awaited<ReturnType<typeof mon.startMonitoring>> | undefined;
if (mon.monitoringInstalled()) {
  monitoring = await mon.startMonitoring({
    dir: monitoringDir,
    targets: sandbox.clusters.filter((c) => c.name !== SPARE).map((c) => mon.scrapeTargetFromKubeconfig(c.name, c.kubeconfig)),
  });
  Object.assign(env, {
    WHARF_PROMETHEUS_URL: monitoring.prometheusUrl,
    WHARF_ALERTMANAGER_URL: monitoring.alertmanagerUrl,
    WHARF_PROMETHEUS_RULES_DIR: monitoring.rulesDir,
    // Wharf writes its routing there and reloads Alertmanager; the first alert of a group waits 5 s, as in dev.
    WHARF_ALERTMANAGER_CONFIG_FILE: monitoring.alertmanagerConfigFile,
    WHARF_ALERTMANAGER_GROUP_WAIT: "5s",
    // Beside the whole suite on two cores, a 24 h availability query once took Prometheus over the default 1.5 s, and the
    // board said "Incomplete" (as it should); the tests read what the boards show, not how a starved Prometheus copes.
    WHARF_PROMETHEUS_TIMEOUT_MS: "6000",
  });
  Object.assign(process.env, env);
  say(`Prometheus at ${monitoring.prometheusUrl}, Alertmanager at ${monitoring.alertmanagerUrl}`);
} else {
  say(`Prometheus and Alertmanager are not installed (apt-get install ${mon.MONITORING_PACKAGES.join(" ")}): the app runs without monitoring`);
}

const { seed, seedReleases } = await import("../prisma/seed");
await seed(say);
await (await import("../e2e/support/ci-history")).seedCiHistory(say);
// The CI run page's projects (e2e/ci-run.spec.ts); its failed run starts once the worker is up.
const { seedCiRunPages } = await import("../e2e/support/ci-seed");
await seedCiRunPages(say);
// The log center's project (e2e/logs.spec.ts); its release rolls out once the worker is up.
await (await import("../e2e/support/logs-seed")).seedLogCenter(say);

const children: ChildProcess[] = [];
const worker = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts/worker.ts")], { cwd: projectRoot, env, stdio: "inherit" });
children.push(worker);
const configService = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts/config-service.ts")], {
  cwd: projectRoot,
  env,
  stdio: "inherit",
});
children.push(configService);
const app = spawn(process.execPath, nextStartArgs(appPort), {
  cwd: projectRoot,
  env,
  stdio: "inherit",
});
children.push(app);

async function waitForHealth(url = `${appUrl}/api/health`) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`not healthy in time: ${url}`);
}

let code = 1;
try {
  // The demo releases roll out (with a worker of their own) while the app starts; the tests see them done.
  const [, , demo] = await Promise.all([
    waitForHealth(),
    waitForHealth(`${configServiceUrl}/health`),
    seedReleases(say, { worker: { connectionString: databaseUrl! } }),
  ]);
  if (demo.failed.length) throw new Error(`the demo releases did not all roll out: ${demo.failed.join("; ")}`);
  say(`app at ${appUrl}; running Playwright`);
  // Not spawnSync: the OIDC provider lives in this process and must keep answering while the browser signs in.
  const run = spawn(process.execPath, [path.join(projectRoot, "node_modules/@playwright/test/cli.js"), "test", ...extraArgs], {
    cwd: projectRoot,
    stdio: "inherit",
    env: {
      ...env,
      E2E_BASE_URL: appUrl,
      E2E_CONFIG_SERVICE_URL: configServiceUrl,
      E2E_OIDC_ISSUER: oidc.issuer,
      E2E_SANDBOX_ADMIN_URL: sandbox.adminUrl ?? "",
      E2E_KUBECONFIG: sandbox.kubeconfigPath,
      E2E_PROMETHEUS_URL: monitoring?.prometheusUrl ?? "",
      E2E_ALERTMANAGER_URL: monitoring?.alertmanagerUrl ?? "",
    },
  });
  code = await new Promise<number>((resolve) => run.on("exit", (c) => resolve(c ?? 1)));
} catch (e) {
  console.error(e);
} finally {
  // Stop the app and the worker (which finishes its running jobs) before their database goes.
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : (c.once("exit", resolve), c.kill("SIGTERM"))))));
  await oidc.stop();
  await monitoring?.stop();
  fs.rmSync(monitoringDir, { recursive: true, force: true });
  await sandbox.stop();
  fs.rmSync(sandboxDir, { recursive: true, force: true });
  const { disconnectDb } = await import("../lib/db/client");
  await disconnectDb();
  await pgStop();
}
process.exit(code);
