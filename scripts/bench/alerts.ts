/**
 * `npm run bench:alerts`: a storm of 1,000 alerts (10 services x 2 clusters x
 * 50 pods) posted to the real Alertmanager (Debian's, 0.25), routed to Wharf's
 * webhook, and what came of it:
 *   - messages sent to the local chat receiver (target at most 10) and the
 *     incidents opened (one per service: 10);
 *   - time from the storm to the first message (target under group_wait + 5 s)
 *     and to the first incident;
 *   - webhook ingest p95 per batch (one Alertmanager notification);
 *   - incident page p95: the reads an incident's page makes (the incident with
 *     its alerts, timeline and release) and the open-incidents list.
 *
 * Wharf's webhook here is the route handler itself (app/api/alerts/webhook/
 * route.ts, the same code `next start` runs) behind a small node:http server,
 * with a real Postgres (embedded). Alertmanager's configuration is the one
 * Wharf generates (lib/alerting/routing.ts, the bench's team and project,
 * group_wait BENCH_GROUP_WAIT_S, default 5 s). A real worker (schedule off)
 * runs the chat convergence (lib/alerting/chat.ts) against the team's webhook,
 * a local receiver that counts the messages.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { freePort, startEmbeddedPostgres } from "../lib/postgres";
import { ALERTMANAGER_BIN } from "../lib/monitoring-servers";

const GROUP_WAIT_S = Number(process.env.BENCH_GROUP_WAIT_S ?? 5);
const SERVICES = 10;
const CLUSTERS = ["bench-east", "bench-west"];
const PODS = 50;
const say = (s: string) => console.log(`[bench] ${s}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-alerts-"));
fs.chmodSync(tmp, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), persistent: false });
await pg.createDatabase("bench");
Object.assign(process.env, {
  DATABASE_URL: pg.url("bench"),
  WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
  LOG_LEVEL: "error",
});
const { applyMigrations } = await import("../../lib/db/schema-engine");
await applyMigrations(process.env.DATABASE_URL!);
const { db, disconnectDb } = await import("../../lib/db/client");
const { alertWebhookToken } = await import("../../lib/alerting/token");
const { NextRequest } = await import("next/server");
const { POST } = await import("../../app/api/alerts/webhook/route");
const { alertmanagerConfigText, defaultTimings } = await import("../../lib/alerting/routing");
const { startWorker } = await import("../../lib/jobs/worker");

const team = await db().team.create({ data: { slug: "bench", name: "Bench" } });
const user = await db().user.create({ data: { email: "dev@bench.wharf", name: "Dev" } });
const project = await db().project.create({
  data: { slug: "bench-shop", name: "Bench Shop", teamId: team.id, ownerId: user.id, lifecycle: "active", searchText: "bench-shop" },
});
for (let i = 0; i < SERVICES; i++) await db().service.create({ data: { projectId: project.id, slug: `svc-${i}`, name: `Service ${i}`, kind: "api" } });

// The local chat receiver: counts what reaches it.
const chat: number[] = [];
const chatServer = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    chat.push(performance.now());
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
});
const chatPort = await freePort();
await new Promise<void>((r) => chatServer.listen(chatPort, "127.0.0.1", r));
// The team's chat webhook is the receiver; a real worker sends (the incident_chat_sync jobs the ingest queues).
await db().team.update({ where: { id: team.id }, data: { webhookUrl: `http://127.0.0.1:${chatPort}/hook`, webhookKind: "slack" } });
const worker = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 4, schedule: false, pollInterval: 100 });

// Wharf's webhook: the route handler, fed by node:http.
const ingest: { ms: number; alerts: number; status: number; at: number }[] = [];
const webhook = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const t = performance.now();
    void POST(new NextRequest(new URL(req.url ?? "/", "http://127.0.0.1"), { method: "POST", headers, body }), { params: Promise.resolve({}) })
      .then(async (answer) => {
        const text = await answer.text();
        let alerts = 0;
        try {
          alerts = (JSON.parse(text) as { alerts?: number }).alerts ?? 0;
        } catch {
          /* an error body */
        }
        ingest.push({ ms: performance.now() - t, alerts, status: answer.status, at: t });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
      })
      .catch((e: unknown) => {
        console.error(e);
        res.writeHead(500).end();
      });
  });
});
const webhookPort = await freePort();
await new Promise<void>((r) => webhook.listen(webhookPort, "127.0.0.1", r));

// Alertmanager with the configuration Wharf generates for the bench's team and project.
const amPort = await freePort();
const amUrl = `http://127.0.0.1:${amPort}`;
fs.writeFileSync(
  path.join(tmp, "alertmanager.yml"),
  alertmanagerConfigText({
    teams: [{ slug: "bench", projects: [{ slug: "bench-shop", windows: [] }] }],
    webhookUrl: `http://127.0.0.1:${webhookPort}/api/alerts/webhook`,
    webhookToken: alertWebhookToken(),
    timings: defaultTimings({ production: false, groupWait: `${GROUP_WAIT_S}s` }),
  }),
);
const am = spawn(
  ALERTMANAGER_BIN,
  [
    `--config.file=${path.join(tmp, "alertmanager.yml")}`,
    `--storage.path=${path.join(tmp, "am")}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    "--cluster.listen-address=",
    "--log.level=warn",
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
const stopAm = () => {
  if (am.exitCode === null) am.kill("SIGTERM");
};
process.on("exit", stopAm);
for (let i = 0; ; i++) {
  const ok = await fetch(`${amUrl}/-/ready`)
    .then((r) => r.ok)
    .catch(() => false);
  if (ok) break;
  if (i > 100) throw new Error(`Alertmanager did not start (${ALERTMANAGER_BIN}); apt-get install prometheus-alertmanager`);
  await new Promise((r) => setTimeout(r, 100));
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]! : NaN;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

try {
  say(`Alertmanager at ${amUrl}, Wharf's webhook at :${webhookPort} (the route handler), chat receiver at :${chatPort}`);
  const startsAt = new Date().toISOString();
  const alerts: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; generatorURL: string }[] = [];
  for (let s = 0; s < SERVICES; s++)
    for (const cluster of CLUSTERS)
      for (let p = 0; p < PODS; p++)
        alerts.push({
          labels: {
            alertname: "WharfHighErrorRatio",
            project: "bench-shop",
            service: `svc-${s}`,
            environment: "dev",
            severity: "critical",
            team: "bench",
            cluster,
            pod: `svc-${s}-${p}`,
          },
          annotations: { summary: `svc-${s} answers 5xx to 40% of requests` },
          startsAt,
          generatorURL: "http://prometheus.bench/graph",
        });
  const t0 = performance.now();
  for (let i = 0; i < alerts.length; i += 100) {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alerts.slice(i, i + 100)),
    });
    if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
  }
  say(`machine load average (1 min): ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
  say(`posted ${alerts.length} alerts (${SERVICES} services x ${CLUSTERS.length} clusters x ${PODS} pods) in ${ms(performance.now() - t0)}`);

  const deadline = Date.now() + (GROUP_WAIT_S + 60) * 1000;
  let stored = 0;
  while (Date.now() < deadline) {
    stored = await db().alert.count();
    if (stored >= alerts.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // The chat jobs (1 s delay, one per incident) run; then a few seconds more: a late notification or message would show.
  while (Date.now() < deadline) {
    const [{ n }] = await db().$queryRaw<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where key like 'incident-chat:%'`;
    if (n === 0 && chat.length > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 3_000));

  const incidents = await db().incident.findMany({ select: { id: true, createdAt: true, _count: { select: { alerts: true } } } });
  const chatJobs = await db().$queryRaw<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where key like 'incident-chat:%'`;
  const chatSent = await db().incidentChatMessage.count({ where: { sentCount: { gt: 0 } } });
  const firstIncident = Math.min(...incidents.map((i) => i.createdAt.getTime()));
  const firstWebhook = ingest.length ? Math.min(...ingest.map((x) => x.at)) - t0 : NaN;
  const groupWaitTarget = GROUP_WAIT_S * 1000 + 5_000;

  // The incident page's reads: the incident with its alerts, timeline and release; the list of open incidents.
  const pageTimes: number[] = [];
  for (let i = 0; i < 40; i++) {
    const id = incidents[i % incidents.length]!.id;
    const t = performance.now();
    await Promise.all([
      db().incident.findUnique({
        where: { id },
        include: {
          alerts: { orderBy: { startsAt: "desc" }, take: 200 },
          events: { orderBy: { at: "asc" }, take: 500 },
          release: { select: { id: true, number: true, image: true, tag: true } },
          project: { select: { slug: true, name: true } },
          team: { select: { slug: true, name: true } },
        },
      }),
      db().incident.findMany({
        where: { status: { in: ["open", "acknowledged"] } },
        orderBy: { openedAt: "desc" },
        take: 50,
        include: { _count: { select: { alerts: { where: { status: "firing" } } } } },
      }),
    ]);
    pageTimes.push(performance.now() - t);
  }

  say(`alerts stored: ${stored} of ${alerts.length}; webhook calls: ${ingest.length} (${ingest.filter((x) => x.status !== 200).length} not 200)`);
  say(`incidents opened: ${incidents.length} (target ${SERVICES}: one per service, ${incidents.map((i) => i._count.alerts).join("/")} alerts each)`);
  say(`messages to chat: ${chat.length} (target <= ${SERVICES}); incidents with a message: ${chatSent}; chat jobs still queued: ${chatJobs[0]!.n}`);
  say(
    `time to first message: ${chat.length ? ms(chat[0]! - t0) : "none arrived"}; to first webhook call: ${ms(firstWebhook)}; to first incident: ${ms(firstIncident - (performance.timeOrigin + t0))} (target < ${ms(groupWaitTarget)})`,
  );
  say(
    `webhook ingest per batch: p95 ${ms(p95(ingest.map((x) => x.ms)))}, min ${ms(Math.min(...ingest.map((x) => x.ms)))}, max ${ms(Math.max(...ingest.map((x) => x.ms)))}, ${ingest.map((x) => x.alerts).join("/")} alerts per batch`,
  );
  // One batch of 100 new alerts alone (no other call at the same time): the ingest's own cost.
  const alone = {
    version: "4",
    groupKey: "bench-alone",
    truncatedAlerts: 0,
    status: "firing",
    receiver: "wharf",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: amUrl,
    alerts: Array.from({ length: 100 }, (_, p) => ({
      status: "firing",
      labels: { ...alerts[0]!.labels, service: "svc-alone", pod: `alone-${p}` },
      annotations: {},
      startsAt,
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "",
      fingerprint: `alone-${p}`,
    })),
  };
  const ta = performance.now();
  const aloneRes = await POST(
    new NextRequest(new URL("/api/alerts/webhook", "http://127.0.0.1"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${alertWebhookToken()}` },
      body: JSON.stringify(alone),
    }),
    { params: Promise.resolve({}) },
  );
  say(`one batch of 100 alerts alone: ${ms(performance.now() - ta)} (${aloneRes.status})`);
  say(`incident page reads: p95 ${ms(p95(pageTimes))} over ${pageTimes.length} (incident with ${PODS * CLUSTERS.length} alerts and timeline + open list)`);
} finally {
  await worker.stop();
  stopAm();
  webhook.close();
  chatServer.close();
  await disconnectDb();
  await pg.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
