/**
 * Catch-up after an outage, against the run's real Alertmanager (whose only
 * receiver sends nothing: Wharf's webhook is not reachable from it): alerts
 * posted to it are stored by the poll with source "poll" and grouped into
 * incidents; an alert Alertmanager no longer holds is resolved after the grace.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { testMonitoring } from "@/test/monitoring";
import { until } from "@/test/worker";
import { amAlerts } from "./am";
import { catchUpAlerts, requestAlertsCatchUp } from "./catchup";

const uid = () => randomBytes(3).toString("hex");

let slug: string;
let projectId: string;

beforeAll(async () => {
  slug = `late-${uid()}`;
  const owner = await makeUser("developer");
  projectId = (await makeProject({ owner, slug, lifecycle: "active" })).id;
});

/** Posts alerts to Alertmanager as Prometheus does (POST /api/v2/alerts). */
async function postToAlertmanager(alerts: { labels: Record<string, string>; startsAt: Date; endsAt?: Date }[]) {
  const res = await fetch(`${testMonitoring().alertmanagerUrl}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(
      alerts.map((a) => ({
        labels: a.labels,
        annotations: { summary: "Orders fail" },
        startsAt: a.startsAt.toISOString(),
        ...(a.endsAt ? { endsAt: a.endsAt.toISOString() } : {}),
        generatorURL: "http://prometheus.test/graph",
      })),
    ),
  });
  expect(res.status).toBe(200);
}

const labels = (cluster: string) => ({ alertname: "OrdersFailing", project: slug, service: "orders", environment: "dev", severity: "warning", cluster });

describe("catch-up from Alertmanager", () => {
  it("stores the alerts Alertmanager holds that Wharf's webhook never received, as one incident, with source poll", async () => {
    const startsAt = new Date(Date.now() - 60_000);
    await postToAlertmanager([
      { labels: labels("late-east"), startsAt },
      { labels: labels("late-west"), startsAt },
    ]);
    await until(
      async () => {
        const r = await amAlerts([`project="${slug}"`]);
        return r.ok && r.data.length === 2;
      },
      10_000,
      "Alertmanager to hold the alerts",
    );
    expect(await db().alert.count({ where: { projectSlug: slug } })).toBe(0);

    const result = await catchUpAlerts();
    expect(result).toMatchObject({ ok: true });
    const alerts = await db().alert.findMany({ where: { projectSlug: slug }, include: { events: true } });
    expect(alerts.map((a) => a.cluster).sort()).toEqual(["late-east", "late-west"]);
    expect(alerts.every((a) => a.status === "firing" && a.projectId === projectId)).toBe(true);
    expect(alerts.flatMap((a) => a.events.map((e) => e.source))).toEqual(["poll", "poll"]);
    const incidents = await db().incident.findMany({ where: { projectId } });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: "open", occurrences: 2, key: `${slug}/orders/dev/OrdersFailing` });

    // A second pass changes nothing: the alerts are only marked seen.
    const again = await catchUpAlerts();
    expect(again).toMatchObject({ ok: true, stored: 0 });
    expect(await db().alertEvent.count({ where: { alert: { projectSlug: slug } } })).toBe(2);
  });

  it("resolves an alert Wharf holds as firing once Alertmanager no longer has it, only after the grace", async () => {
    const startsAt = new Date(Date.now() - 60_000);
    await postToAlertmanager([{ labels: labels("late-gone"), startsAt }]);
    await catchUpAlerts();
    const alert = await db().alert.findFirstOrThrow({ where: { projectSlug: slug, cluster: "late-gone" } });
    expect(alert.status).toBe("firing");
    // Its resolution reaches Alertmanager, but not Wharf.
    await postToAlertmanager([{ labels: labels("late-gone"), startsAt, endsAt: new Date(Date.now() - 1_000) }]);
    await until(
      async () => {
        const r = await amAlerts([`project="${slug}"`, `cluster="late-gone"`]);
        return r.ok && r.data.length === 0;
      },
      10_000,
      "Alertmanager to drop the resolved alert",
    );

    const withinGrace = await catchUpAlerts({ graceMs: 60 * 60_000 });
    expect(withinGrace).toMatchObject({ ok: true, resolved: 0 });
    expect((await db().alert.findUniqueOrThrow({ where: { id: alert.id } })).status).toBe("firing");

    const later = await catchUpAlerts({ now: new Date(Date.now() + 10 * 60_000), graceMs: 5 * 60_000 });
    expect(later).toMatchObject({ ok: true, resolved: 1 });
    const resolved = await db().alert.findUniqueOrThrow({ where: { id: alert.id }, include: { events: { orderBy: { at: "asc" } } } });
    expect(resolved.status).toBe("resolved");
    expect(resolved.events.map((e) => [e.status, e.source])).toEqual([
      ["firing", "poll"],
      ["resolved", "poll"],
    ]);
  });
});

describe("a catch-up on demand", () => {
  it("is queued for ops, audited, and refused to a developer", async () => {
    const ops = await ctxFor(await makeUser("ops"));
    await expect(requestAlertsCatchUp(ops)).resolves.toEqual({ queued: true });
    const jobs = await db().$queryRaw<{ task: string }[]>`select task_identifier as task from graphile_worker.jobs where key = 'alerts_catch_up'`;
    expect(jobs.map((j) => j.task)).toEqual(["alerts_catch_up"]);
    expect(await db().auditEvent.count({ where: { action: "alerting.catch_up", actorId: ops.actor.kind === "user" ? ops.actor.id : "" } })).toBe(1);
    const developer = await ctxFor(await makeUser("developer"));
    await expect(requestAlertsCatchUp(developer)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
