/**
 * Catch-up after an outage: Alertmanager only sends a group's notification
 * again after its repeat_interval, so alerts sent while Wharf's webhook was
 * down would be missing for hours. Every minute (and on demand) the worker
 * reads the alerts Alertmanager holds (GET /api/v2/alerts: those not resolved)
 * and (a) stores those Wharf missed, or marks them seen (source "poll");
 * (b) resolves the alerts Wharf holds as firing that Alertmanager no longer
 * has and nobody reported for WHARF_ALERT_CATCHUP_GRACE_MS (their "resolved"
 * notification was lost). Alertmanager down: nothing changes, the reason is
 * returned (and logged by the job).
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { env } from "@/lib/env";
import { defineTask } from "@/lib/jobs/registry";
import { enqueue } from "@/lib/jobs/enqueue";
import { amAlerts, type TAmAlert } from "./am";
import { applyAlerts, type ApplyContext, type IncomingAlert } from "./ingest";
import { closeStalePendingIncidents, incidentKeyOf } from "./incidents";

export type CatchUpResult = { ok: true; seen: number; stored: number; resolved: number; closedPending: number } | { ok: false; reason: string };

const BATCH = 100;

const identity = (fingerprint: string, startsAt: Date) => `${fingerprint}@${startsAt.getTime()}`;

function fromAm(a: TAmAlert): IncomingAlert {
  return {
    fingerprint: a.fingerprint,
    status: "firing",
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt),
    endsAt: null,
    generatorUrl: a.generatorURL,
  };
}

/** One catch-up pass. `graceMs` defaults to WHARF_ALERT_CATCHUP_GRACE_MS. */
export async function catchUpAlerts(opts: { now?: Date; graceMs?: number } = {}): Promise<CatchUpResult> {
  const now = opts.now ?? new Date();
  const graceMs = opts.graceMs ?? env().WHARF_ALERT_CATCHUP_GRACE_MS;
  const answer = await amAlerts();
  if (!answer.ok) return { ok: false, reason: answer.reason };
  const incoming = answer.data.map(fromAm).sort((a, b) => incidentKeyOf(a.labels).localeCompare(incidentKeyOf(b.labels)));
  const held = new Set(incoming.map((a) => identity(a.fingerprint, a.startsAt)));
  const requestId = `alert-poll-${randomUUID()}`;
  const projects: ApplyContext["projects"] = new Map();
  let stored = 0;
  // (a) In batches: one short transaction each, so a storm does not hold locks for long.
  for (let i = 0; i < incoming.length; i += BATCH) {
    const batch = incoming.slice(i, i + BATCH);
    stored += await db().$transaction(async (tx) => (await applyAlerts(tx, batch, { source: "poll", now, requestId, projects })).changed, {
      timeout: 60_000,
      maxWait: 10_000,
    });
  }
  // (b) Firing in Wharf, gone from Alertmanager, not heard of within the grace.
  const candidates = await db().alert.findMany({
    where: { status: "firing", lastSeenAt: { lt: new Date(now.getTime() - graceMs) } },
    select: { fingerprint: true, startsAt: true, labels: true, annotations: true, generatorUrl: true },
    orderBy: { startsAt: "asc" },
  });
  const gone = candidates.filter((a) => !held.has(identity(a.fingerprint, a.startsAt)));
  gone.sort((a, b) => incidentKeyOf(a.labels as Record<string, string>).localeCompare(incidentKeyOf(b.labels as Record<string, string>)));
  for (let i = 0; i < gone.length; i += BATCH) {
    const batch = gone.slice(i, i + BATCH);
    await db().$transaction(
      async (tx) => {
        const resolved: IncomingAlert[] = batch.map((a) => ({
          fingerprint: a.fingerprint,
          startsAt: a.startsAt,
          status: "resolved",
          endsAt: now,
          labels: a.labels as Record<string, string>,
          annotations: a.annotations as Record<string, string>,
          generatorUrl: a.generatorUrl,
        }));
        await applyAlerts(tx, resolved, { source: "poll", now, requestId, projects });
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }
  const closedPending = await db().$transaction((tx) => closeStalePendingIncidents(tx, now));
  return { ok: true, seen: incoming.length, stored, resolved: gone.length, closedPending };
}

export const alertsCatchUpTask = defineTask({
  name: "alerts_catch_up",
  description: "Reads the alerts Alertmanager holds and stores those Wharf missed, resolving those it no longer has",
  payload: z.object({}).passthrough(),
  async run(_payload, { log }) {
    const result = await catchUpAlerts();
    // Alertmanager down is not the job's failure: it runs again in a minute, and the reason is in the log.
    if (!result.ok) log.warn({ reason: result.reason }, "alerts catch-up skipped");
    else if (result.stored || result.resolved || result.closedPending) log.info(result, "alerts caught up");
  },
});

/**
 * Asks for a catch-up now (after Wharf's webhook was down, without waiting for the minute's run): ops and admins
 * (alerting.routing.apply), audited. Runs in the worker, as every call to Alertmanager that may be long.
 */
export async function requestAlertsCatchUp(ctx: Ctx): Promise<{ queued: true }> {
  authorize(ctx, "alerting.routing.apply", platform);
  await db().$transaction(async (tx) => {
    await enqueue(alertsCatchUpTask, {}, { jobKey: "alerts_catch_up", maxAttempts: 1 }, tx);
    await recordAudit(tx, ctx, { action: "alerting.catch_up", target: { type: "alertmanager", id: "alerts", label: "Catch up alerts from Alertmanager" } });
  });
  return { queued: true };
}
