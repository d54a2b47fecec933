/**
 * `npm run bench:dashboards` (first half): a project dashboard of 8 panels
 * (the project's request rate and the 7 panels of an api service) over 2
 * clusters and a 6 h range, read the way the page reads it: the route
 * /projects/<slug>/monitoring/data (its wrapper, authorization, queryProject
 * per panel query, all in parallel) called in-process, 30 loads, p50/p95
 * (target p95 < 800 ms). The Next.js server around the route is not measured
 * (no build: the route is the whole cost of the panels' data).
 *
 * Six hours of data: the sandbox's metrics are functions of time, but a
 * scrape only holds what it saw. The series the panels read (cAdvisor CPU and
 * memory, kube-state-metrics restarts and replicas, the HTTP counter and
 * latency histogram) are written here for the last 6 h at a 30 s interval
 * from a deterministic model like the sandbox's (counters growing at 30 req/s
 * per pod with an hourly swell, 0.5% 5xx, log-normal-ish latencies), as
 * OpenMetrics, backfilled with the real `promtool tsdb create-blocks-from
 * openmetrics`, and served by a real Prometheus 2.42 started on that TSDB.
 *   BENCH_LOADS=30
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { PROMETHEUS_BIN, PROMTOOL_BIN } from "../lib/monitoring-servers";

const LOADS = Number(process.env.BENCH_LOADS ?? 30);
const say = (s: string) => console.log(`[bench] ${s}`);
const SLUG = "bench-dash";
const CLUSTERS = ["bench-east", "bench-west"];
const STEP_S = 30;
const HOURS = 6;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-dashboards-"));
fs.chmodSync(tmp, 0o755);

// 1. Six hours of series, backfilled into a TSDB.
const end = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S - 60;
const start = end - HOURS * 3600;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const lines: string[] = [];
const families = new Map<string, string[]>();
const add = (name: string, labels: Record<string, string>, t: number, v: number) => {
  const l = Object.entries(labels)
    .map(([k, x]) => `${k}="${x}"`)
    .join(",");
  const fam = name.replace(/_bucket$|_total$/, "");
  if (!families.has(fam)) families.set(fam, []);
  families.get(fam)!.push(`${name}{${l}} ${v} ${t}`);
};
for (const cluster of CLUSTERS)
  for (let podIndex = 0; podIndex < 2; podIndex++) {
    const pod = `api-7d9f8c${cluster.length % 10}-p${podIndex}x`;
    const base = { cluster, namespace: `${SLUG}-dev`, pod, container: "app" };
    let requests = 0;
    let errors = 0;
    for (let t = start; t <= end; t += STEP_S) {
      const swell = 1 + 0.3 * Math.sin((2 * Math.PI * t) / 3600);
      const served = 30 * swell * STEP_S;
      requests += served;
      errors += served * 0.005;
      add("http_requests_total", { ...base, method: "GET", code: "200" }, t, Math.floor(requests - errors));
      add("http_requests_total", { ...base, method: "GET", code: "500" }, t, Math.floor(errors));
      for (const le of BUCKETS) add("http_request_duration_seconds_bucket", { ...base, le: String(le) }, t, Math.floor(requests * (1 - Math.exp(-le / 0.08))));
      add("http_request_duration_seconds_bucket", { ...base, le: "+Inf" }, t, Math.floor(requests));
      add("container_cpu_usage_seconds_total", { ...base, cpu: "total" }, t, Number(((t - start) * 0.12 * swell).toFixed(3)));
      add("container_memory_working_set_bytes", base, t, Math.round(200e6 + 20e6 * Math.sin(t / 900)));
      add("kube_pod_container_status_restarts_total", base, t, 0);
    }
  }
for (const cluster of CLUSTERS)
  for (let t = start; t <= end; t += STEP_S) {
    const labels = { cluster, namespace: `${SLUG}-dev`, deployment: "api" };
    add("kube_deployment_spec_replicas", labels, t, 2);
    add("kube_deployment_status_replicas_available", labels, t, 2);
  }
for (const [fam, rows] of families) {
  const type =
    fam.startsWith("kube_deployment") || fam === "container_memory_working_set_bytes"
      ? "gauge"
      : fam === "http_request_duration_seconds"
        ? "histogram"
        : "counter";
  lines.push(`# TYPE ${fam} ${type}`, ...rows);
}
lines.push("# EOF");
const om = path.join(tmp, "data.om");
fs.writeFileSync(om, lines.join("\n") + "\n");
const tsdb = path.join(tmp, "tsdb");
say(`backfilling ${families.size} families, ${lines.length} samples over ${HOURS} h with promtool`);
const backfill = spawnSync(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", om, tsdb], { encoding: "utf8" });
if (backfill.status !== 0) throw new Error(`promtool: ${backfill.stderr || backfill.stdout}`);

// 2. A real Prometheus on that TSDB (no scrape jobs: the data is what was backfilled).
const promPort = await freePort();
fs.writeFileSync(path.join(tmp, "prometheus.yml"), "global:\n  scrape_interval: 1m\nscrape_configs: []\n");
const prometheus = spawn(
  PROMETHEUS_BIN,
  [
    `--config.file=${path.join(tmp, "prometheus.yml")}`,
    `--storage.tsdb.path=${tsdb}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    "--storage.tsdb.retention.time=2d",
  ],
  { stdio: ["ignore", "ignore", "pipe"] },
);
await new Promise<void>((resolve, reject) => {
  let log = "";
  prometheus.stderr.on("data", (d: Buffer) => {
    log += d.toString();
    if (log.includes("Server is ready to receive web requests")) resolve();
  });
  prometheus.on("exit", (code) => reject(new Error(`prometheus exited ${code}: ${log.slice(-2000)}`)));
});

// 3. Postgres with the project, its dashboard and a member.
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false });
await pg.createDatabase("bench");
Object.assign(process.env, {
  DATABASE_URL: pg.url("bench"),
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
  WHARF_PROMETHEUS_URL: `http://127.0.0.1:${promPort}`,
  LOG_LEVEL: "error",
});
const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(process.env.DATABASE_URL!);
const { db, disconnectDb } = await import("../../lib/db/client");
const { loadActor } = await import("../../lib/access/actor");
const { createGeneratedDashboard } = await import("../../lib/monitoring/dashboards");
const { panelsOf, ZDashboardBody } = await import("../../lib/monitoring/dashboards-model");
const { GET } = await import("../../app/(app)/projects/[slug]/monitoring/data/route");
const { NextRequest } = await import("next/server");

const clusters = await Promise.all(
  CLUSTERS.map((name) =>
    db().cluster.create({ data: { name, region: "local", apiUrl: `https://${name}.invalid:6443`, kubeconfigEncrypted: "unused", context: name } }),
  ),
);
const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const user = await db().user.create({ data: { email: "dev@bench.wharf", name: "Dev" } });
const project = await db().project.create({
  data: {
    slug: SLUG,
    name: "Bench Dash",
    teamId: team.id,
    ownerId: user.id,
    lifecycle: "active",
    searchText: SLUG,
    members: { create: { userId: user.id, role: "owner" } },
    environments: { create: [{ kind: "dev", clusters: { create: clusters.map((c) => ({ clusterId: c.id })) } }] },
    services: { create: [{ slug: "api", name: "API", kind: "api" }] },
  },
});
const actor = (await loadActor(user.id))!;
await createGeneratedDashboard({ actor, requestId: "bench" }, { projectId: project.id });
const version = await db().dashboardVersion.findFirstOrThrow({ where: { dashboard: { projectId: project.id } } });
const panels = panelsOf(ZDashboardBody.parse(version.body)).length;
say(`dashboard of ${panels} panels over ${CLUSTERS.length} clusters, range 6h`);

const route = GET.withActor(async () => actor);
const load = async () => {
  const t0 = performance.now();
  const res = await route(new NextRequest(`http://bench.local/projects/${SLUG}/monitoring/data?env=dev&range=6h`), { params: Promise.resolve({ slug: SLUG }) });
  const body = (await res.json()) as { panels: { id: string; empty: boolean; failures: unknown[]; series: { cluster: string; points: unknown[] }[] }[] };
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  return { ms, body };
};
const first = await load();
for (const p of first.body.panels) {
  const clustersWithData = new Set(p.series.filter((s) => s.points.length > 100).map((s) => s.cluster));
  if (p.empty || p.failures.length || clustersWithData.size !== 2)
    throw new Error(`panel ${p.id} has no 6 h of data from both clusters: ${JSON.stringify(p).slice(0, 400)}`);
}
say(`every panel has 6 h of points from both clusters (${first.body.panels[0]!.series[0]!.points.length} points per series)`);
const times: number[] = [];
for (let i = 0; i < LOADS; i++) times.push((await load()).ms);
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
say(
  `dashboard data, ${panels} panels x ${CLUSTERS.length} clusters x 6 h, ${LOADS} loads: p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms (target p95 < 800 ms)`,
);

await disconnectDb();
await pg.stop();
prometheus.kill("SIGTERM");
fs.rmSync(tmp, { recursive: true, force: true });
if (pct(95) >= 800) process.exitCode = 1;
