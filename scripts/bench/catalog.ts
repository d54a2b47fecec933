/**
 * `npm run bench:catalog`: the projects list and the command palette's search
 * over HTTP from the built app, with 10,000 projects and 50,000 services in a
 * fresh embedded Postgres. For each scenario it prints what explains the
 * figure, not only the figure:
 *   - req/s and p50/p95/p99 latency (the list, search and filter at 4 and at 1 connection);
 *   - server CPU per request: the CPU time of the `next start` process (and its
 *     children) over the run, from /proc, divided by the requests served;
 *   - Postgres CPU per request, the same way (the postgres processes);
 *   - database queries and their execution time per request, from
 *     pg_stat_statements (reset before each burst; the bench's own reads excluded);
 *   - the floor: the same app's cheapest dynamic page (/signin without a
 *     session: the root layout, no database), measured in pairs of bursts
 *     with each scenario, and each result's ratio to it, which holds on a
 *     noisy machine when the absolute figures do not;
 *   - the page's weight: HTML bytes, how much of it is inline RSC data, inline
 *     SVGs and class attributes; and the RSC payload of a client navigation.
 * Targets (issue 16): 4 connections >= 60 req/s and p95 < 150 ms; 1 connection p50 < 25 ms; within 2.5x of the floor.
 *   BENCH_SKIP_BUILD=1     reuse the current .next build
 *   BENCH_CONNECTIONS=4    concurrent connections (default 4; the list, search and filter also run at 1)
 *   BENCH_WARMUP=3         seconds of every scenario before any is measured (the JIT's warm-up; 0: none)
 *   BENCH_SECONDS=10       duration of each scenario, and of the floor beside it (0: measure nothing, only weigh the pages and take screenshots)
 *   BENCH_PATHS=/a,/b      measure only these paths (with the session), plus the floor
 *   BENCH_PROFILE=1        the server writes a V8 CPU profile to .wharf/prof (summarise it with scripts/bench/cpuprofile-top.ts)
 *   BENCH_ALONE=floor|page measure one side of the pairs only, and print the requests it served: with BENCH_PROFILE, a
 *                          profile of one page, for `cpuprofile-top.ts --diff` (what the page costs over the floor)
 *   BENCH_SCREENSHOTS=dir  screenshots of the list pages (desktop and 390 px wide) into dir, to look at what was measured
 *   BENCH_VISITS=5         visits to the list in Chromium: the requests a person's visit makes (link prefetches included) and the server CPU they cost (0: none)
 *   BENCH_COMPARE=dir      A/B: also serve the build in another checkout (built, with node_modules) and measure both in alternating bursts
 *   BENCH_ROUNDS=8         rounds of bursts: a scenario and the floor, or the A/B's two sides (each gets BENCH_SECONDS / rounds per round)
 *   BENCH_NODE_ARGS="..."  Node flags for this checkout's server only, after the production ones (SERVER_NODE_FLAGS), so they win: an A/B of
 *                          a runtime setting with BENCH_COMPARE=. too (e.g. "--max-semi-space-size=0", V8's default, against npm start's)
 *   BENCH_TIMELINE=0       no timeline of single requests (on by default outside A/B runs: scripts/bench/request-timeline.mjs in the server,
 *                          printing where one request's time goes at 1 connection: before its first statement, its statements, after them)
 *   BENCH_EXPLAIN=1        EXPLAIN ANALYZE (auto_explain) of every query of one request per scenario, to .wharf/bench-explain.txt
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { chromium } from "@playwright/test";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { childPids, treeCpuMs, treeMemoryMiB } from "../lib/proc-cpu";
import { projectRoot } from "../lib/local-env";
import { buildApp, nextStartArgs } from "../lib/next-app";
import { chromiumLaunchOptions } from "../lib/chromium";
import { applyMigrations } from "../../lib/db/schema-engine";
import { newSessionClaims } from "../../lib/access/session-claims";

const PROJECTS = 10_000;
const SERVICES_PER_PROJECT = 5;
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const say = (s: string) => console.log(`[bench] ${s}`);

buildApp(say, "BENCH_SKIP_BUILD");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-pg-"));
fs.chmodSync(dir, 0o755);
const explain = process.env.BENCH_EXPLAIN === "1";
const pgLog: string[] = [];
const pgServer = await startEmbeddedPostgres({
  dataDir: path.join(dir, "data"),
  persistent: false,
  settings: {
    shared_preload_libraries: "pg_stat_statements,auto_explain",
    "pg_stat_statements.track": "top",
    // auto_explain.log_min_duration stays at its default, -1 (off), until BENCH_EXPLAIN turns it on with ALTER SYSTEM
    // for one request per scenario (analyzing every query slows them down); a -c setting here would override that.
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
  },
  onLog: (line) => {
    if (explain) pgLog.push(line);
  },
});
await pgServer.createDatabase("bench");
const url = pgServer.url("bench");
await applyMigrations(url);

say(`seeding ${PROJECTS} projects, ${PROJECTS * SERVICES_PER_PROJECT} services`);
const seedStart = performance.now();
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query(`
  insert into "User"(id, email, name, "platformRole", "updatedAt")
    select 'u' || g, 'user' || g || '@bench.wharf', 'User ' || g, 'developer', now() from generate_series(1, 300) g;
  insert into "Team"(id, slug, name, description, "updatedAt")
    select 't' || g, 'team-' || g, 'Team ' || g, 'Bench team ' || g, now() from generate_series(1, 50) g;
  with words as (select array['checkout','ledger','search','catalog','orders','billing','identity','payments','inventory','shipping','pricing','reviews','recommend','notify','fraud','loyalty','media','analytics','gateway','session'] as w,
                        array['payments','storefront','ml','search','logistics','identity','data','platform'] as d,
                        array['Java','TypeScript','Python','Go'] as l,
                        array['Spring Boot','Next.js','FastAPI','Gin'] as f)
  insert into "Project"(id, slug, name, description, "teamId", "ownerId", tier, language, framework, lifecycle, labels, "searchText", "createdAt", "updatedAt")
    select 'p' || g,
           w[1 + g % 20] || '-' || g,
           initcap(w[1 + g % 20]) || ' ' || g,
           'Handles ' || w[1 + (g * 7) % 20] || ' for the ' || d[1 + g % 8] || ' domain',
           't' || (1 + g % 50), 'u' || (1 + g % 300),
           (array['critical','standard','standard','experimental'])[1 + g % 4]::"ProjectTier",
           l[1 + g % 4], f[1 + g % 4],
           (case when g % 25 = 0 then 'archived' when g % 40 = 0 then 'requested' else 'active' end)::"ProjectLifecycle",
           jsonb_build_object('domain', d[1 + g % 8], 'cost-center', 'cc-' || (g % 30)),
           lower(initcap(w[1 + g % 20]) || ' ' || g || ' ' || w[1 + g % 20] || '-' || g || ' handles ' || w[1 + (g * 7) % 20] || ' for the ' || d[1 + g % 8] || ' domain'
                 || ' domain=' || d[1 + g % 8] || ' domain ' || d[1 + g % 8] || ' cost-center=cc-' || (g % 30) || ' cost-center cc-' || (g % 30)),
           now() - (g || ' minutes')::interval, now() - ((g % 1000) || ' minutes')::interval
    from generate_series(1, ${PROJECTS}) g, words;
  insert into "Service"(id, "projectId", slug, name, kind, "updatedAt")
    select 's' || p || '-' || k, 'p' || p, (array['api','web','worker','job','cron'])[k], 'Service ' || k, (array['api','web','worker','job','job'])[k]::"ServiceKind", now()
    from generate_series(1, ${PROJECTS}) p, generate_series(1, ${SERVICES_PER_PROJECT}) k;
  insert into "ProjectMember"(id, "projectId", "userId", role, "updatedAt")
    select 'm' || g, 'p' || g, 'u' || (1 + g % 300), 'owner', now() from generate_series(1, ${PROJECTS}) g;
  create extension if not exists pg_stat_statements;
`);
// What autovacuum does to a live database after a bulk load: the trigram index's pending list merged (until then the
// planner scans the table instead of the index), the visibility map set, the statistics taken. Twice, as autovacuum
// comes back: the first pass, right after the load, leaves every page of Project not yet all-visible
// (pg_class.relallvisible 0 of 432), so the list's count could not be answered from the (lifecycle, id) index alone.
await client.query("vacuum analyze");
await client.query("vacuum");
say(`seeded in ${Math.round(performance.now() - seedStart)} ms`);

const port = await freePort();
const secret = randomBytes(32).toString("base64");
const env = {
  ...process.env,
  NODE_ENV: "production" as const,
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: url,
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: secret,
  // Production refuses the demo sign-in: an OIDC provider that is never called (sessions are minted below).
  OIDC_ISSUER: "https://id.bench.invalid",
  OIDC_CLIENT_ID: "bench",
  OIDC_CLIENT_SECRET: "bench",
  WHARF_METRICS_TOKEN: randomBytes(24).toString("base64url"),
  LOG_LEVEL: "warn",
};
// BENCH_PROFILE=1 writes a V8 CPU profile of the server to .wharf/prof (open it in Chrome DevTools).
const profile = process.env.BENCH_PROFILE === "1" ? ["--cpu-prof", `--cpu-prof-dir=${path.join(projectRoot, ".wharf/prof")}`] : [];
const servers: ChildProcess[] = [];
// A run that fails half-way must not leave its servers and Postgres running (they would load the machine for the next run).
process.on("exit", () => {
  for (const server of servers) if (server.exitCode === null) server.kill("SIGKILL");
  for (const pid of childPids(process.pid, (c) => c === "postgres")) process.kill(pid, "SIGINT"); // fast shutdown; gone already after pgServer.stop()
  // Nor its database directory: the data of a run that failed (about 150 MB seeded), or the empty folder a finished one leaves.
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    console.error(`[bench] could not remove ${dir}: ${(e as Error).message}`); // a Postgres still shutting down, writing into it
  }
});

/** `next start` of the build in `root`, on its own port, against the bench's database. */
async function startServer(root: string, port: number, extraArgs: string[], extraEnv: Record<string, string> = {}) {
  const bin = path.join(root, "node_modules/next/dist/bin/next");
  // As `npm start` runs it (SERVER_NODE_FLAGS), both sides of an A/B alike; BENCH_NODE_ARGS come after, so they win.
  const proc = spawn(process.execPath, nextStartArgs(port, { bin, nodeArgs: extraArgs }), {
    cwd: root,
    env: { ...env, ...extraEnv, NEXTAUTH_URL: `http://localhost:${port}` },
    stdio: "inherit",
  });
  servers.push(proc);
  const url = `http://localhost:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // starting
    }
    if (i > 200 || proc.exitCode !== null) throw new Error(`the app in ${root} did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { proc, base: url };
}

const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
// BENCH_COMPARE: a second build (another checkout, built) served beside this one, for an A/B run (see compare()).
const compareRoot = process.env.BENCH_COMPARE ? path.resolve(process.env.BENCH_COMPARE) : undefined;
if (compareRoot && !fs.existsSync(path.join(compareRoot, ".next/BUILD_ID"))) throw new Error(`BENCH_COMPARE: ${compareRoot} has no build (.next/BUILD_ID)`);
// The timeline of each request at 1 connection (scripts/bench/request-timeline.mjs), unless BENCH_TIMELINE=0; not in an
// A/B run, where it would load one side only.
const timelineFile = process.env.BENCH_TIMELINE === "0" || compareRoot ? undefined : path.join(projectRoot, ".wharf/bench-timeline.jsonl");
if (timelineFile) {
  fs.mkdirSync(path.dirname(timelineFile), { recursive: true });
  fs.writeFileSync(timelineFile, "");
}
const { proc: app, base } = await startServer(
  projectRoot,
  port,
  [...nodeArgs, ...profile, ...(timelineFile ? ["--import", path.join(projectRoot, "scripts/bench/request-timeline.mjs")] : [])],
  timelineFile ? { WHARF_BENCH_TIMELINE: timelineFile } : {},
);
const other = compareRoot ? await startServer(compareRoot, await freePort(), []) : undefined;

// A session as a developer who is the owner of ~33 projects, minted as next-auth would.
const token = await encode({ token: { sub: "u7", email: "user7@bench.wharf", name: "User 7", ...newSessionClaims({ id: "u7", sessionVersion: 1 }) }, secret });
const cookie = `next-auth.session-token=${token}`;

interface Scenario {
  name: string;
  path: string;
  /** Sent without the session cookie (the floor). */
  anonymous?: boolean;
  /** Also measured at 1 connection (what one request costs when nothing waits in line). */
  single?: boolean;
  /** Held to the targets. */
  target?: boolean;
}

const FLOOR: Scenario = { name: "floor: /signin, no session", path: "/signin", anonymous: true, single: true };
const SCENARIOS: Scenario[] = process.env.BENCH_PATHS
  ? process.env.BENCH_PATHS.split(",").map((p) => ({ name: p, path: p, single: true, target: true }))
  : [
      { name: "list, first page", path: "/projects", single: true, target: true },
      { name: "search 'payments' (1,200 matches)", path: "/projects?q=payments", single: true, target: true },
      { name: "search a slug (1 match)", path: "/projects?q=ledger-4241" },
      { name: "filter team + tier", path: "/projects?team=team-7&tier=critical", single: true, target: true },
      { name: "sort by updated, page 200", path: "/projects?sort=updated&dir=desc&page=200" },
      // The command palette: every kind searched at once, a few hits each.
      { name: "palette 'ledger' (500 projects)", path: "/api/search?q=ledger" },
      { name: "palette 'api' (10,000 services)", path: "/api/search?q=api" },
      { name: "palette 'ledger-42/we' (service)", path: "/api/search?q=ledger-42%2Fwe" },
    ];

const headersOf = (s: Scenario): Record<string, string> => (s.anonymous ? {} : { cookie });

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

const appCpuMs = (server: ChildProcess = app) => treeCpuMs(server.pid!);
/** What a heap setting costs: the server's resident memory now and its peak (VmHWM) over the run. */
const memory = (server: ChildProcess) => {
  const m = treeMemoryMiB(server.pid!);
  return `${m.rss.toFixed(0)} MiB resident, ${m.peak.toFixed(0)} MiB at most`;
};
const pgCpuMs = () => treeCpuMs(process.pid, (comm) => comm === "postgres");

/** Every statement the app ran since the last reset, the bench's own reads left out. */
async function dbStatements() {
  const { rows } = await client.query<{ calls: string; ms: number; query: string }>(
    `select calls, total_exec_time as ms, query from pg_stat_statements
      where query not ilike '%pg_stat_statements%' and dbid = (select oid from pg_database where datname = current_database())`,
  );
  return rows.map((r) => ({ calls: Number(r.calls), ms: r.ms, query: r.query }));
}

interface Measured {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  serverCpu: number;
  pgCpu: number;
  queries: number;
  dbMs: number;
}

/** What the bursts of one page added up to; `rounds` holds each round's CPU per request, for the spread of the ratio. */
interface Sum {
  requests: number;
  ms: number;
  cpuMs: number;
  pgMs: number;
  calls: number;
  dbMs: number;
  non2xx: number;
  times: number[];
  rounds: number[];
}
const emptySum = (): Sum => ({ requests: 0, ms: 0, cpuMs: 0, pgMs: 0, calls: 0, dbMs: 0, non2xx: 0, times: [], rounds: [] });

/** One burst of `s` for `secs` seconds, added to `sum`. */
async function measuredBurst(s: Scenario, conns: number, secs: number, sum: Sum) {
  await client.query("select pg_stat_statements_reset()");
  const cpu0 = appCpuMs();
  const pg0 = pgCpuMs();
  const t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: base + s.path, connections: conns, duration: secs, headers: headersOf(s) }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status === 200) sum.times.push(ms);
    });
  });
  sum.ms += performance.now() - t0;
  const cpu = appCpuMs() - cpu0;
  sum.cpuMs += cpu;
  sum.pgMs += pgCpuMs() - pg0;
  sum.requests += result.requests.total;
  sum.non2xx += result.non2xx;
  sum.rounds.push(cpu / Math.max(1, result.requests.total));
  for (const r of await dbStatements()) {
    sum.calls += r.calls;
    sum.dbMs += r.ms;
  }
}

function summarize(sum: Sum): Measured {
  const served = Math.max(1, sum.requests);
  const times = [...sum.times].sort((a, b) => a - b);
  return {
    requests: sum.requests,
    rps: (sum.requests * 1000) / sum.ms,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    non2xx: sum.non2xx,
    serverCpu: sum.cpuMs / served,
    pgCpu: sum.pgMs / served,
    queries: sum.calls / served,
    dbMs: sum.dbMs / served,
  };
}

/**
 * A scenario and the floor, measured in pairs: BENCH_ROUNDS rounds (default 8) of a burst of each, BENCH_SECONDS /
 * rounds long, the one that goes first alternating. The ratio to the floor is then of two pages measured in the same
 * moments: on this shared machine the floor measured a minute apart from the page moved the ratio by up to 0.9x
 * (3.0x in one run, 2.1x in an A/B run of the same build half an hour later). `spread` is the lowest and highest
 * ratio of server CPU per request in one round.
 */
async function measurePaired(s: Scenario, conns: number) {
  const rounds = Math.max(2, Number(process.env.BENCH_ROUNDS ?? 8));
  const secs = seconds / rounds;
  for (const x of sidesOf(s)) served += (await autocannon({ url: base + x.path, connections: conns, amount: 40, headers: headersOf(x) })).requests.total; // warm-up
  const [page, floor] = [emptySum(), emptySum()];
  for (let r = 0; r < rounds; r++) {
    for (const first of r % 2 === 0 ? [true, false] : [false, true]) {
      if (alone && alone !== (first ? "floor" : "page")) continue;
      await measuredBurst(first ? FLOOR : s, conns, secs, first ? floor : page);
    }
  }
  served += page.requests + floor.requests;
  const perRound = page.rounds.map((c, i) => c / (floor.rounds[i] ?? NaN)).sort((a, b) => a - b);
  return { m: summarize(page), floor: floor, spread: [perRound[0] ?? NaN, perRound[perRound.length - 1] ?? NaN] as const };
}
const alone = process.env.BENCH_ALONE;
/** The pages a pair measures: the floor and the scenario, or with BENCH_ALONE only one of them (a profile of it has nothing of the other). */
const sidesOf = (s: Scenario) => (alone === "floor" ? [FLOOR] : alone === "page" ? [s] : [FLOOR, s]);
if (alone && alone !== "floor" && alone !== "page") throw new Error("BENCH_ALONE is floor or page");
let served = 0;

/** The page's weight: HTML, its inline RSC data (`self.__next_f.push`), inline SVGs, class attributes; and a client navigation's RSC payload. */
async function weigh(s: Scenario) {
  const html = await (await fetch(base + s.path, { headers: headersOf(s) })).text();
  const bytes = (t: string) => Buffer.byteLength(t);
  const rscInline = [...html.matchAll(/<script[^>]*>self\.__next_f\.push\((.*?)\)<\/script>/gs)].reduce((n, m) => n + bytes(m[1]!), 0);
  const classes = [...html.matchAll(/ class="[^"]*"/g)].reduce((n, m) => n + bytes(m[0]), 0);
  const svgs = (html.match(/<svg/g) ?? []).length;
  const rsc = await (await fetch(base + s.path, { headers: { ...headersOf(s), RSC: "1" } })).text();
  // Kept to look at: .wharf/bench-pages/<path>.html and .rsc
  const file = path.join(projectRoot, ".wharf/bench-pages", s.path.replace(/[^a-z0-9]+/gi, "_"));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.html`, html);
  fs.writeFileSync(`${file}.rsc`, rsc);
  return { html: bytes(html), rscInline, classes, svgs, rsc: bytes(rsc) };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const fmt = (m: Measured) =>
  `${String(m.requests).padStart(6)} req ${m.rps.toFixed(0).padStart(4)} req/s  p50 ${m.p50.toFixed(0).padStart(4)}  p95 ${m.p95.toFixed(0).padStart(4)}  p99 ${m.p99
    .toFixed(0)
    .padStart(4)} ms  server CPU ${m.serverCpu.toFixed(1).padStart(5)} ms/req  postgres CPU ${m.pgCpu.toFixed(1).padStart(5)} ms/req  ${m.queries
    .toFixed(1)
    .padStart(4)} queries ${m.dbMs.toFixed(1).padStart(5)} ms db/req${m.non2xx ? `  non-2xx ${m.non2xx}` : ""}`;

for (const s of [FLOOR, ...SCENARIOS]) {
  for (const server of [base, ...(other ? [other.base] : [])]) {
    const probe = await fetch(server + s.path, { headers: headersOf(s), redirect: "manual" });
    if (probe.status !== 200) throw new Error(`${server}${s.path} answered ${probe.status}${s.anonymous ? "" : ": is the session valid?"}`);
  }
}

if (explain) {
  // One request per scenario with every statement's plan (EXPLAIN ANALYZE, the real parameters) written to the server log.
  await client.query("alter system set auto_explain.log_min_duration = 0");
  await client.query("select pg_reload_conf()");
  await new Promise((r) => setTimeout(r, 300)); // the reload reaches the app's connections at their next statement
  const out: string[] = [];
  for (const s of SCENARIOS.filter((x) => x.path.startsWith("/projects"))) {
    pgLog.length = 0;
    await (await fetch(base + s.path, { headers: headersOf(s) })).text();
    await new Promise((r) => setTimeout(r, 200)); // the log is written after the answer
    out.push(`### ${s.name} (${s.path})\n`, pgLog.join(""), "\n");
  }
  await client.query("alter system reset auto_explain.log_min_duration");
  await client.query("select pg_reload_conf()");
  const file = path.join(projectRoot, ".wharf/bench-explain.txt");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, out.join(""));
  say(`EXPLAIN ANALYZE of every query written to ${file}`);
}

const launchBrowser = () => chromium.launch(chromiumLaunchOptions);

/**
 * What one person opening the page costs the server, not only its document: the list in Chromium until the network
 * is idle, the server's CPU over that time, and the requests the page made (next/link prefetches each link in view,
 * each a render of that page's layouts on the server; the live counts; the sprite). Fresh page each time, as a new visit.
 */
async function visits(path: string, count: number) {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: "next-auth.session-token", value: token, url: base }]);
  const runs: { requests: number; prefetches: number; cpu: number }[] = [];
  const kinds = new Map<string, number>();
  for (let i = 0; i <= count; i++) {
    const page = await context.newPage();
    let requests = 0;
    let prefetches = 0;
    page.on("request", (r) => {
      if (!r.url().startsWith(base) || r.url().startsWith(base + "/_next/static/")) return;
      requests++;
      if (r.headers()["next-router-prefetch"]) prefetches++;
      const kind = `${r.headers()["next-router-prefetch"] ? "prefetch " : ""}${new URL(r.url()).pathname}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    });
    const cpu0 = appCpuMs();
    await page.goto(base + path);
    await page.waitForLoadState("networkidle");
    const cpu = appCpuMs() - cpu0;
    await page.close();
    if (i > 0) runs.push({ requests, prefetches, cpu }); // the first visit warms the browser's caches (scripts, sprite)
  }
  await browser.close();
  const avg = (f: (r: (typeof runs)[number]) => number) => runs.reduce((n, r) => n + f(r), 0) / runs.length;
  const what = [...kinds]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, n]) => `${k} x${(n / (count + 1)).toFixed(1)}`);
  return { requests: avg((r) => r.requests), prefetches: avg((r) => r.prefetches), cpu: avg((r) => r.cpu), what };
}

// Every scenario once before any is measured, so the first one measured does not pay for the JIT compiling code
// the others share (it showed as a third more CPU per request than the same page measured later): the steady
// state of a server that has been up for a while. Each measurement then has its own short warm-up too.
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
if (seconds > 0 && warmup > 0) {
  say(`warming up: every scenario for ${warmup} s`);
  for (const s of [...new Set(SCENARIOS.flatMap(sidesOf))])
    served += (await autocannon({ url: base + s.path, connections, duration: warmup, headers: headersOf(s) })).requests.total;
}

interface Side {
  proc: ChildProcess;
  base: string;
}
interface Tally {
  requests: number;
  ms: number;
  cpuMs: number;
  non2xx: number;
  times: number[];
}

/** One burst of `s` against one side, added to its tally. */
async function burst(side: Side, s: Scenario, conns: number, secs: number, t: Tally) {
  const cpu0 = appCpuMs(side.proc);
  const t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: side.base + s.path, connections: conns, duration: secs, headers: headersOf(s) }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status === 200) t.times.push(ms);
    });
  });
  t.ms += performance.now() - t0;
  t.cpuMs += appCpuMs(side.proc) - cpu0;
  t.requests += result.requests.total;
  t.non2xx += result.non2xx;
}

/**
 * BENCH_COMPARE=<checkout>: this build (A) and another, built checkout (B) served side by side against the same
 * database and measured in alternating bursts: BENCH_ROUNDS rounds (default 8) of BENCH_SECONDS / rounds per side,
 * the side that goes first alternating too, so what the machine's load does during the run reaches both alike.
 * Two runs of one build, one after the other, differ by 5-10 % on a shared machine; this is how a change of a few
 * per cent shows.
 */
async function compare(b: Side) {
  const rounds = Math.max(2, Number(process.env.BENCH_ROUNDS ?? 8));
  const sides: Side[] = [{ proc: app, base }, b];
  const secs = Math.max(1, seconds / rounds);
  say(`A/B: A = ${projectRoot}, B = ${compareRoot}; ${rounds} rounds of ${secs} s per side per scenario`);
  for (const s of [FLOOR, ...SCENARIOS]) await autocannon({ url: b.base + s.path, connections, duration: warmup, headers: headersOf(s) });
  const rows: { s: Scenario; conns: number; t: Tally[] }[] = [];
  for (const s of [FLOOR, ...SCENARIOS]) {
    for (const conns of s.single && connections !== 1 ? [connections, 1] : [connections]) {
      for (const side of sides) await autocannon({ url: side.base + s.path, connections: conns, amount: 40, headers: headersOf(s) });
      const t = sides.map((): Tally => ({ requests: 0, ms: 0, cpuMs: 0, non2xx: 0, times: [] }));
      for (let r = 0; r < rounds; r++) for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) await burst(sides[i]!, s, conns, secs, t[i]!);
      rows.push({ s, conns, t });
      say(`${s.name.padEnd(36)} ${conns}c done`);
    }
  }
  const rps = (t: Tally) => (t.requests * 1000) / t.ms;
  const cpu = (t: Tally) => t.cpuMs / Math.max(1, t.requests);
  const p50 = (t: Tally) =>
    percentile(
      [...t.times].sort((x, y) => x - y),
      50,
    );
  const pct = (a: number, b: number) => `${a >= b ? "+" : ""}${((100 * (a - b)) / b).toFixed(1)}%`;
  console.log(`\nA/B, ${rounds} alternating rounds of ${secs} s per side. A = this checkout, B = ${compareRoot}.`);
  console.log("Server CPU per request (the next-server process tree, from /proc), req/s and p50, and A against B:\n");
  for (const { s, conns, t } of rows) {
    const [a, bt] = t as [Tally, Tally];
    const side = (x: Tally) =>
      `${rps(x).toFixed(0).padStart(4)} req/s p50 ${p50(x).toFixed(1).padStart(5)} ms CPU ${cpu(x).toFixed(2).padStart(6)} ms/req${x.non2xx ? ` non-2xx ${x.non2xx}` : ""}`;
    console.log(`  ${s.name.padEnd(36)} ${conns}c  A ${side(a)}  B ${side(bt)}  A vs B: CPU ${pct(cpu(a), cpu(bt))}, req/s ${pct(rps(a), rps(bt))}`);
  }
  console.log("\nRatio to the floor, each build against its own floor (server CPU; req/s at 4c, p50 at 1c):");
  for (const { s, conns, t } of rows) {
    if (s === FLOOR) continue;
    const floor = rows.find((r) => r.s === FLOOR && r.conns === conns)!.t;
    const ratios = [0, 1].map((i) => {
      const [m, f] = [t[i]!, floor[i]!];
      const speed = conns === 1 ? p50(m) / p50(f) : rps(f) / rps(m);
      return `CPU ${(cpu(m) / cpu(f)).toFixed(2)}x ${conns === 1 ? "p50" : "req/s"} ${speed.toFixed(2)}x`;
    });
    console.log(`  ${s.name.padEnd(36)} ${conns}c  A ${ratios[0]}   B ${ratios[1]}`);
  }
  console.log(`\nServer memory after the run: A ${memory(app)}; B ${memory(b.proc)}`);
}

if (other) {
  await compare(other);
  await shutdown();
}

const results: { s: Scenario; conns: number; m: Measured; floor: Measured; spread: readonly [number, number] }[] = [];
// The floor's own line: every burst of it, at that many connections, over the whole run.
const floorSums = new Map<number, Sum>();
for (const s of seconds > 0 ? SCENARIOS : []) {
  for (const conns of s.single && connections !== 1 ? [connections, 1] : [connections]) {
    const { m, floor, spread } = await measurePaired(s, conns);
    const all = floorSums.get(conns) ?? emptySum();
    for (const k of ["requests", "ms", "cpuMs", "pgMs", "calls", "dbMs", "non2xx"] as const) all[k] += floor[k];
    all.times.push(...floor.times);
    floorSums.set(conns, all);
    results.push({ s, conns, m, floor: summarize(floor), spread });
    say(`${s.name.padEnd(36)} ${conns}c ${fmt(m)}`);
  }
}
const weights: { s: Scenario; w: Awaited<ReturnType<typeof weigh>> }[] = [];
for (const s of [FLOOR, ...SCENARIOS.filter((x) => x.path.startsWith("/projects"))]) weights.push({ s, w: await weigh(s) });
const visitCount = Number(process.env.BENCH_VISITS ?? 5);
const visit = visitCount > 0 ? await visits("/projects", visitCount) : undefined;

console.log(
  `\nProjects list, ${PROJECTS} projects / ${PROJECTS * SERVICES_PER_PROJECT} services, ${seconds} s each, each scenario in pairs of bursts with the floor.`,
);
console.log("CPU from /proc (the next-server process tree; the postgres processes), queries and db time from pg_stat_statements, per request.\n");
for (const [conns, sum] of [...floorSums].sort((x, y) => y[0] - x[0]).filter(([, sum]) => sum.requests > 0))
  console.log(`  ${FLOOR.name.padEnd(36)} ${conns}c ${fmt(summarize(sum))}`);
for (const { s, conns, m } of results.filter((r) => r.m.requests > 0)) console.log(`  ${s.name.padEnd(36)} ${conns}c ${fmt(m)}`);

console.log(
  `\nRatio to the floor (${FLOOR.path}) measured in the same rounds, and the targets (4c >= 60 req/s, p95 < 150 ms; 1c p50 < 25 ms; within 2.5x of the floor):`,
);
for (const { s, conns, m, floor: f, spread } of alone ? [] : results) {
  const ratio = conns === 1 ? m.p50 / f.p50 : f.rps / m.rps;
  const cpuRatio = m.serverCpu / f.serverCpu;
  const meets = !s.target
    ? ""
    : conns === 1
      ? m.p50 < 25 && ratio <= 2.5
        ? "  meets targets"
        : "  MISSES targets"
      : m.rps >= 60 && m.p95 < 150 && ratio <= 2.5
        ? "  meets targets"
        : "  MISSES targets";
  console.log(
    `  ${s.name.padEnd(36)} ${conns}c  ${conns === 1 ? "p50" : "req/s"} ${ratio.toFixed(2)}x the floor  server CPU ${cpuRatio.toFixed(2)}x the floor's (one round: ${spread[0].toFixed(2)}-${spread[1].toFixed(2)}x)${meets}`,
  );
}

console.log(`\nServer memory after the run: ${memory(app)}`);
if (alone) console.log(`\nBENCH_ALONE=${alone}: the server answered ${served} requests, warm-ups included.`);

/** A request's timeline as request-timeline.mjs writes it: ms from its arrival, CPU of the whole process. */
interface Timeline {
  url: string;
  finish: number;
  cpuMs: number;
  statements: { text: string; sent: number; answered: number }[];
}
if (timelineFile && seconds > 0) {
  const lines = fs.readFileSync(timelineFile, "utf8").split("\n").filter(Boolean);
  const byPath = new Map<string, Timeline[]>();
  for (const t of lines.map((l) => JSON.parse(l) as Timeline)) {
    const list = byPath.get(t.url) ?? [];
    list.push(t);
    byPath.set(t.url, list);
  }
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  console.log(
    "\nOne request at 1 connection, where its time goes: medians of the requests that had the server to themselves, in ms from the request's arrival",
  );
  console.log("(the process's CPU over that time, every thread; statements as the pg client sent them and had their answers; BENCH_TIMELINE=0: off):");
  for (const s of [FLOOR, ...SCENARIOS.filter((x) => x.single)]) {
    const ts = byPath.get(s.path) ?? [];
    if (ts.length < 20) continue;
    const withStatements = ts.filter((t) => t.statements.length > 0);
    const finish = median(ts.map((t) => t.finish));
    const cpu = median(ts.map((t) => t.cpuMs));
    const parts = [`done ${finish.toFixed(1).padStart(5)}  CPU ${cpu.toFixed(1).padStart(5)} (${((100 * cpu) / finish).toFixed(0)}% busy)`];
    if (withStatements.length >= ts.length / 2) {
      const first = (t: Timeline) => t.statements.reduce((a, b) => (b.sent < a.sent ? b : a));
      const lastAnswer = (t: Timeline) => Math.max(...t.statements.map((x) => x.answered));
      parts.push(
        `first statement sent ${median(withStatements.map((t) => first(t).sent)).toFixed(1)}, answered ${median(withStatements.map((t) => first(t).answered)).toFixed(1)}`,
        `last answered ${median(withStatements.map(lastAnswer)).toFixed(1)} (${median(withStatements.map((t) => t.statements.length))} statements)`,
        `after it ${median(withStatements.map((t) => t.finish - lastAnswer(t))).toFixed(1)}`,
      );
    }
    console.log(`  ${s.name.padEnd(36)} ${String(ts.length).padStart(5)} req  ${parts.join("  ")}`);
  }
}

console.log("\nPage weight (target: first page under 60 KB):");
for (const { s, w } of weights) {
  console.log(
    `  ${s.name.padEnd(36)} HTML ${kb(w.html).padStart(9)}  of it inline RSC ${kb(w.rscInline).padStart(9)} (${((100 * w.rscInline) / w.html).toFixed(0)}%)  class attributes ${kb(w.classes).padStart(8)}  ${String(w.svgs).padStart(3)} inline SVGs  client navigation RSC ${kb(w.rsc).padStart(9)}`,
  );
}

if (visit) {
  const doc = results.find((r) => r.s.path === "/projects" && r.conns === 1)?.m.serverCpu;
  console.log(
    `\nA visit to /projects in Chromium (${visitCount} visits, until the network is idle): ${visit.requests.toFixed(0)} requests to the server, ${visit.prefetches.toFixed(0)} of them link prefetches; server CPU ${visit.cpu.toFixed(1)} ms per visit${doc ? ` (the document alone: ${doc.toFixed(1)} ms)` : ""}`,
  );
  console.log(`  the most frequent, per visit: ${visit.what.join(", ")}`);
}

if (process.env.BENCH_SCREENSHOTS) {
  const out = path.resolve(process.env.BENCH_SCREENSHOTS);
  fs.mkdirSync(out, { recursive: true });
  const browser = await launchBrowser();
  for (const [label, width] of [
    ["desktop", 1280],
    ["mobile", 390],
  ] as const) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    await context.addCookies([{ name: "next-auth.session-token", value: token, url: base }]);
    const page = await context.newPage();
    for (const s of SCENARIOS.filter((x) => x.path.startsWith("/projects"))) {
      await page.goto(base + s.path);
      await page.getByTestId("result-count").or(page.getByText("No project matches")).first().waitFor();
      await page.screenshot({ path: path.join(out, `${s.path.replace(/[^a-z0-9]+/gi, "_")}-${label}.png`), fullPage: label === "desktop" });
    }
    await context.close();
  }
  await browser.close();
  say(`screenshots in ${out}`);
}

await shutdown();

async function shutdown() {
  await client.end();
  for (const server of servers) {
    server.kill("SIGINT");
    if (server.exitCode === null) await new Promise((r) => server.once("exit", r));
  }
  await pgServer.stop();
  process.exit(0);
}
