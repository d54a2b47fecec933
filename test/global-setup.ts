/**
 * Once per test run: a real Postgres (embedded, fresh, deleted afterwards;
 * or the server in DATABASE_URL) holding a migrated template database. Each
 * test file then gets its own database cloned from the template (setup-db.ts),
 * so files run in parallel without seeing each other's rows.
 *
 * Also one real Prometheus and Alertmanager for the whole run (Debian's
 * binaries, generated config in a temp folder, 2 s scrape and evaluation):
 * setup-db.ts hands their URLs to every file as WHARF_PROMETHEUS_URL,
 * WHARF_ALERTMANAGER_URL and WHARF_PROMETHEUS_RULES_DIR; a file scrapes its
 * own sandbox clusters through test/monitoring.ts. When the binaries are
 * missing the run goes on without them and the tests that need them say
 * what to install.
 */
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPg } from "../scripts/lib/postgres";
import { applyMigrations } from "../lib/db/schema-engine";
import { MONITORING_PACKAGES, monitoringInstalled, startMonitoring, type MonitoringServers } from "../scripts/lib/monitoring-servers";

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
    /** The run's Prometheus; "" when it could not start (monitoringProblem says why). */
    prometheusUrl: string;
    alertmanagerUrl: string;
    /** Its folder (targets/, rules/): test/monitoring.ts adds a file's clusters there. */
    monitoringDir: string;
    monitoringProblem: string;
  }
}

let embedded: EmbeddedPg | undefined;
let serverUrl = "";
let template = "";
let monitoring: MonitoringServers | undefined;
let monitoringDir = "";

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = "/postgres";
    serverUrl = url.toString();
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-test-pg-"));
    fs.chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), persistent: false });
    serverUrl = embedded.url("postgres");
  }
  template = `wharf_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${template}" with (force)`);
  await admin.query(`create database "${template}"`);
  await admin.end();
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${template}`;
  await applyMigrations(templateUrl.toString());
  project.provide("pgServerUrl", serverUrl);
  project.provide("pgTemplate", template);
  let monitoringProblem = "";
  if (monitoringInstalled()) {
    monitoringDir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-test-monitoring-"));
    try {
      monitoring = await startMonitoring({ dir: monitoringDir });
    } catch (e) {
      monitoringProblem = `Prometheus or Alertmanager did not start: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else {
    monitoringProblem = `Prometheus and Alertmanager are not installed: apt-get install ${MONITORING_PACKAGES.join(" ")} (.ci/run installs them)`;
  }
  if (monitoringProblem) console.warn(`[test] ${monitoringProblem}; the monitoring tests will fail`);
  project.provide("prometheusUrl", monitoring?.prometheusUrl ?? "");
  project.provide("alertmanagerUrl", monitoring?.alertmanagerUrl ?? "");
  project.provide("monitoringDir", monitoring?.dir ?? "");
  project.provide("monitoringProblem", monitoringProblem);
  return teardown;
}

async function teardown() {
  await monitoring?.stop();
  if (monitoringDir) fs.rmSync(monitoringDir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const dbs = await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1 or datname = $2`, [
    `wharf_test_${process.pid}_%`,
    template,
  ]);
  for (const { datname } of dbs.rows) await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.end();
  await embedded?.stop();
}
