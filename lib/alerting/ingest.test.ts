/**
 * Alertmanager's webhook into alert history and incidents, through the real
 * route handler and a real database: the credential, malformed and oversized
 * bodies, replays, firing and resolution kept per episode, alerts of one
 * service and cause across clusters as one incident that resolves and
 * re-opens, the release that caused it, platform alerts, min occurrences.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { db } from "@/lib/db/client";
import { makeProject, makeUser } from "@/test/factories";
import { POST } from "@/app/api/alerts/webhook/route";
import { alertWebhookToken } from "./token";
import { minOccurrencesOf } from "./incidents";
import { generateRules, ZRuleSettings } from "@/lib/monitoring/rules";

const uid = () => randomBytes(3).toString("hex");
const MIN = 60_000;

interface TestAlert {
  status?: "firing" | "resolved";
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: Date;
  endsAt?: Date;
  fingerprint: string;
}

function payload(alerts: TestAlert[], extra: Record<string, unknown> = {}) {
  const status = alerts.some((a) => (a.status ?? "firing") === "firing") ? "firing" : "resolved";
  return {
    version: "4",
    groupKey: `{}:{alertname="${alerts[0]?.labels.alertname ?? "x"}"}`,
    truncatedAlerts: 0,
    status,
    receiver: "wharf",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.test",
    alerts: alerts.map((a) => ({
      status: a.status ?? "firing",
      labels: a.labels,
      annotations: a.annotations ?? { summary: "Too many errors" },
      startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt ? a.endsAt.toISOString() : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.test/graph",
      fingerprint: a.fingerprint,
    })),
    ...extra,
  };
}

async function post(body: unknown, opts: { token?: string | null; raw?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = opts.token === undefined ? alertWebhookToken() : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const req = new NextRequest(new URL("/api/alerts/webhook", "http://wharf.test"), {
    method: "POST",
    headers,
    body: opts.raw ?? JSON.stringify(body),
  });
  const res = await POST(req, { params: Promise.resolve({}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let owner: { id: string };
beforeAll(async () => {
  owner = await makeUser("developer");
});

async function shop() {
  const slug = `shop-${uid()}`;
  const project = await makeProject({ owner, slug, lifecycle: "active" });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API", kind: "api" } });
  return { project, service, slug };
}

const labels = (project: string, cluster: string, extra: Record<string, string> = {}) => ({
  alertname: "HighErrorRate",
  project,
  service: "api",
  environment: "dev",
  severity: "critical",
  team: "payments",
  cluster,
  ...extra,
});

describe("the webhook's door", () => {
  it("answers 401 to a call without the token, or with a wrong one, and stores nothing", async () => {
    const body = payload([{ labels: labels("nobody", "east"), startsAt: new Date(), fingerprint: `fp-${uid()}` }]);
    const none = await post(body, { token: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: "UNAUTHENTICATED" });
    const wrong = await post(body, { token: "not-the-token-at-all-not-the-token" });
    expect(wrong.status).toBe(401);
    expect(await db().alertDelivery.count()).toBe(0);
    expect(await db().alert.count({ where: { projectSlug: "nobody" } })).toBe(0);
  });

  it("answers 400 saying which field is wrong to a payload that is not Alertmanager's, and stores nothing", async () => {
    const v3 = await post({ ...payload([{ labels: labels("bad", "east"), startsAt: new Date(), fingerprint: "f" }]), version: "3" });
    expect(v3.status).toBe(400);
    expect(v3.body.message).toMatch(/version must be "4"/);
    const noFingerprint = payload([{ labels: labels("bad", "east"), startsAt: new Date(), fingerprint: "f" }]);
    delete (noFingerprint.alerts[0] as Partial<(typeof noFingerprint.alerts)[0]>).fingerprint;
    const missing = await post(noFingerprint);
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { "alerts.0.fingerprint": [expect.stringMatching(/required/)] } });
    const notJson = await post(null, { raw: "{alerts: oops" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/not JSON/);
    expect(await db().alert.count({ where: { projectSlug: "bad" } })).toBe(0);
  });

  it("answers 413 to a body over 1 MiB", async () => {
    const big = payload([{ labels: labels("big", "east"), annotations: { description: "x".repeat(1024 * 1024) }, startsAt: new Date(), fingerprint: "big" }]);
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/larger than 1048576 bytes/);
    expect(await db().alert.count({ where: { projectSlug: "big" } })).toBe(0);
  });
});

describe("alert history", () => {
  it("keeps an alert's firing and its resolution with labels, annotations and fingerprint; a replayed call is 'already received'", async () => {
    const { slug, project } = await shop();
    const startsAt = new Date(Date.now() - 5 * MIN);
    const fp = `fp-${uid()}`;
    const firing = payload([{ labels: labels(slug, "east"), startsAt, fingerprint: fp }]);
    const first = await post(firing);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "stored", alerts: 1 });
    const replay = await post(firing);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ status: "already received", deliveryId: first.body.deliveryId });
    const endsAt = new Date(Date.now() - MIN);
    await post(payload([{ status: "resolved", labels: labels(slug, "east"), startsAt, endsAt, fingerprint: fp }]));

    const alerts = await db().alert.findMany({ where: { fingerprint: fp }, include: { events: { orderBy: { at: "asc" } } } });
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert).toMatchObject({
      status: "resolved",
      alertname: "HighErrorRate",
      projectId: project.id,
      projectSlug: slug,
      serviceSlug: "api",
      environment: "dev",
      cluster: "east",
      severity: "critical",
      teamSlug: "payments",
      annotations: { summary: "Too many errors" },
    });
    expect(alert!.startsAt.toISOString()).toBe(startsAt.toISOString());
    expect(alert!.endsAt!.toISOString()).toBe(endsAt.toISOString());
    expect(alert!.events.map((e) => [e.status, e.source])).toEqual([
      ["firing", "webhook"],
      ["resolved", "webhook"],
    ]);
    expect(await db().alertDelivery.count({ where: { receiver: "wharf", groupKey: firing.groupKey } })).toBe(2);
  });

  it("keeps an alert that fires again with a new start as a new episode beside the first", async () => {
    const { slug } = await shop();
    const fp = `fp-${uid()}`;
    const t0 = new Date(Date.now() - 60 * MIN);
    await post(payload([{ labels: labels(slug, "east"), startsAt: t0, fingerprint: fp }]));
    await post(payload([{ status: "resolved", labels: labels(slug, "east"), startsAt: t0, endsAt: new Date(t0.getTime() + 5 * MIN), fingerprint: fp }]));
    const t1 = new Date(Date.now() - 2 * MIN);
    await post(payload([{ labels: labels(slug, "east"), startsAt: t1, fingerprint: fp }]));
    const episodes = await db().alert.findMany({ where: { fingerprint: fp }, orderBy: { startsAt: "asc" } });
    expect(episodes.map((a) => a.status)).toEqual(["resolved", "firing"]);
  });

  it("stores an alert once when two Alertmanagers of a pair send it at the same moment, both answered 200", async () => {
    const { slug, project } = await shop();
    const alert = { labels: labels(slug, "east"), startsAt: new Date(Date.now() - MIN), fingerprint: `ha-${uid()}` };
    const [a, b] = await Promise.all([post(payload([alert], { receiver: "wharf-a" })), post(payload([alert], { receiver: "wharf-b" }))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await db().alert.count({ where: { fingerprint: alert.fingerprint } })).toBe(1);
    expect(await db().incident.count({ where: { projectId: project.id } })).toBe(1);
  });

  it("keeps a platform alert that names no project", async () => {
    const fp = `fp-${uid()}`;
    const res = await post(
      payload([{ labels: { alertname: "WharfClusterDown", cluster: "far-west", severity: "critical" }, startsAt: new Date(), fingerprint: fp }]),
    );
    expect(res.status).toBe(200);
    const alert = await db().alert.findFirstOrThrow({ where: { fingerprint: fp }, include: { incident: true } });
    expect(alert).toMatchObject({ projectId: null, projectSlug: "", cluster: "far-west" });
    expect(alert.incident).toMatchObject({ title: "WharfClusterDown on cluster far-west", projectId: null, status: "open" });
  });
});

describe("incidents", () => {
  it("makes one incident of one service's alert on two clusters, resolves it when both resolve, and re-opens it when one fires again soon", async () => {
    const { slug, project } = await shop();
    const startsAt = new Date(Date.now() - 3 * MIN);
    const east = { labels: labels(slug, "east"), startsAt, fingerprint: `e-${uid()}` };
    const west = { labels: labels(slug, "west"), startsAt, fingerprint: `w-${uid()}` };
    await post(payload([east]));
    await post(payload([west, east]));
    const incidents = await db().incident.findMany({ where: { projectId: project.id }, include: { alerts: true } });
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident).toMatchObject({
      key: `${slug}/api/dev/HighErrorRate`,
      status: "open",
      severity: "critical",
      occurrences: 2,
      serviceSlug: "api",
      environment: "dev",
    });
    expect(incident!.teamId).toBe(project.teamId);
    expect(incident!.alerts.map((a) => a.cluster).sort()).toEqual(["east", "west"]);

    await post(payload([{ ...east, status: "resolved", endsAt: new Date() }]));
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident!.id } })).status).toBe("open");
    await post(payload([{ ...west, status: "resolved", endsAt: new Date() }]));
    const resolved = await db().incident.findUniqueOrThrow({ where: { id: incident!.id } });
    expect(resolved.status).toBe("resolved");
    expect(resolved.resolvedAt).not.toBeNull();
    expect(resolved.resolvedById).toBeNull();

    await post(payload([{ ...east, startsAt: new Date(), fingerprint: east.fingerprint }]));
    expect(await db().incident.count({ where: { projectId: project.id } })).toBe(1);
    const reopened = await db().incident.findUniqueOrThrow({ where: { id: incident!.id }, include: { events: { orderBy: { at: "asc" } } } });
    expect(reopened.status).toBe("open");
    expect(reopened.resolvedAt).toBeNull();
    const kinds = reopened.events.map((e) => e.kind);
    expect(kinds.filter((k) => k === "alert_firing")).toHaveLength(3);
    expect(kinds.filter((k) => k === "alert_resolved")).toHaveLength(2);
    expect(kinds).toContain("resolved");
    expect(kinds.at(-1)).toBe("reopened");

    const audit = await db().auditEvent.findMany({ where: { targetType: "incident", targetId: incident!.id }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.actorLabel])).toEqual([
      ["incident.open", "system"],
      ["incident.resolve", "system"],
      ["incident.reopen", "system"],
    ]);
    // Each change queued the incident's chat update (one job per incident at a time).
    const jobs = await db().$queryRaw<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where key = ${`incident-chat:${incident!.id}`}`;
    expect(jobs[0]!.n).toBe(1);
  });

  it("opens a new incident when the alert fires again long after the last one resolved", async () => {
    const { slug, project } = await shop();
    const fp = `fp-${uid()}`;
    const t0 = new Date(Date.now() - 120 * MIN);
    await post(payload([{ labels: labels(slug, "east"), startsAt: t0, fingerprint: fp }]));
    await post(payload([{ status: "resolved", labels: labels(slug, "east"), startsAt: t0, endsAt: new Date(t0.getTime() + MIN), fingerprint: fp }]));
    await db().incident.updateMany({ where: { projectId: project.id }, data: { resolvedAt: new Date(Date.now() - 60 * MIN) } });
    await post(payload([{ labels: labels(slug, "east"), startsAt: new Date(), fingerprint: fp }]));
    const incidents = await db().incident.findMany({ where: { projectId: project.id }, orderBy: { number: "asc" } });
    expect(incidents.map((i) => i.status)).toEqual(["resolved", "open"]);
  });

  it("keeps an incident pending until its rule's wharf_min_occurrences is reached, then opens it", async () => {
    const { slug, project } = await shop();
    const now = Date.now();
    const rule = (n: number) => ({
      labels: labels(slug, "east", { alertname: "Flapping", wharf_min_occurrences: "3" }),
      startsAt: new Date(now - (10 - n) * MIN),
      fingerprint: `flap-${slug}`,
    });
    for (const n of [1, 2]) {
      await post(payload([rule(n)]));
      await post(payload([{ ...rule(n), status: "resolved", endsAt: new Date(now - (9.5 - n) * MIN) }]));
      const i = await db().incident.findFirstOrThrow({ where: { projectId: project.id } });
      expect(i).toMatchObject({ status: "pending", occurrences: n, minOccurrences: 3 });
    }
    await post(payload([rule(3)]));
    const opened = await db().incident.findFirstOrThrow({ where: { projectId: project.id }, include: { events: true } });
    expect(opened).toMatchObject({ status: "open", occurrences: 3 });
    expect(opened.events.map((e) => e.text)).toContain("Flapping fired on east (critical): occurrence 3 of 3, the incident opens");
    expect(await db().incident.count({ where: { projectId: project.id } })).toBe(1);
  });
});

describe("a rule's minimum occurrences", () => {
  it("is carried by a project's extra rule as the label wharf_min_occurrences, which the incident reads", () => {
    const settings = ZRuleSettings.parse({
      extra: [
        { id: "flap", alert: "Flapping", expr: "up == 0", minOccurrences: 3 },
        { id: "once", alert: "Once", expr: "up == 0" },
      ],
    });
    const rules = generateRules({ slug: "shop", team: "payments", environments: ["dev"], services: [] }, settings);
    const flap = rules.find((r) => r.alert === "Flapping")!;
    expect(flap.labels.wharf_min_occurrences).toBe("3");
    expect(minOccurrencesOf(flap.labels, flap.annotations)).toBe(3);
    const once = rules.find((r) => r.alert === "Once")!;
    expect(once.labels).not.toHaveProperty("wharf_min_occurrences");
    expect(minOccurrencesOf(once.labels, once.annotations)).toBe(1);
  });
});

describe("the release that caused an incident", () => {
  async function release(
    serviceId: string,
    number: number,
    startedAt: Date,
    opts: { status?: "succeeded" | "rolled_back"; finishedAt?: Date; environment?: "dev" | "prod" } = {},
  ) {
    return db().release.create({
      data: {
        serviceId,
        environment: opts.environment ?? "dev",
        number,
        specVersion: 1,
        image: `registry.example.com/shop/api:v${number}`,
        tag: `v${number}`,
        status: opts.status ?? "succeeded",
        spec: {},
        manifests: [],
        createdAt: startedAt,
        startedAt,
        finishedAt: opts.finishedAt ?? new Date(startedAt.getTime() + MIN),
      },
    });
  }

  it("links the release of that service and environment that started shortly before the alert, with a timeline line naming it", async () => {
    const { slug, service, project } = await shop();
    const now = Date.now();
    await release(service.id, 1, new Date(now - 3 * 60 * MIN));
    const v2 = await release(service.id, 2, new Date(now - 10 * MIN));
    // A prod release of the same service at the same time is not the dev alert's cause.
    await release(service.id, 1, new Date(now - 5 * MIN), { environment: "prod" });
    await post(payload([{ labels: labels(slug, "east"), startsAt: new Date(now - 2 * MIN), fingerprint: `fp-${uid()}` }]));
    const incident = await db().incident.findFirstOrThrow({ where: { projectId: project.id }, include: { events: true } });
    expect(incident.releaseId).toBe(v2.id);
    const linked = incident.events.find((e) => e.kind === "release_linked");
    expect(linked?.text).toBe(`Release #2 (registry.example.com/shop/api:v2) of api in dev started 8 min before the alert fired`);
    expect(linked?.data).toMatchObject({ releaseId: v2.id, number: 2, tag: "v2" });
  });

  it("links no release when the last one started before the window, or was rolled back before the alert", async () => {
    const old = await shop();
    const now = Date.now();
    await release(old.service.id, 1, new Date(now - 45 * MIN));
    await post(payload([{ labels: labels(old.slug, "east"), startsAt: new Date(now - MIN), fingerprint: `fp-${uid()}` }]));
    expect((await db().incident.findFirstOrThrow({ where: { projectId: old.project.id } })).releaseId).toBeNull();

    const back = await shop();
    await release(back.service.id, 1, new Date(now - 10 * MIN), { status: "rolled_back", finishedAt: new Date(now - 5 * MIN) });
    await post(payload([{ labels: labels(back.slug, "east"), startsAt: new Date(now - MIN), fingerprint: `fp-${uid()}` }]));
    const incident = await db().incident.findFirstOrThrow({ where: { projectId: back.project.id }, include: { events: true } });
    expect(incident.releaseId).toBeNull();
    expect(incident.events.map((e) => e.kind)).not.toContain("release_linked");
  });
});
