/**
 * Alert history is kept 13 months (WHARF_ALERT_RETENTION_DAYS, 396 days): the
 * daily job deletes older alerts, their events and webhook deliveries, keeps
 * what is younger and what still fires, and keeps incidents.
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { deleteOldAlertHistory } from "./retention";

const DAY = 86_400_000;

async function alertAt(name: string, startsAt: Date, status: "firing" | "resolved", incidentId: string) {
  const endsAt = status === "resolved" ? new Date(startsAt.getTime() + 3_600_000) : null;
  const delivery = await db().alertDelivery.create({
    data: { bodyHash: `hash-${name}`, receiver: "wharf", groupKey: "{}", status, alertCount: 1, receivedAt: startsAt },
  });
  return db().alert.create({
    data: {
      fingerprint: `fp-${name}`,
      startsAt,
      endsAt,
      status,
      alertname: name,
      labels: { alertname: name },
      annotations: {},
      incidentId,
      events: {
        create: [
          { status: "firing", at: startsAt, deliveryId: delivery.id },
          ...(endsAt ? [{ status: "resolved" as const, at: endsAt, deliveryId: delivery.id }] : []),
        ],
      },
    },
  });
}

describe("alert history retention", () => {
  it("deletes alerts, events and deliveries older than 13 months, keeps younger ones, firing ones and incidents", async () => {
    const now = new Date();
    const incident = await db().incident.create({
      data: { key: "-/-/-/Old", title: "Old", status: "resolved", resolvedAt: new Date(now.getTime() - 400 * DAY) },
    });
    const old = await alertAt("Old", new Date(now.getTime() - 400 * DAY), "resolved", incident.id);
    const young = await alertAt("Young", new Date(now.getTime() - 390 * DAY), "resolved", incident.id);
    const stillFiring = await alertAt("Stuck", new Date(now.getTime() - 500 * DAY), "firing", incident.id);

    const result = await deleteOldAlertHistory({ now });
    expect(result).toMatchObject({ alerts: 1, deliveries: 2, events: 3 });
    expect(await db().alert.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await db().alert.findUnique({ where: { id: young.id } })).not.toBeNull();
    expect(await db().alert.findUnique({ where: { id: stillFiring.id } })).not.toBeNull();
    expect(await db().alertEvent.count({ where: { alertId: young.id } })).toBe(2);
    expect(await db().alertDelivery.count({ where: { bodyHash: "hash-Young" } })).toBe(1);
    expect(await db().incident.findUnique({ where: { id: incident.id } })).not.toBeNull();
  });
});
