/**
 * `npm run bench:catalog`: the projects list and the command palette's search
 * over HTTP from the built app, with 10,000 projects and 50,000 services in a
 * fresh embedded Postgres.
 * Prints p50/p95/p99 latency per scenario (target: p95 < 150 ms).
 *   BENCH_SKIP_BUILD=1     reuse the current .next build
 *   BENCH_CONNECTIONS=4    concurrent connections (default 4)
 *   BENCH_SECONDS=10       duration of each scenario
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
import { buildApp, nextBin } from "../lib/next-app";
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
const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), persistent: false });
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
  analyze;
`);
await client.end();
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
  NEXTAUTH_URL: `http://localhost:${port}`,
  // Production refuses the demo sign-in: an OIDC provider that is never called (sessions are minted below).
  OIDC_ISSUER: "https://id.bench.invalid",
  OIDC_CLIENT_ID: "bench",
  OIDC_CLIENT_SECRET: "bench",
  WHARF_METRICS_TOKEN: randomBytes(24).toString("base64url"),
  LOG_LEVEL: "warn",
};
// BENCH_PROFILE=1 writes a V8 CPU profile of the server to .wharf/prof (open it in Chrome DevTools).
const profile = process.env.BENCH_PROFILE === "1" ? ["--cpu-prof", `--cpu-prof-dir=${path.join(projectRoot, ".wharf/prof")}`] : [];
const app = spawn(process.execPath, [...profile, nextBin, "start", "--port", String(port)], { cwd: projectRoot, env, stdio: "inherit" });
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

// A session as a developer who is the owner of ~33 projects, minted as next-auth would.
const token = await encode({ token: { sub: "u7", email: "user7@bench.wharf", name: "User 7", ...newSessionClaims({ id: "u7", sessionVersion: 1 }) }, secret });
const cookie = `next-auth.session-token=${token}`;

const SCENARIOS: [string, string][] = process.env.BENCH_PATHS
  ? process.env.BENCH_PATHS.split(",").map((p) => [p, p])
  : [
      ["list, first page", "/projects"],
      ["search 'payments' (1,200 matches)", "/projects?q=payments"],
      ["search a slug (1 match)", "/projects?q=ledger-4241"],
      ["filter team + tier", "/projects?team=team-7&tier=critical"],
      ["sort by updated, page 200", "/projects?sort=updated&dir=desc&page=200"],
      // The command palette: every kind searched at once, a few hits each.
      ["palette 'ledger' (500 projects)", "/api/search?q=ledger"],
      ["palette 'api' (10,000 services)", "/api/search?q=api"],
      ["palette 'ledger-42/we' (service)", "/api/search?q=ledger-42%2Fwe"],
    ];

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const rows: string[] = [];
for (const [name, pathname] of SCENARIOS) {
  const probe = await fetch(base + pathname, { headers: { cookie }, redirect: "manual" });
  if (probe.status !== 200) throw new Error(`${pathname} answered ${probe.status}: is the session valid?`);
  await autocannon({ url: base + pathname, connections, amount: 40, headers: { cookie } }); // warm-up
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: base + pathname, connections, duration: seconds, headers: { cookie } }, (err, r) => (err ? reject(err) : resolve(r)));
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status === 200) times.push(ms);
    });
  });
  times.sort((a, b) => a - b);
  const line = `${name.padEnd(36)} ${String(times.length).padStart(6)} req  ${result.requests.average.toFixed(0).padStart(4)} req/s  p50 ${percentile(times, 50).toFixed(0).padStart(4)} ms  p95 ${percentile(times, 95).toFixed(0).padStart(4)} ms  p99 ${percentile(times, 99).toFixed(0).padStart(4)} ms  non-2xx ${result.non2xx}`;
  rows.push(line);
  say(line);
}

console.log(
  `\nProjects list, ${PROJECTS} projects / ${PROJECTS * SERVICES_PER_PROJECT} services, ${connections} connections, ${seconds} s each (target p95 < 150 ms):`,
);
for (const r of rows) console.log("  " + r);

app.kill("SIGINT");
await new Promise((r) => app.once("exit", r));
await pgServer.stop();
process.exit(0);
