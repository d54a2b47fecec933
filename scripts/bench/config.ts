/**
 * `npm run bench:config`: one config-service process (its own Node process,
 * as in production) on a fresh embedded Postgres.
 *   1. 10,000 long polls held at once (opened from this process over
 *      keep-alive sockets): memory per held poll, from the service's heap and RSS
 *   2. publishes (BENCH_ROUNDS, default 15): time from the publish call to the
 *      first client answered and to all 10,000, p50 / p99 / max over the rounds
 *      (targets: first p99 < 200 ms, all within 2 s)
 *   3. GET /configs at 1,000 requests/s for BENCH_SECONDS (default 10) with
 *      autocannon while the polls stay held: p50 / p95 / p99 (target p95 < 5 ms)
 * Needs about 10,100 file descriptors in each process: the npm script raises
 * the soft limit to the hard one (`ulimit -n`), and the bench says so if that is too few.
 *   BENCH_POLLS=10000  BENCH_ROUNDS=15  BENCH_SECONDS=10  BENCH_RATE=1000
 */
import { spawn, execSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { projectRoot } from "../lib/local-env";

const POLLS = Number(process.env.BENCH_POLLS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const say = (s: string) => console.log(`[bench:config] ${s}`);

const limit = Number(execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim());
if (Number.isFinite(limit) && limit < POLLS + 500) {
  console.error(`Open-file limit ${limit} is below ${POLLS + 500}: run \`ulimit -n 20000\` first (or BENCH_POLLS=${limit - 500}).`);
  process.exit(1);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-config-"));
fs.chmodSync(dir, 0o755);
const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), persistent: false });
await pgServer.createDatabase("bench");
const url = pgServer.url("bench");
Object.assign(process.env, {
  DATABASE_URL: url,
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
  LOG_LEVEL: "warn",
});
const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(url);

// The data: one service with 20 keys in dev, published by its owner through the domain functions.
const { db, disconnectDb } = await import("../../lib/db/client");
const { loadActor } = await import("../../lib/access/actor");
const { ensureApplication } = await import("../../lib/config/namespaces");
const { editItems } = await import("../../lib/config/edit");
const { publishDraft } = await import("../../lib/config/publish");
const { getWorkingCopy } = await import("../../lib/config/read");
const user = await db().user.create({ data: { email: "owner@bench.wharf", name: "Bench owner", platformRole: "developer" } });
const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const project = await db().project.create({
  data: {
    slug: "bench",
    name: "bench",
    teamId: team.id,
    ownerId: user.id,
    searchText: "bench",
    lifecycle: "active",
    members: { create: [{ userId: user.id, role: "owner" }] },
  },
});
await db().environment.create({ data: { projectId: project.id, kind: "dev" } });
const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
const ns = await ensureApplication(service.id);
const ctx = { actor: (await loadActor(user.id))!, requestId: "bench" };
const ref = { namespaceId: ns.id, serviceId: service.id, environment: "dev" as const, cluster: "default" };
const appId = "bench.api";
let round = 0;
async function publish() {
  const wc = await getWorkingCopy(ctx, ref);
  await editItems(ctx, {
    ...ref,
    draftVersion: wc.draftVersion,
    changes: Array.from({ length: 20 }, (_, i) => ({ op: "set" as const, key: `bench.key${i}`, value: `round ${round} value ${i}` })),
  });
  const next = await getWorkingCopy(ctx, ref);
  round++;
  return () => publishDraft(ctx, { ...ref, draftVersion: next.draftVersion, baseReleaseId: next.latestRelease?.id ?? null, comment: `round ${round}` });
}
await (
  await publish()
)();
const latestId = async () => Number((await db().configMessage.findFirstOrThrow({ orderBy: { id: "desc" } })).id);

// The config service, alone in its process.
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts/config-service.ts")], {
  cwd: projectRoot,
  env: { ...process.env, WHARF_CONFIG_SERVICE_PORT: String(port), WHARF_CONFIG_MAX_POLLS: String(POLLS * 2) },
  stdio: ["ignore", "inherit", "inherit"],
});
const health = async () =>
  (await (await fetch(`${base}/health`)).json()) as { held: number; rss: number; heapUsed: number; lastDispatch: { polls: number; ms: number } };
for (let i = 0; ; i++) {
  try {
    await health();
    break;
  } catch {
    if (i > 300) throw new Error("the config service did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const pollPath = (id: number) =>
  `/dev/notifications/v2?appId=${appId}&cluster=default&notifications=${encodeURIComponent(JSON.stringify([{ namespaceName: "application", notificationId: id }]))}`;

/** One long poll; resolves with the time its answer arrived. */
function poll(id: number): Promise<{ status: number; at: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${pollPath(id)}`, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, at: performance.now() }));
    });
    req.on("error", reject);
  });
}

async function waitHeld(n: number) {
  for (;;) {
    if ((await health()).held >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens `n` polls (in waves, as a fleet of clients would not all connect in the same millisecond). */
async function openPolls(n: number, id: number) {
  const answers: Promise<{ status: number; at: number }>[] = [];
  for (let i = 0; i < n; i++) {
    answers.push(poll(id));
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  await waitHeld(n);
  return answers;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

// Warm up the service (JIT, pools), then measure memory around opening the polls.
await autocannon({ url: `${base}/dev/configs/${appId}/default/application?ip=10.0.0.1`, connections: 10, duration: 2 });
const before = await health();
say(`opening ${POLLS} long polls`);
const opened = performance.now();
let answers = await openPolls(POLLS, await latestId());
const heldAt = await health();
say(`${POLLS} polls held (opened in ${ms(performance.now() - opened)})`);

const firsts: number[] = [];
const alls: number[] = [];
const publishes: number[] = [];
const dispatches: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const go = await publish();
  const t0 = performance.now();
  await go();
  publishes.push(performance.now() - t0);
  const results = await Promise.all(answers);
  const bad = results.filter((x) => x.status !== 200).length;
  if (bad) throw new Error(`${bad} polls were not answered 200 after a publish`);
  const times = results.map((x) => x.at - t0);
  firsts.push(Math.min(...times));
  alls.push(Math.max(...times));
  dispatches.push((await health()).lastDispatch.ms);
  answers = await openPolls(POLLS, await latestId());
}

// /configs at a fixed rate, with the polls still held; latencies from autocannon's own response events.
const latencies: number[] = [];
const configs = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    { url: `${base}/dev/configs/${appId}/default/application?ip=10.0.0.2`, connections: 20, overallRate: RATE, duration: SECONDS },
    (err, result) => (err ? reject(err) : resolve(result)),
  );
  instance.on("response", (_client, status, _bytes, responseTime) => {
    if (status === 200) latencies.push(responseTime);
  });
});

console.log(`
Config service bench (one process, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end)
  long polls held                 ${heldAt.held}
  memory per held poll            heap ${((heldAt.heapUsed - before.heapUsed) / POLLS / 1024).toFixed(2)} KiB, RSS ${((heldAt.rss - before.rss) / POLLS / 1024).toFixed(2)} KiB (${(heldAt.rss / 1048576).toFixed(0)} MiB RSS in all)
  publish call (commit)           p50 ${ms(pct(publishes, 50))}
  publish -> first client         p50 ${ms(pct(firsts, 50))}  p99 ${ms(pct(firsts, 99))}  (target p99 < 200 ms; ${ROUNDS} publishes)
  publish -> all ${POLLS} clients   p50 ${ms(pct(alls, 50))}  p99 ${ms(pct(alls, 99))}  max ${ms(Math.max(...alls))}  (target < 2 s)
  of which the service answering   p50 ${ms(pct(dispatches, 50))}  max ${ms(Math.max(...dispatches))}  (the rest: this process reading ${POLLS} answers)
  GET /configs at ${RATE}/s         ${configs.requests.total} requests, ${configs.non2xx} non-2xx, ${configs.errors} errors; p50 ${ms(pct(latencies, 50))}  p95 ${ms(pct(latencies, 95))}  p99 ${ms(pct(latencies, 99))}  (target p95 < 5 ms)
`);

child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
agent.destroy();
await disconnectDb();
await pgServer.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
