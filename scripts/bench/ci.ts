/**
 * `npm run bench:ci`: CI at scale, in a fresh embedded Postgres and sandbox.
 *   1. the runs list with 100,000 runs of one project (inserted in bulk): listRuns per filter and deep page, and the
 *      trends, measured in-process; then the Builds page as a person gets it (`next start` on the built app, a signed-in
 *      developer's session, over HTTP). Target p95 < 300 ms.
 *   2. 50 runs started at once through a sandbox build cluster with a real worker: how many were recorded to the end
 *      (status, tasks, steps) and the wall time.
 *   3. the regeneration plan for 1,000 projects (planRegeneration all). Target < 10 s.
 * Prints the figures.
 *   BENCH_SKIP_BUILD=1      reuse the current .next build
 *   BENCH_SKIP_HTTP=1       skip the page over HTTP (no build, no server)
 *   BENCH_RUNS=100000  BENCH_BURST=50  BENCH_PROJECTS=1000  BENCH_SECONDS=8 (per page scenario)  BENCH_CONNECTIONS=4
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { projectRoot } from "../lib/local-env";
import { buildApp, nextStartArgs } from "../lib/next-app";

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const BURST = Number(process.env.BENCH_BURST ?? 50);
const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 1_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const http = process.env.BENCH_SKIP_HTTP !== "1";
const say = (s: string) => console.log(`[bench] ${s}`);

if (http) buildApp(say, "BENCH_SKIP_BUILD");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-ci-"));
fs.chmodSync(tmp, 0o755);
const pgServer = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false });
await pgServer.createDatabase("bench");
const url = pgServer.url("bench");
const secret = randomBytes(32).toString("base64");
const env = {
  DATABASE_URL: url,
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: secret,
  WHARF_REPO_DIR: path.join(tmp, "repos"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
};
Object.assign(process.env, env);

const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(url);
const { startSandbox } = await import("../../sandbox/index");
const sandbox = await startSandbox({
  stateDir: path.join(tmp, "sandbox"),
  kubeconfigPath: path.join(tmp, "kubeconfig"),
  adminPort: -1,
  clusters: [{ name: "build-east", region: "us-east" }],
  simulation: { podStartDelayMs: [20, 60], timeScale: 0.02, tektonStepMs: 60 },
});
const { db, disconnectDb } = await import("../../lib/db/client");
const { loadActor } = await import("../../lib/access/actor");
const { registerClusters } = await import("../lib/sandbox-clusters");
const { startWorker } = await import("../../lib/jobs/worker");
const { listRuns, runTrends } = await import("../../lib/ci/history");
const { startRun } = await import("../../lib/ci/runs");
const { planRegeneration } = await import("../../lib/ci/regenerate");
const { loadCiInputs } = await import("../../lib/ci/input");
const { generateCi } = await import("../../lib/ci/generate");
const { applyObjects } = await import("../../lib/kube/apply");
const { connectCluster } = await import("../../lib/kube/connection");

await registerClusters(sandbox.clusters.map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server, builds: true })));
const cluster = await db().cluster.findFirstOrThrow({ where: { builds: true } });

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (n: number) => `${n.toFixed(1).padStart(6)} ms`;

// ---------------------------------------------------------------- data
say(`inserting ${RUNS.toLocaleString("en")} runs of one project, and ${PROJECTS} projects for the regeneration plan`);
const seedStart = performance.now();
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query(`
  insert into "User"(id, email, name, "platformRole", "updatedAt") values
    ('u-dev', 'dana@bench.wharf', 'Dana', 'developer', now()),
    ('u-admin', 'ada@bench.wharf', 'Ada', 'admin', now());
  insert into "Team"(id, slug, name, description, "updatedAt") values ('t-bench', 'bench', 'Bench', '', now());
  insert into "Project"(id, slug, name, description, "teamId", "ownerId", tier, language, framework, lifecycle, labels, "searchText", "templateId", "updatedAt")
    values ('p-history', 'history', 'History', '', 't-bench', 'u-dev', 'standard', 'node', '', 'active', '{}', 'history', '', now());
  insert into "ProjectMember"(id, "projectId", "userId", role, "updatedAt") values ('m-history', 'p-history', 'u-dev', 'owner', now());
  insert into "Service"(id, "projectId", slug, name, kind, "updatedAt")
    select 's-history-' || s, 'p-history', s, s, 'api', now() from unnest(array['api','web','worker','jobs']) s;
  -- Runs over the last 90 days: 4 services, branches and tags, mostly pushes; 85% succeeded, 12% failed, 3% cancelled,
  -- the newest few still running or queued.
  insert into "CiRun"(id, "projectId", number, service, ref, "refKind", "commitSha", message, author, trigger, status, reason,
                      "createdAt", "startedAt", "finishedAt", "updatedAt")
    select 'r' || g, 'p-history', g,
           (array['api','web','worker','jobs'])[1 + g % 4],
           case when g % 10 = 0 then 'v1.' || (g / 10) when g % 3 = 0 then 'feature/f-' || (g % 97) else 'develop' end,
           case when g % 10 = 0 then 'tag' else 'branch' end,
           md5(g::text) || substr(md5((g + 1)::text), 1, 8),
           'Change ' || g || E'\n\nBody of change ' || g,
           (array['Dana <dana@bench.wharf>','Omar <omar@bench.wharf>','Lee <lee@bench.wharf>','Priya <priya@bench.wharf>','Sam <sam@bench.wharf>'])[1 + g % 5],
           (array['push','push','push','webhook','manual'])[1 + g % 5]::"CiTrigger",
           (case when g > ${RUNS} - 3 then 'running' when g > ${RUNS} - 5 then 'queued'
                 when g % 100 < 12 then 'failed' when g % 100 < 15 then 'cancelled' else 'succeeded' end)::"CiRunStatus",
           case when g % 100 < 12 then 'Step test/unit failed' else '' end,
           t, t, case when g > ${RUNS} - 5 then null else t + ((60 + g % 240) || ' seconds')::interval end, t
      from generate_series(1, ${RUNS}) g, lateral (select now() - make_interval(secs => (${RUNS} - g) * 7776000.0 / ${RUNS}) as t) tt;
  insert into "CiTask"(id, "runId", name, status, "startedAt", "durationMs")
    select 'k' || g, 'r' || g, (array['test','build','push'])[1 + g % 3], 'failed', now(), 1000
      from generate_series(1, ${RUNS}) g where g % 100 < 12 and g <= ${RUNS} - 5;
  insert into "CiStep"(id, "taskId", "runId", name, status, "exitCode")
    select 'st' || g, 'k' || g, 'r' || g, (array['unit','build','push'])[1 + g % 3], 'failed', 1
      from generate_series(1, ${RUNS}) g where g % 100 < 12 and g <= ${RUNS} - 5;
  -- The projects of the seed job run: each with two services and a dev environment on the build cluster.
  insert into "Project"(id, slug, name, description, "teamId", "ownerId", tier, language, framework, lifecycle, labels, "searchText", "templateId", "updatedAt")
    select 'pp' || g, 'proj-' || g, 'Project ' || g, '', 't-bench', 'u-dev', 'standard', (array['node','java','python','go'])[1 + g % 4], '', 'active', '{}', 'proj-' || g, '', now()
      from generate_series(1, ${PROJECTS}) g;
  insert into "Service"(id, "projectId", slug, name, kind, "updatedAt")
    select 'ps' || g || '-' || s, 'pp' || g, s, s, 'api', now() from generate_series(1, ${PROJECTS}) g, unnest(array['api','worker']) s;
  insert into "Environment"(id, "projectId", kind, "updatedAt") select 'pe' || g, 'pp' || g, 'dev', now() from generate_series(1, ${PROJECTS}) g;
  insert into "EnvironmentCluster"("environmentId", "clusterId") select 'pe' || g, '${cluster.id}' from generate_series(1, ${PROJECTS}) g;
  analyze;
`);
await client.end();
say(`inserted in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

const dev = { actor: (await loadActor("u-dev"))!, requestId: "bench" };
const admin = { actor: (await loadActor("u-admin"))!, requestId: "bench" };

// ---------------------------------------------------------------- 1. the runs list, in-process
const deep = Math.floor(RUNS / 2);
const SCENARIOS: [string, Record<string, string>][] = [
  ["first page", {}],
  ["status=failed", { status: "failed" }],
  ["status=running (rare)", { status: "running" }],
  ["service=web", { service: "web" }],
  ["ref=develop", { ref: "develop" }],
  ["tag v1.500 (one run)", { ref: "v1.500" }],
  ["trigger=manual", { trigger: "manual" }],
  ["author 'priya'", { author: "priya" }],
  ["author nobody (scans all)", { author: "nobody" }],
  ["service+status+trigger", { service: "api", status: "succeeded", trigger: "push" }],
  [`page after #${deep}`, { cursor: String(deep) }],
  [`failed, page after #${deep}`, { status: "failed", cursor: String(deep) }],
];
say("listRuns in-process, 30 calls per scenario:");
const inProcess: string[] = [];
let worstP95 = 0;
for (const [name, filters] of SCENARIOS) {
  const times: number[] = [];
  for (let i = 0; i < 33; i++) {
    const t = performance.now();
    const page = await listRuns(dev, { projectSlug: "history", ...filters });
    if (i >= 3) times.push(performance.now() - t); // the first calls warm the connection pool and plans
    if (i === 0 && page.runs.length === 0 && !name.includes("nobody")) throw new Error(`${name}: no runs`);
  }
  times.sort((a, b) => a - b);
  worstP95 = Math.max(worstP95, percentile(times, 95));
  const line = `${name.padEnd(30)} p50 ${ms(percentile(times, 50))}  p95 ${ms(percentile(times, 95))}`;
  inProcess.push(line);
  say(`  ${line}`);
}
const trendTimes: number[] = [];
for (let i = 0; i < 13; i++) {
  const t = performance.now();
  await runTrends(dev, { projectSlug: "history", days: 30 });
  if (i >= 3) trendTimes.push(performance.now() - t);
}
trendTimes.sort((a, b) => a - b);
const trendsLine =
  `trends, 30 days (~${Math.round(RUNS / 3).toLocaleString("en")} runs)`.padEnd(30) +
  ` p50 ${ms(percentile(trendTimes, 50))}  p95 ${ms(percentile(trendTimes, 95))}`;
say(`  ${trendsLine}`);

// What Postgres does for the list's queries (the SQL Prisma sends for them, in short): the index each uses.
const explainClient = new pg.Client({ connectionString: url });
await explainClient.connect();
const EXPLAINED: [string, string][] = [
  ["first page", `select * from "CiRun" where "projectId" = 'p-history' order by number desc limit 51`],
  ["status=running", `select * from "CiRun" where "projectId" = 'p-history' and status = 'running' order by number desc limit 51`],
  ["tag v1.500", `select * from "CiRun" where "projectId" = 'p-history' and ref = 'v1.500' order by number desc limit 51`],
  ["author nobody", `select * from "CiRun" where "projectId" = 'p-history' and author ilike '%nobody%' order by number desc limit 51`],
  [`failed after #${deep}`, `select * from "CiRun" where "projectId" = 'p-history' and status = 'failed' and number < ${deep} order by number desc limit 51`],
  [
    "trends window",
    `select count(*) from "CiRun" where "projectId" = 'p-history' and status in ('succeeded','failed') and "finishedAt" >= now() - interval '30 days'`,
  ],
];
const plans: string[] = [];
for (const [name, sql] of EXPLAINED) {
  const { rows } = await explainClient.query<{ "QUERY PLAN": string }>(`explain (analyze, costs off, timing off) ${sql}`);
  const lines = rows.map((r) => r["QUERY PLAN"]);
  const scan = lines.find((l) => /Scan/.test(l))?.trim() ?? lines[0]!.trim();
  const execution = lines.find((l) => l.startsWith("Execution Time"))?.replace("Execution Time: ", "") ?? "";
  plans.push(`${name.padEnd(22)} ${scan.replace(/^->\s*/, "").slice(0, 90)}  (${execution})`);
}
await explainClient.end();
say("plans:");
for (const p of plans) say(`  ${p}`);

// ---------------------------------------------------------------- 1b. the page over HTTP
const pageLines: string[] = [];
if (http) {
  const port = await freePort();
  const app = spawn(process.execPath, nextStartArgs(port), {
    cwd: projectRoot,
    env: {
      ...process.env,
      ...env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXTAUTH_URL: `http://localhost:${port}`,
      OIDC_ISSUER: "https://id.bench.invalid",
      OIDC_CLIENT_ID: "bench",
      OIDC_CLIENT_SECRET: "bench",
      WHARF_METRICS_TOKEN: randomBytes(24).toString("base64url"),
      LOG_LEVEL: "warn",
    },
    stdio: "inherit",
  });
  const base = `http://localhost:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // starting
    }
    if (i > 200) throw new Error("app did not start");
    await new Promise((r) => setTimeout(r, 250));
  }
  const { newSessionClaims } = await import("../../lib/access/session-claims");
  const token = await encode({
    token: { sub: "u-dev", email: "dana@bench.wharf", name: "Dana", ...newSessionClaims({ id: "u-dev", sessionVersion: 1 }) },
    secret,
  });
  const cookie = `next-auth.session-token=${token}`;
  const PAGES: [string, string][] = [
    ["Builds page", "/projects/history/builds"],
    ["filtered: status=failed", "/projects/history/builds?status=failed"],
    ["filtered: service + ref", "/projects/history/builds?service=web&ref=develop"],
    ["filtered: author", "/projects/history/builds?author=priya"],
    ["Trends page", "/projects/history/builds/trends"],
  ];
  for (const [name, pathname] of PAGES) {
    const probe = await fetch(base + pathname, { headers: { cookie }, redirect: "manual" });
    if (probe.status !== 200) throw new Error(`${pathname} answered ${probe.status}: is the session valid?`);
    await autocannon({ url: base + pathname, connections, amount: 20, headers: { cookie } });
    const times: number[] = [];
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ url: base + pathname, connections, duration: seconds, headers: { cookie } }, (err, r) => (err ? reject(err) : resolve(r)));
      instance.on("response", (_c, status, _b, t) => {
        if (status === 200) times.push(t);
      });
    });
    times.sort((a, b) => a - b);
    const line = `${name.padEnd(30)} ${String(times.length).padStart(5)} req  p50 ${ms(percentile(times, 50))}  p95 ${ms(percentile(times, 95))}  non-2xx ${result.non2xx}`;
    pageLines.push(line);
    say(`  ${line}`);
  }
  app.kill("SIGINT");
  await new Promise((r) => app.once("exit", r));
}

// ---------------------------------------------------------------- 2. runs started at once through the sandbox
say(`${BURST} runs started at once on ${cluster.name} with a real worker`);
await db().project.create({
  data: {
    id: "p-burst",
    slug: "burst",
    name: "Burst",
    teamId: "t-bench",
    ownerId: "u-dev",
    searchText: "burst",
    lifecycle: "active",
    language: "node",
    members: { create: [{ userId: "u-dev", role: "owner" }] },
    services: { create: [{ slug: "api", name: "api" }] },
    environments: { create: [{ kind: "dev", clusters: { create: [{ clusterId: cluster.id }] } }] },
    // The project's own concurrency limit would queue the burst (that is its point); the bench measures the engine.
    ciSettings: { create: { settings: { concurrency: { maxConcurrent: 50, onBusy: "queue" } } } },
  },
});
const [burstInput] = await loadCiInputs({ id: "p-burst" });
await applyObjects(await connectCluster(cluster.id), generateCi(burstInput!.input!).objects);
const devNow = { actor: (await loadActor("u-dev"))!, requestId: "bench-burst" };
const worker = await startWorker({ connectionString: url, concurrency: 8, schedule: false, pollInterval: 100 });
const t0 = performance.now();
const started = await Promise.all(
  Array.from({ length: BURST }, (_, i) =>
    startRun(devNow, { projectSlug: "burst", service: "api", branch: "develop", params: { "commit-message": `Burst ${i}` } }),
  ),
);
const accepted = (performance.now() - t0) / 1000;
const ids = started.map((s) => s.id);
const TERMINAL = ["succeeded", "failed", "cancelled"] as const;
let lastDone = -1;
let lastProgress = Date.now();
for (;;) {
  const done = await db().ciRun.count({ where: { id: { in: ids }, status: { in: [...TERMINAL] } } });
  if (done === ids.length) break;
  if (done !== lastDone) [lastDone, lastProgress] = [done, Date.now()];
  if (Date.now() - lastProgress > 180_000) {
    say(`no run finished for 180 s (${done}/${ids.length} done): stopping the wait`);
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
const burstSeconds = (performance.now() - t0) / 1000;
const outcome = await db().ciRun.groupBy({ by: ["status"], where: { id: { in: ids } }, _count: { _all: true } });
const recorded = await db().ciRun.count({
  where: { id: { in: ids }, status: { in: [...TERMINAL] }, finishedAt: { not: null }, tasks: { some: { steps: { some: { logArchived: true } } } } },
});
const numbers = new Set((await db().ciRun.findMany({ where: { id: { in: ids } }, select: { number: true } })).map((r) => r.number));
await worker.stop();

// ---------------------------------------------------------------- 3. the regeneration plan for every project
say(`regeneration plan for ${PROJECTS} projects`);
const planTimes: number[] = [];
let planned = 0;
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const plan = await planRegeneration(admin, { all: true });
  planTimes.push((performance.now() - t) / 1000);
  planned = plan.length;
}

// ---------------------------------------------------------------- figures
console.log(`\nCI at scale (${os.cpus().length} cores; in-process figures after 3 warm-up calls):`);
console.log(
  `  runs list, ${RUNS.toLocaleString("en")} runs of one project, listRuns (50 a page) per filter (target p95 < 300 ms; worst ${worstP95.toFixed(1)} ms):`,
);
for (const l of inProcess) console.log(`    ${l}`);
console.log(`    ${trendsLine}`);
console.log(`  plans (EXPLAIN ANALYZE):`);
for (const p of plans) console.log(`    ${p}`);
if (pageLines.length) {
  console.log(`  the page as a signed-in developer gets it (next start, ${connections} connections, ${seconds} s each; target p95 < 300 ms):`);
  for (const l of pageLines) console.log(`    ${l}`);
}
console.log(
  `  ${BURST} runs started at once: accepted in ${accepted.toFixed(2)} s; ${recorded}/${BURST} recorded to the end (status, tasks, steps with archived logs) in ${burstSeconds.toFixed(1)} s wall; ${outcome.map((o) => `${o._count._all} ${o.status}`).join(", ")}; ${numbers.size} distinct run numbers`,
);
console.log(`  regeneration plan, all ${planned} projects: ${planTimes.map((t) => `${t.toFixed(2)} s`).join(", ")} (first cold; target < 10 s)`);

await disconnectDb();
await sandbox.stop();
await pgServer.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(recorded === BURST && planned >= PROJECTS ? 0 : 1);
