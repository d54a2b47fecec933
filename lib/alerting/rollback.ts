/**
 * Rollback on alert: a service whose spec says `rollout.rollbackOnAlert:
 * { enabled: true, withinMinutes, severity }` is rolled back to its last good
 * release when an incident linked to a release of it opens (critical, or any
 * from "warning" up when the policy says so) within `withinMinutes` of the
 * release's start. The decision is queued as a job in the incident's
 * transaction and runs through the release machinery
 * (`rollbackTo(..., { automatic: true })`, audited as automatic); the
 * incident's timeline says so (rollback_started) and the rolled-back release
 * is marked rolled_back. Never a rollback of a rollback, of a restore, or of
 * an automatic release.
 */
import { z } from "zod";
import type { Incident, Release } from "@/lib/db/generated/client";
import { db, type Tx } from "@/lib/db/client";
import { systemCtx } from "@/lib/context";
import { recordAudit } from "@/lib/audit/record";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { rollbackTo } from "@/lib/deploy/releases";
import { ZRollbackOnAlert } from "@/lib/deploy/spec";
import { incidentChanged, recordIncidentEvent } from "./events";
import { releaseStart } from "./link";

const RANK: Record<string, number> = { critical: 3, error: 2, warning: 1 };

/** The rollbackOnAlert policy the release was made with (its resolved spec); null when unset or unreadable. */
function policyOf(spec: unknown) {
  const raw = (spec as { rollout?: { rollbackOnAlert?: unknown } } | null)?.rollout?.rollbackOnAlert;
  const parsed = ZRollbackOnAlert.safeParse(raw);
  return raw !== undefined && parsed.success ? parsed.data : null;
}

/** Whether the policy of the incident's release asks for a rollback now; the reason when it does not. */
export function rollbackDecision(
  incident: Pick<Incident, "status" | "severity" | "openedAt">,
  release: Pick<Release, "id" | "automatic" | "rollbackOfId" | "restoreOfId" | "status" | "startedAt" | "createdAt"> & { spec: unknown },
): { rollback: true } | { rollback: false; reason: string } {
  if (incident.status !== "open" && incident.status !== "acknowledged") return { rollback: false, reason: `the incident is ${incident.status}` };
  if (release.automatic || release.rollbackOfId || release.restoreOfId) return { rollback: false, reason: "the release is itself a rollback or a restore" };
  if (!["succeeded", "progressing", "queued"].includes(release.status)) return { rollback: false, reason: `the release is ${release.status}` };
  const policy = policyOf(release.spec);
  if (!policy?.enabled) return { rollback: false, reason: "the service's policy does not roll back on alert" };
  const needed = RANK[policy.severity] ?? 3;
  if ((RANK[incident.severity] ?? 0) < needed)
    return { rollback: false, reason: `the incident is ${incident.severity}, the policy acts from ${policy.severity}` };
  const after = incident.openedAt.getTime() - releaseStart(release).getTime();
  if (after > policy.withinMinutes * 60_000)
    return { rollback: false, reason: `the incident opened more than ${policy.withinMinutes} minutes after the release` };
  return { rollback: true };
}

/** In the transaction that opened (or raised) an incident: queues its rollback when the release's policy asks for one. */
export async function considerRollbackOnAlert(tx: Tx, incidentId: string) {
  const incident = await tx.incident.findUnique({ where: { id: incidentId }, include: { release: true } });
  if (!incident?.release) return;
  if (!rollbackDecision(incident, incident.release).rollback) return;
  await enqueue(alertRollbackTask, { incidentId }, { jobKey: `alert-rollback:${incidentId}`, maxAttempts: 6 }, tx);
}

/**
 * The job: checks again, then rolls the release back to the last release of the service in that environment that
 * succeeded before it. A release still running is waited for (the job fails and is retried: releases of one service
 * never overlap). Done once per incident.
 */
export async function rollbackOnAlert(incidentId: string, requestId: string): Promise<{ started: boolean; reason: string; releaseNumber?: number }> {
  const incident = await db().incident.findUnique({
    where: { id: incidentId },
    include: { release: { include: { service: { select: { slug: true, projectId: true, project: { select: { slug: true } } } } } } },
  });
  const release = incident?.release;
  if (!incident || !release) return { started: false, reason: "the incident has no release" };
  const done = await db().incidentEvent.findFirst({ where: { incidentId, kind: "rollback_started" } });
  if (done) return { started: false, reason: "already rolled back for this incident" };
  const decision = rollbackDecision(incident, release);
  if (!decision.rollback) return { started: false, reason: decision.reason };
  const previous = await db().release.findFirst({
    where: { serviceId: release.serviceId, environment: release.environment, status: "succeeded", number: { lt: release.number } },
    orderBy: { number: "desc" },
  });
  if (!previous) {
    await db().$transaction(async (tx) => {
      await recordIncidentEvent(tx, incidentId, "comment", { text: `No rollback: release #${release.number} has no earlier release that succeeded` });
      await incidentChanged(tx, incidentId);
    });
    return { started: false, reason: "no earlier release succeeded" };
  }
  const ctx = systemCtx(requestId);
  // A rollback already created by an earlier attempt of this job (which failed after it) is not created twice.
  const earlier = await db().release.findFirst({
    where: {
      serviceId: release.serviceId,
      environment: release.environment,
      rollbackOfId: previous.id,
      automatic: true,
      createdAt: { gte: incident.openedAt },
    },
  });
  const rollback = earlier ? { id: earlier.id, number: earlier.number } : await rollbackTo(ctx, { releaseId: previous.id }, { automatic: true });
  const releaseLabel = `${release.service.project.slug}/${release.service.slug} ${release.environment} #${release.number}`;
  await db().$transaction(async (tx) => {
    const before = await tx.release.findUniqueOrThrow({ where: { id: release.id }, select: { status: true } });
    if (before.status === "succeeded") {
      const reason = `Rolled back on alert: INC-${incident.number} ${incident.title}`;
      await tx.release.update({ where: { id: release.id }, data: { status: "rolled_back", reason } });
      await recordAudit(tx, ctx, {
        action: "deploy.rolled_back",
        target: { type: "release", id: release.id, label: releaseLabel },
        projectId: release.service.projectId,
        before: { status: before.status },
        after: { status: "rolled_back", reason, automatic: true, incident: `INC-${incident.number}`, rollbackReleaseId: rollback.id },
      });
    }
    await recordIncidentEvent(tx, incidentId, "rollback_started", {
      text: `Rolling back release #${release.number} (${release.tag}) to #${previous.number} (${previous.tag}): release #${rollback.number} started automatically`,
      data: { releaseId: release.id, targetId: previous.id, rollbackReleaseId: rollback.id, rollbackNumber: rollback.number, automatic: true },
    });
    await incidentChanged(tx, incidentId);
  });
  return { started: true, reason: "", releaseNumber: rollback.number };
}

export const alertRollbackTask = defineTask({
  name: "alert_rollback",
  description: "Rolls a service's release back when a critical incident linked to it opens soon after it (the service's rollbackOnAlert policy)",
  payload: z.object({ incidentId: z.string().min(1) }),
  async run({ incidentId }, { jobId, log }) {
    const result = await rollbackOnAlert(incidentId, `job-${jobId}`);
    log.info({ incidentId, ...result }, result.started ? "rollback on alert started" : "no rollback on alert");
  },
});
