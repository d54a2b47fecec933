/**
 * Once per test run: a real Postgres (embedded, fresh, deleted afterwards;
 * or the server in DATABASE_URL) holding a migrated template database. Each
 * test file then gets its own database cloned from the template (setup-db.ts),
 * so files run in parallel without seeing each other's rows.
 */
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPg } from "../scripts/lib/postgres";
import { applyMigrations } from "../lib/db/schema-engine";

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
  }
}

let embedded: EmbeddedPg | undefined;
let serverUrl = "";
let template = "";

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
  return teardown;
}

async function teardown() {
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
