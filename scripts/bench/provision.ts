/**
 * `npm run bench:provision`: provisioning speed on two sandbox clusters.
 *   1. one project with 4 environments on 2 clusters: time from approval to
 *      every step done (target < 10 s);
 *   2. 50 onboarding tickets approved at once: all must complete, none lost;
 *      prints the throughput.
 *   BENCH_TICKETS=50  BENCH_CONCURRENCY=8 (worker concurrency)
 *
 * Approvals go through the server actions' own path (runAction), with the
 * portal's default pool and transaction wait (WHARF_DB_* as set, else the
 * defaults of lib/env.ts). A "busy" answer (UNAVAILABLE) is pressed again
 * after a moment, as a person would; the bench counts them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { startEmbeddedPostgres } from "../lib/postgres";

const tickets = Number(process.env.BENCH_TICKETS ?? 50);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const say = (s: string) => console.log(`[bench] ${s}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-provision-"));
fs.chmodSync(tmp, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false });
await pg.createDatabase("bench");
Object.assign(process.env, {
  DATABASE_URL: pg.url("bench"),
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
  WHARF_REPO_DIR: path.join(tmp, "repos"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
});

const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(process.env.DATABASE_URL!);
const { startSandbox } = await import("../../sandbox/index");
const sandbox = await startSandbox({ stateDir: path.join(tmp, "sandbox"), kubeconfigPath: path.join(tmp, "kubeconfig"), adminPort: -1 });
const { db, disconnectDb } = await import("../../lib/db/client");
const { loadActor } = await import("../../lib/access/actor");
const { registerClusters } = await import("../lib/sandbox-clusters");
const { submitOnboarding } = await import("../../lib/tickets/onboarding");
const { decideTicket } = await import("../../lib/tickets/engine");
const { ZDecision } = await import("../../lib/tickets/schemas");
const { runAction } = await import("../../lib/http/run-action");
const { envPart } = await import("../../lib/env");
const { startWorker } = await import("../../lib/jobs/worker");

await registerClusters(sandbox.clusters.map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server })));
const clusterIds = (await db().cluster.findMany({ orderBy: { name: "asc" } })).map((c) => c.id);
const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const devUser = await db().user.create({ data: { email: "dev@bench.wharf", name: "Dev", platformRole: "developer" } });
const opsUser = await db().user.create({ data: { email: "ops@bench.wharf", name: "Ops", platformRole: "ops" } });
const dev = { actor: (await loadActor(devUser.id))!, requestId: "bench" };
const ops = { actor: (await loadActor(opsUser.id))!, requestId: "bench" };
const worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency, schedule: false, pollInterval: 100 });

const request = (slug: string) => ({
  templateId: "node-ts",
  params: {},
  project: { slug, name: slug, description: "", teamId: team.id, ownerId: devUser.id, tier: "standard" as const },
  environments: (["dev", "test", "staging", "prod"] as const).map((kind) => ({ kind, clusterIds, preset: "small" as const, gpu: 0 })),
  members: [],
});

// The same definition as the ticket page's decide action (lib/tickets/actions.ts).
const approveAction = {
  name: "ticket.decide",
  schema: ZDecision,
  handler: (input: Parameters<typeof decideTicket>[1], ctx: typeof ops) => decideTicket(ctx, input),
};
let busyAnswers = 0;
const approvalSeconds: number[] = [];

/** Approves as ops would in the browser: a "busy" answer is pressed again a moment later; any other refusal fails the bench. */
async function approve(ticketId: string) {
  const started = performance.now();
  for (;;) {
    const result = await runAction(
      approveAction,
      { ticketId, decision: "approve", comment: "" },
      { requestId: `bench-${ticketId}`, actor: async () => ops.actor },
    );
    if (result.ok) break;
    if (result.error.code !== "UNAVAILABLE") throw new Error(`approving ${ticketId} was refused: ${result.error.code} ${result.error.message}`);
    busyAnswers++;
    await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
  }
  approvalSeconds.push((performance.now() - started) / 1000);
}

/**
 * Waits until every ticket is done or failed. On a loaded machine that takes
 * long, which is not a failure; work that stops is: the bench fails when no
 * step finished for `stallMs` (a lost job or request), or after `capMs`.
 */
async function waitForTickets(numbers: number[], opts: { stallMs: number; capMs: number }) {
  const started = Date.now();
  let finished = -1;
  let lastProgress = Date.now();
  for (;;) {
    const rows = await db().ticket.findMany({ where: { number: { in: numbers } }, select: { status: true } });
    const open = rows.filter((r) => !["done", "failed"].includes(r.status)).length;
    if (open === 0) return rows;
    const steps = await db().provisioningStep.groupBy({ by: ["status"], where: { run: { ticket: { number: { in: numbers } } } }, _count: { _all: true } });
    const nowFinished = steps.filter((s) => s.status === "succeeded" || s.status === "failed").reduce((n, s) => n + s._count._all, 0);
    if (nowFinished !== finished) {
      finished = nowFinished;
      lastProgress = Date.now();
    }
    const stalled = Date.now() - lastProgress > opts.stallMs;
    if (stalled || Date.now() - started > opts.capMs) {
      const where = steps.map((s) => `${s._count._all} ${s.status}`).join(", ");
      throw new Error(
        `${open} tickets not finished ${stalled ? `and no step finished for ${opts.stallMs / 1000} s` : `after ${opts.capMs / 1000} s`}; their steps: ${where}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// 1. One project, 4 environments x 2 clusters.
const one = await submitOnboarding(dev, request("bench-one"));
const ticket = await db().ticket.findUniqueOrThrow({ where: { number: one.number } });
const t0 = performance.now();
await approve(ticket.id);
const [single] = await waitForTickets([one.number], { stallMs: 120_000, capMs: 600_000 });
const singleSeconds = (performance.now() - t0) / 1000;
const singleSteps = await db().provisioningStep.count({ where: { run: { ticketId: ticket.id } } });
say(`one project, 4 environments on 2 clusters: ${singleSteps} steps ${single!.status} in ${singleSeconds.toFixed(2)} s (target < 10 s)`);

// 2. Many tickets approved at once.
const numbers: number[] = [];
for (let i = 0; i < tickets; i++) numbers.push((await submitOnboarding(dev, request(`bench-many-${i}`))).number);
const ids = await db().ticket.findMany({ where: { number: { in: numbers } }, select: { id: true } });
const t1 = performance.now();
approvalSeconds.length = 0;
await Promise.all(ids.map((t) => approve(t.id)));
const approvedSeconds = (performance.now() - t1) / 1000;
const loadAtBurst = os.loadavg()[0]!;
const rows = await waitForTickets(numbers, { stallMs: 5 * 60_000, capMs: 60 * 60_000 });
const manySeconds = (performance.now() - t1) / 1000;
const steps = await db().provisioningStep.groupBy({ by: ["status"], where: { run: { ticket: { number: { in: numbers } } } }, _count: { _all: true } });
const total = steps.reduce((n, s) => n + s._count._all, 0);
const done = rows.filter((r) => r.status === "done").length;
const active = await db().project.count({ where: { slug: { startsWith: "bench-many-" }, lifecycle: "active" } });
const { CoreV1Api, KubeConfig } = await import("@kubernetes/client-node");
let namespaces = 0;
for (const c of sandbox.clusters) {
  const kc = new KubeConfig();
  kc.loadFromString(c.kubeconfig);
  const list = await kc.makeApiClient(CoreV1Api).listNamespace({ labelSelector: "app.kubernetes.io/managed-by=wharf" });
  namespaces += list.items.filter((n) => n.metadata?.name?.startsWith("bench-many-")).length;
}

const db_ = envPart("WHARF_DB_POOL", "WHARF_DB_TX_WAIT_MS", "WHARF_DB_TX_TIMEOUT_MS");
const slowest = Math.max(...approvalSeconds);
const median = [...approvalSeconds].sort((a, b) => a - b)[Math.floor(approvalSeconds.length / 2)]!;
console.log(
  `\nProvisioning on 2 sandbox clusters (worker concurrency ${concurrency}; pool ${db_.WHARF_DB_POOL}, transaction wait ${db_.WHARF_DB_TX_WAIT_MS} ms, timeout ${db_.WHARF_DB_TX_TIMEOUT_MS} ms; load average ${loadAtBurst.toFixed(1)} when the approvals were answered):`,
);
console.log(`  one project (4 envs x 2 clusters, ${singleSteps} steps): approval to all steps done in ${singleSeconds.toFixed(2)} s  (target < 10 s)`);
console.log(
  `  ${tickets} tickets approved at once: ${done}/${tickets} done, ${active} projects active, ${total} steps (${steps.map((s) => `${s._count._all} ${s.status}`).join(", ")}), ${namespaces}/${tickets * 8} namespaces on the clusters`,
);
console.log(`  in ${manySeconds.toFixed(1)} s: ${(total / manySeconds).toFixed(1)} steps/s, ${((tickets / manySeconds) * 60).toFixed(1)} projects/min`);
console.log(
  `  approvals: all ${tickets} answered in ${approvedSeconds.toFixed(1)} s (median ${median.toFixed(2)} s, slowest ${slowest.toFixed(2)} s); ${busyAnswers} "busy, try again" answers pressed again`,
);

await worker.stop();
await disconnectDb();
await sandbox.stop();
await pg.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(done === tickets && active === tickets ? 0 : 1);
