/** Per test file: its own database cloned from the migrated template, and test secrets. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";

const serverUrl = inject("pgServerUrl");
const template = inject("pgTemplate");
const name = `wharf_test_${template.replace("wharf_template_", "")}_${randomBytes(4).toString("hex")}`;

// Two files cloning the template at the same moment make Postgres refuse one ("being accessed by other users"): retry.
for (let attempt = 1; ; attempt++) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${template}"`);
    break;
  } catch (e) {
    if (attempt >= 20 || !/being accessed by other users/.test(String(e))) throw e;
    await new Promise((r) => setTimeout(r, 100 * attempt));
  } finally {
    await admin.end();
  }
}

const url = new URL(serverUrl);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
process.env.WHARF_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("base64");
process.env.WHARF_CLUSTER_TIMEOUT_MS ??= "2000";
// The run's Prometheus and Alertmanager (test/global-setup.ts), as production configures them.
if (inject("prometheusUrl")) {
  process.env.WHARF_PROMETHEUS_URL ??= inject("prometheusUrl");
  process.env.WHARF_ALERTMANAGER_URL ??= inject("alertmanagerUrl");
  process.env.WHARF_PROMETHEUS_RULES_DIR ??= `${inject("monitoringDir")}/rules`;
}

afterAll(async () => {
  const { disconnectDb } = await import("../lib/db/client");
  await disconnectDb();
});
