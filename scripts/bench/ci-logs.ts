/**
 * `npm run bench:ci-logs`: how long a CI step's first log line takes to reach
 * a run page, over HTTP from the built app with a real worker and the
 * sandbox's Tekton (target under 1 s).
 *
 * The client does what the run page does in the browser: it holds the run's
 * stream (`/api/ci/runs/<id>/stream`), and when a step shows up running it
 * opens the stream of that step's log. For every step of BENCH_RUNS runs
 * (default 5, one after the other) the figure is the time from the step's
 * first line on the build cluster (the container log's own timestamp, read
 * afterwards with `timestamps=true`: when the step printed it) to that line
 * arriving at the client. Prints p50 / p95 / max.
 *   BENCH_SKIP_BUILD=1 reuses .next; BENCH_RUNS=5
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { encode } from "next-auth/jwt";
import { newSessionClaims } from "../../lib/access/session-claims";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { projectRoot } from "../lib/local-env";
import { buildApp, nextStartArgs } from "../lib/next-app";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const say = (s: string) => console.log(`[bench:ci-logs] ${s}`);

buildApp(say, "BENCH_SKIP_BUILD");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-ci-logs-"));
fs.chmodSync(tmp, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false });
await pg.createDatabase("bench");
const secret = randomBytes(32).toString("base64");
Object.assign(process.env, {
  DATABASE_URL: pg.url("bench"),
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: secret,
  LOG_LEVEL: "error",
  NEXT_TELEMETRY_DISABLED: "1",
});

const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(process.env.DATABASE_URL!);
const { startSandbox } = await import("../../sandbox/index");
const sandbox = await startSandbox({ stateDir: path.join(tmp, "sandbox"), kubeconfigPath: path.join(tmp, "kubeconfig"), adminPort: -1 });
const { db, disconnectDb } = await import("../../lib/db/client");
const { registerClusters } = await import("../lib/sandbox-clusters");
const { connectCluster } = await import("../../lib/kube/connection");
const { applyObjects } = await import("../../lib/kube/apply");
const { loadCiInputs } = await import("../../lib/ci/input");
const { generateCi } = await import("../../lib/ci/generate");
const { startRun } = await import("../../lib/ci/runs");
const { loadActor } = await import("../../lib/access/actor");

await registerClusters(
  sandbox.clusters.map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server, builds: c.name === "sandbox-east" })),
);
const build = await db().cluster.findFirstOrThrow({ where: { builds: true } });
const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const user = await db().user.create({ data: { email: "dev@bench.wharf", name: "Dev" } });
const project = await db().project.create({
  data: {
    slug: "bench-ci",
    name: "Bench CI",
    teamId: team.id,
    ownerId: user.id,
    lifecycle: "active",
    searchText: "bench-ci",
    language: "node",
    members: { create: { userId: user.id, role: "owner" } },
    services: { create: [{ slug: "api", name: "API" }] },
    environments: { create: [{ kind: "dev", clusters: { create: [{ clusterId: build.id }] } }] },
    ciSettings: { create: { settings: { branchPolicy: [{ match: "develop", ref: "branch", build: true, push: true }] } } },
  },
});
const [loaded] = await loadCiInputs({ id: project.id });
await applyObjects(await connectCluster(build.id, 30_000), generateCi(loaded!.input!).objects);

const children: ChildProcess[] = [];
const port = await freePort();
const env = {
  ...process.env,
  NODE_ENV: "production" as const,
  NEXTAUTH_URL: `http://localhost:${port}`,
  // Production refuses the demo sign-in: an OIDC provider that is never called (sessions are minted below).
  OIDC_ISSUER: "https://id.bench.invalid",
  OIDC_CLIENT_ID: "bench",
  OIDC_CLIENT_SECRET: "bench",
  WHARF_METRICS_TOKEN: randomBytes(24).toString("base64url"),
};
children.push(spawn(process.execPath, nextStartArgs(port), { cwd: projectRoot, env, stdio: "inherit" }));
children.push(spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts/worker.ts")], { cwd: projectRoot, env, stdio: "inherit" }));
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
const cookie = `next-auth.session-token=${await encode({ token: { sub: user.id, email: user.email, name: user.name, ...newSessionClaims(user) }, secret })}`;

interface SseEvent {
  event: string;
  data: string;
}

/** Reads a server-sent event stream, handing each event to `on` with the time it arrived; resolves when the stream ends. */
async function readSse(url: string, on: (e: SseEvent, at: number) => boolean | void, signal: AbortSignal) {
  const res = await fetch(url, { headers: { cookie, accept: "text/event-stream" }, signal });
  if (res.status !== 200 || !res.body) throw new Error(`${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const at = Date.now();
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const lines = buffer.slice(0, end).split("\n");
        buffer = buffer.slice(end + 2);
        const field = (n: string) => lines.find((l) => l.startsWith(`${n}: `))?.slice(n.length + 2) ?? "";
        if (!field("event")) continue;
        if (on({ event: field("event"), data: field("data") }, at) === true) return void reader.cancel().catch(() => {});
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

interface StateStep {
  id: string;
  name: string;
  status: string;
}
interface State {
  status: string;
  tasks: { name: string; podName?: string; steps: StateStep[] }[];
}

const core = (await connectCluster(build.id)).kc.makeApiClient(CoreV1Api);
const samples: { label: string; ms: number }[] = [];
const ctx = { actor: (await loadActor(user.id))!, requestId: "bench" };

for (let r = 0; r < RUNS; r++) {
  const { id } = await startRun(ctx, { projectSlug: "bench-ci", service: "api", branch: "develop", params: { "commit-message": `Bench run ${r + 1}` } });
  const abort = new AbortController();
  const firstArrival = new Map<string, number>();
  const following = new Map<string, Promise<void>>();
  // The page's own stream: state, and for each step that starts, its log stream (as the page opens the running step).
  await readSse(
    `${base}/api/ci/runs/${id}/stream`,
    (e) => {
      if (e.event === "end") return true;
      if (e.event !== "state") return;
      const state = JSON.parse(e.data) as State;
      for (const t of state.tasks)
        for (const s of t.steps) {
          if (s.status === "waiting" || s.status === "skipped" || following.has(s.id)) continue;
          following.set(
            s.id,
            readSse(
              `${base}/api/ci/runs/${id}/stream?step=${s.id}`,
              (le, at) => {
                if (le.event === "log") {
                  if (!firstArrival.has(s.id)) firstArrival.set(s.id, at);
                  return true;
                }
                return le.event === "end";
              },
              abort.signal,
            ),
          );
        }
    },
    abort.signal,
  );
  await Promise.race([Promise.all(following.values()), new Promise((res) => setTimeout(res, 5_000))]);
  abort.abort();
  const run = await db().ciRun.findUniqueOrThrow({ where: { id }, include: { tasks: { include: { steps: true } } } });
  for (const t of run.tasks)
    for (const s of t.steps) {
      const arrived = firstArrival.get(s.id);
      if (!arrived || !t.podName) continue;
      const text = await core.readNamespacedPodLog({
        name: t.podName,
        namespace: run.namespace,
        container: `step-${s.name}`,
        timestamps: true,
        limitBytes: 4096,
      });
      const ts = /^(\S+) /.exec(String(text))?.[1];
      const printed = ts ? Date.parse(ts) : NaN;
      if (Number.isFinite(printed)) samples.push({ label: `${t.name}/${s.name}`, ms: arrived - printed });
    }
  say(`run ${r + 1}/${RUNS} ${run.status}: ${samples.length} steps measured so far`);
}

const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? NaN;
console.log(`\nCI step logs: from a step's first line on the build cluster to that line at a run page's stream client (${ms.length} steps of ${RUNS} runs):`);
console.log(`  p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${ms.at(-1)} ms  (target < 1000 ms)`);
const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, 3);
console.log(`  slowest: ${slowest.map((s) => `${s.label} ${s.ms} ms`).join(", ")}`);

await Promise.all(children.map((c) => new Promise((res) => (c.exitCode !== null ? res(null) : (c.once("exit", res), c.kill("SIGTERM"))))));
await disconnectDb();
await sandbox.stop();
await pg.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(0);
