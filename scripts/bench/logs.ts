/**
 * `npm run bench:logs`: the log center under load, over HTTP from the built
 * app (`next start`) with two in-process sandbox clusters.
 *
 * One service, `bench-logs/api`, runs 10 pods on each cluster (a Deployment
 * per cluster in the project's dev namespace with Wharf's labels, a Node
 * image: pino JSON lines) at `sandbox.wharf.dev/rps: "50"`: about 1,000
 * lines a second in all. BENCH_VIEWERS (default 100) viewers hold
 * `/api/logs/stream?service=<id>&env=dev` (SSE, lib/logs/protocol.ts) at once,
 * signed in as the project's developer. Prints:
 * - upstream streams open, from `/api/metrics` (`wharf_log_upstream_streams`
 *   per cluster; target 20, one per pod, not 2,000);
 * - first line after opening, p50 / p95: the 100 opening at the same moment, and
 *   BENCH_JOINERS (default 10) more opening one after another while they watch
 *   (target under 1 s);
 * - end-to-end lag of live lines, from the line's own timestamp (when the
 *   sandbox wrote it) to a viewer receiving it, p50 / p95 / max (target p95
 *   under 1 s), measured on BENCH_MEASURED viewers (default 10; the others
 *   only count lines, so the bench process itself does not fall behind);
 * - lines a second received by all viewers, lines dropped (slow viewers);
 * - the web process's (`next start` and its children) RSS and CPU over
 *   BENCH_SECONDS (default 30).
 *   BENCH_SKIP_BUILD=1 reuses .next
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { encode } from "next-auth/jwt";
import { newSessionClaims } from "../../lib/access/session-claims";
import type { LogLine } from "../../lib/logs/protocol";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { projectRoot } from "../lib/local-env";
import { buildApp, nextStartArgs } from "../lib/next-app";

const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 100);
const MEASURED = Math.min(VIEWERS, Number(process.env.BENCH_MEASURED ?? 10));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PODS_PER_CLUSTER = 10;
const RPS_PER_POD = 50;
const say = (s: string) => console.log(`[bench:logs] ${s}`);

buildApp(say, "BENCH_SKIP_BUILD");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-logs-"));
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
const sandbox = await startSandbox({
  stateDir: path.join(tmp, "sandbox"),
  kubeconfigPath: path.join(tmp, "kubeconfig"),
  adminPort: -1,
  simulation: { events: false },
});
const { db, disconnectDb } = await import("../../lib/db/client");
const { registerClusters } = await import("../lib/sandbox-clusters");
const { connectCluster } = await import("../../lib/kube/connection");
const { namespaceName } = await import("../../lib/provisioning/manifests");
const { objectLabels, selectorLabels, CONTAINER } = await import("../../lib/deploy/render");

await registerClusters(sandbox.clusters.map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server })));
const clusters = await db().cluster.findMany({ select: { id: true, name: true } });
const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const user = await db().user.create({ data: { email: "dev@bench.wharf", name: "Dev" } });
const project = await db().project.create({
  data: {
    slug: "bench-logs",
    name: "Bench logs",
    teamId: team.id,
    ownerId: user.id,
    lifecycle: "active",
    searchText: "bench-logs",
    language: "node",
    members: { create: { userId: user.id, role: "owner" } },
    services: { create: [{ slug: "api", name: "API" }] },
    environments: { create: [{ kind: "dev", clusters: { create: clusters.map((c) => ({ clusterId: c.id })) } }] },
  },
  include: { services: true },
});
const service = project.services[0]!;

// The service's workload on each cluster, labelled as a release renders it (lib/deploy/render.ts).
const namespace = namespaceName(project.slug, "dev");
const labelCtx = { project, service, environment: "dev" as const };
for (const c of clusters) {
  const kc = (await connectCluster(c.id, 30_000)).kc;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: service.slug, labels: objectLabels(labelCtx), annotations: { "sandbox.wharf.dev/rps": String(RPS_PER_POD) } },
      spec: {
        replicas: PODS_PER_CLUSTER,
        selector: { matchLabels: selectorLabels(labelCtx) },
        template: {
          metadata: { labels: objectLabels(labelCtx) },
          spec: { containers: [{ name: CONTAINER, image: `registry.wharf.local/${project.slug}/api-node:1.0.0` }] },
        },
      },
    },
  });
}
const ready = async () => {
  let n = 0;
  for (const c of clusters) {
    const pods = await (await connectCluster(c.id)).kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
    n += pods.items.filter((p) => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True")).length;
  }
  return n;
};
for (let i = 0; (await ready()) < PODS_PER_CLUSTER * clusters.length; i++) {
  if (i > 120) throw new Error("the bench's pods did not become ready");
  await new Promise((r) => setTimeout(r, 250));
}
say(`${PODS_PER_CLUSTER * clusters.length} pods ready on ${clusters.map((c) => c.name).join(" and ")}, ${RPS_PER_POD} lines/s each`);

const children: ChildProcess[] = [];
// A failure anywhere must not leave `next start` (and the database) running after the bench.
const killChildren = () => children.forEach((c) => c.exitCode === null && c.kill("SIGTERM"));
process.once("exit", killChildren);
process.once("uncaughtException", (e) => {
  console.error(e);
  killChildren();
  process.exit(1);
});
process.once("unhandledRejection", (e) => {
  console.error(e);
  killChildren();
  process.exit(1);
});
const port = await freePort();
const metricsToken = randomBytes(24).toString("base64url");
const env = {
  ...process.env,
  NODE_ENV: "production" as const,
  NEXTAUTH_URL: `http://localhost:${port}`,
  // Production refuses the demo sign-in: an OIDC provider that is never called (sessions are minted below).
  OIDC_ISSUER: "https://id.bench.invalid",
  OIDC_CLIENT_ID: "bench",
  OIDC_CLIENT_SECRET: "bench",
  WHARF_METRICS_TOKEN: metricsToken,
};
const web = spawn(process.execPath, nextStartArgs(port), { cwd: projectRoot, env, stdio: "inherit" });
children.push(web);
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

// ------------------------------------------------------------------ the web process, from /proc

/** The process and its descendants (next start may run its server in a child). */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parents) if (ppid === out[i]) out.push(pid);
  return out;
}
const CLK_TCK = 100;
function usage(root: number): { cpuSeconds: number; rssMiB: number } {
  let cpu = 0;
  let rss = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu += (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
      const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      rss += Number(kb ?? 0) / 1024;
    } catch {
      // gone
    }
  }
  return { cpuSeconds: cpu, rssMiB: rss };
}

// ------------------------------------------------------------------ viewers

interface Viewer {
  openedAt: number;
  firstLineMs?: number;
  status?: number;
  lines: number;
  dropped: number;
  problems: string[];
  lags: number[];
}
let measuring = false;
const viewers: Viewer[] = [];
const abort = new AbortController();

/** One SSE client of the stream route; `measured` viewers parse every line for its lag, the others count lines. */
async function view(v: Viewer, measured: boolean, signal: AbortSignal = abort.signal) {
  const url = `${base}/api/logs/stream?service=${encodeURIComponent(service.id)}&env=dev`;
  const res = await fetch(url, { headers: { cookie, accept: "text/event-stream" }, signal });
  v.status = res.status;
  if (res.status !== 200 || !res.body) {
    v.problems.push(`${res.status}: ${(await res.text()).slice(0, 300)}`);
    return;
  }
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
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(line.startsWith("data: ") ? 6 : 5);
        }
        if (event === "lines") {
          if (v.firstLineMs === undefined) v.firstLineMs = at - v.openedAt;
          if (measured) {
            const { lines } = JSON.parse(data) as { lines: LogLine[] };
            if (measuring) v.lines += lines.length;
            // live lines only: a history line's age is not lag
            if (measuring) for (const l of lines) if (l.ms >= v.openedAt) v.lags.push(at - l.ms);
          } else if (measuring) {
            for (let i = data.indexOf('"ms":'); i >= 0; i = data.indexOf('"ms":', i + 5)) v.lines++;
          }
        } else if (event === "dropped") {
          v.dropped += (JSON.parse(data) as { count: number }).count;
        } else if (event === "problem") {
          v.problems.push((JSON.parse(data) as { message: string }).message);
        }
      }
    }
  } catch (e) {
    if (!abort.signal.aborted) v.problems.push(e instanceof Error ? e.message : String(e));
  }
}

async function upstreamStreams(): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^wharf_log_upstream_streams(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const cluster = /cluster="([^"]*)"/.exec(m[1] ?? "")?.[1] ?? "(all)";
    out[cluster] = (out[cluster] ?? 0) + Number(m[2]);
  }
  return out;
}

say(`opening ${VIEWERS} viewers of ${project.slug}/${service.slug} in dev`);
const running: Promise<void>[] = [];
for (let i = 0; i < VIEWERS; i++) {
  const v: Viewer = { openedAt: Date.now(), lines: 0, dropped: 0, problems: [], lags: [] };
  viewers.push(v);
  running.push(view(v, i < MEASURED));
}
const allFirst = Date.now() + 20_000;
// every viewer has its first line (or was refused), or 20 s have passed
while (viewers.some((v) => v.firstLineMs === undefined && (v.status === undefined || v.status === 200)) && Date.now() < allFirst)
  await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 2000)); // settle: every pod's stream open

const before = usage(web.pid!);
const rss: number[] = [];
measuring = true;
const started = Date.now();
const streams: Record<string, number>[] = [];
while (Date.now() - started < SECONDS * 1000) {
  await new Promise((r) => setTimeout(r, 1000));
  rss.push(usage(web.pid!).rssMiB);
  if (streams.length < 3) streams.push(await upstreamStreams().catch(() => ({})));
}
measuring = false;
const elapsed = (Date.now() - started) / 1000;
const after = usage(web.pid!);
const finalStreams = await upstreamStreams().catch((e: unknown) => ({ error: String(e) }));

// A viewer who opens the service while the others watch (the usual case: the streams are open), one after another.
const JOINERS = Number(process.env.BENCH_JOINERS ?? 10);
const joiners: number[] = [];
for (let i = 0; i < JOINERS; i++) {
  const v: Viewer = { openedAt: Date.now(), lines: 0, dropped: 0, problems: [], lags: [] };
  const own = new AbortController();
  const stop = () => own.abort();
  abort.signal.addEventListener("abort", stop);
  const done = view(v, false, own.signal).catch(() => undefined);
  const until = Date.now() + 10_000;
  while (v.firstLineMs === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  if (v.firstLineMs !== undefined) joiners.push(v.firstLineMs);
  own.abort();
  await done;
}
abort.abort();
await Promise.allSettled(running);

// ------------------------------------------------------------------ figures

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const refused = viewers.filter((v) => v.status !== 200);
const firsts = viewers.flatMap((v) => (v.firstLineMs !== undefined ? [v.firstLineMs] : []));
const lags = viewers.flatMap((v) => v.lags);
const received = viewers.reduce((n, v) => n + v.lines, 0);
const perViewer = viewers.slice(0, MEASURED).reduce((n, v) => n + v.lines, 0) / Math.max(1, MEASURED) / elapsed;
console.log(
  `\nLog center: ${VIEWERS} viewers of one service, ${PODS_PER_CLUSTER * clusters.length} pods on ${clusters.length} clusters, ${RPS_PER_POD} lines/s per pod:`,
);
if (refused.length) console.log(`  REFUSED ${refused.length} viewers: ${[...new Set(refused.flatMap((v) => v.problems))].slice(0, 3).join(" | ")}`);
console.log(
  `  upstream streams open: ${JSON.stringify(finalStreams)} (during: ${streams.map((s) => JSON.stringify(s)).join(", ")}; target 20 in all, not ${VIEWERS * 20})`,
);
console.log(
  `  first line after opening, all ${VIEWERS} at the same moment: p50 ${q(firsts, 0.5)} ms, p95 ${q(firsts, 0.95)} ms (${firsts.length}/${VIEWERS} viewers got one)`,
);
console.log(
  `  first line after opening, one more viewer while the ${VIEWERS} watch (x${joiners.length}): p50 ${q(joiners, 0.5)} ms, p95 ${q(joiners, 0.95)} ms (target < 1000 ms)`,
);
console.log(
  `  end-to-end lag (line timestamp -> viewer), ${lags.length} live lines on ${MEASURED} viewers: p50 ${q(lags, 0.5)} ms, p95 ${q(lags, 0.95)} ms, max ${lags.reduce((m, x) => Math.max(m, x), -Infinity)} ms (target p95 < 1000 ms)`,
);
console.log(
  `  lines received: ${Math.round(received / elapsed)} lines/s by all viewers (${Math.round(perViewer)} lines/s per viewer, written ~${PODS_PER_CLUSTER * clusters.length * RPS_PER_POD})`,
);
console.log(
  `  lines dropped (slow viewers): ${viewers.reduce((n, v) => n + v.dropped, 0)}; problems: ${[...new Set(viewers.flatMap((v) => v.problems))].slice(0, 3).join(" | ") || "none"}`,
);
console.log(
  `  web process over ${elapsed.toFixed(0)} s: CPU ${(((after.cpuSeconds - before.cpuSeconds) / elapsed) * 100).toFixed(0)}% of a core, RSS ${Math.round(q(rss, 0.5))} MiB (max ${Math.round(Math.max(...rss))} MiB)`,
);

await Promise.all(children.map((c) => new Promise((res) => (c.exitCode !== null ? res(null) : (c.once("exit", res), c.kill("SIGTERM"))))));
await disconnectDb();
await sandbox.stop();
await pg.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(0);
