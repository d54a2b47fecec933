/**
 * `npm run bench:matrix`: the deployment matrix page of a project with 20
 * services x 4 environments x 2 clusters, over HTTP from the built app, with
 * the per-cluster read cache off (every request reads both clusters).
 *   1. both clusters answering (target < 500 ms);
 *   2. one cluster answering 2 s late (target: the page returns within the
 *      per-cluster timeout, at most 1.5 s, that cluster's cells unreachable).
 *   BENCH_SKIP_BUILD=1 reuses .next; BENCH_REQUESTS=20
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import { newSessionClaims } from "../../lib/access/session-claims";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { projectRoot } from "../lib/local-env";
import { buildApp, nextStartArgs } from "../lib/next-app";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);
const say = (s: string) => console.log(`[bench] ${s}`);

buildApp(say, "BENCH_SKIP_BUILD");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-matrix-"));
fs.chmodSync(tmp, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false });
await pg.createDatabase("bench");
const secret = randomBytes(32).toString("base64");
Object.assign(process.env, {
  DATABASE_URL: pg.url("bench"),
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: secret,
  LOG_LEVEL: "error",
});

const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(process.env.DATABASE_URL!);
const { startSandbox } = await import("../../sandbox/index");
const sandbox = await startSandbox({
  stateDir: path.join(tmp, "sandbox"),
  kubeconfigPath: path.join(tmp, "kubeconfig"),
  adminPort: -1,
  simulation: { podStartDelayMs: [0, 0], timeScale: 0 },
});
const { db, disconnectDb } = await import("../../lib/db/client");
const { registerClusters } = await import("../lib/sandbox-clusters");
const { connectCluster } = await import("../../lib/kube/connection");
const { applyObjects } = await import("../../lib/kube/apply");
const { renderManifests } = await import("../../lib/deploy/render");
const { defaultSpec } = await import("../../lib/deploy/spec");
const { namespace, namespaceName } = await import("../../lib/provisioning/manifests");

await registerClusters(sandbox.clusters.map((c) => ({ name: c.name, region: c.region, kubeconfig: c.kubeconfig, server: c.server })));
const clusters = await db().cluster.findMany({ orderBy: { name: "asc" } });
const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const user = await db().user.create({ data: { email: "dev@bench.wharf", name: "Dev" } });
const envs = ["dev", "test", "staging", "prod"] as const;
const project = await db().project.create({
  data: {
    slug: "bench-shop",
    name: "Bench Shop",
    teamId: team.id,
    ownerId: user.id,
    lifecycle: "active",
    searchText: "bench-shop",
    members: { create: { userId: user.id, role: "owner" } },
    environments: { create: envs.map((kind) => ({ kind, clusters: { create: clusters.map((c) => ({ clusterId: c.id })) } })) },
    services: {
      create: Array.from({ length: 20 }, (_, i) => ({ slug: `svc-${String(i + 1).padStart(2, "0")}`, name: `Service ${i + 1}`, kind: "api" as const })),
    },
  },
  include: { services: true },
});
say(`applying ${project.services.length} services x ${envs.length} environments on ${clusters.length} clusters`);
for (const c of clusters) {
  const conn = await connectCluster(c.id, 30_000);
  for (const env of envs) {
    await applyObjects(conn, [namespace({ project: { slug: project.slug, tier: "standard" }, team: { slug: team.slug }, environment: env })]);
    for (const s of project.services) {
      const spec = { ...defaultSpec(s, project.slug), minAvailable: 0 };
      await applyObjects(
        conn,
        renderManifests(spec, {
          project,
          service: s,
          environment: env,
          namespace: namespaceName(project.slug, env),
          image: `registry.example.com/${s.slug}:v1`,
        }).filter((o) => o.kind === "Deployment"),
      );
    }
  }
}
for (const s of project.services) {
  for (const env of envs) {
    await db().release.create({
      data: {
        serviceId: s.id,
        environment: env,
        number: 1,
        specVersion: 0,
        image: `registry.example.com/${s.slug}:v1`,
        tag: "v1",
        status: "succeeded",
        spec: {},
        manifests: [],
      },
    });
  }
}

const port = await freePort();
const app = spawn(process.execPath, nextStartArgs(port), {
  cwd: projectRoot,
  env: {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXTAUTH_URL: `http://localhost:${port}`,
    // Production refuses the demo sign-in: an OIDC provider that is never called (sessions are minted below).
    OIDC_ISSUER: "https://id.bench.invalid",
    OIDC_CLIENT_ID: "bench",
    OIDC_CLIENT_SECRET: "bench",
    WHARF_METRICS_TOKEN: randomBytes(24).toString("base64url"),
    WHARF_CLUSTER_READ_CACHE_MS: "0",
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
const cookie = `next-auth.session-token=${await encode({ token: { sub: user.id, email: user.email, name: user.name, ...newSessionClaims(user) }, secret })}`;
const url = `${base}/deployments?project=bench-shop`;

async function measure(label: string) {
  const times: number[] = [];
  let body = "";
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    body = await res.text();
    if (res.status !== 200) throw new Error(`${res.status}`);
    if (i >= 3) times.push(performance.now() - t); // the first requests warm the server up
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(0);
  const unreachable = (body.match(/unreachable/g) ?? []).length;
  const cells = (body.match(/data-testid="cell-/g) ?? []).length;
  say(`${label}: p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${times.at(-1)!.toFixed(0)} ms; ${cells} cells rendered, "unreachable" appears ${unreachable} times`);
  return { p50: p(0.5), p95: p(0.95), max: times.at(-1)!.toFixed(0), cells, unreachable };
}

const fast = await measure("both clusters answering");
sandbox.cluster("sandbox-west").setLatency(2000);
const slow = await measure("sandbox-west 2 s late");

console.log(`\nDeployment matrix, 20 services x 4 environments x 2 clusters (${fast.cells} cells), per-cluster read timeout 1.2 s, no read cache:`);
console.log(`  both clusters answering:   p50 ${fast.p50} ms, p95 ${fast.p95} ms  (target < 500 ms)`);
console.log(
  `  one cluster 2 s late:      p50 ${slow.p50} ms, p95 ${slow.p95} ms, max ${slow.max} ms  (target <= 1500 ms; its cells marked unreachable: ${slow.unreachable > 0 ? "yes" : "NO"})`,
);

app.kill("SIGINT");
await new Promise((r) => app.once("exit", r));
await disconnectDb();
await sandbox.stop();
await pg.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(0);
