/**
 * Alerts into incidents: alerts of one service and one cause (project,
 * service, environment, alertname) across clusters and data centres are one
 * incident. A firing alert joins the incident of its key that is not resolved,
 * re-opens one resolved within REOPEN_WITHIN_MS, or opens a new one (linked to
 * the release that caused it, ./link.ts); the incident resolves when all its
 * alerts have. A rule's `wharf_min_occurrences` keeps a new incident pending
 * (nobody told) until that many firing episodes were seen within
 * PENDING_WINDOW_MS. Work on one key is serialized with a transaction-scoped
 * advisory lock. Every change writes its timeline line, queues the chat
 * update, and creation, re-opening and resolution are audited (system).
 */
import type { Alert, Incident } from "@/lib/db/generated/client";
import type { Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { systemCtx } from "@/lib/context";
import { incidentChanged, recordIncidentEvent } from "./events";
import { linkRelease } from "./link";
import { considerRollbackOnAlert } from "./rollback";

/** A resolved incident whose alert fires again within this time is re-opened rather than a new one opened. */
export const REOPEN_WITHIN_MS = 10 * 60_000;
/** Occurrences of a rule with `wharf_min_occurrences` count within this time from the first. */
export const PENDING_WINDOW_MS = 24 * 60 * 60_000;
/** The label (or annotation) of a rule that opens its incident only from the Nth firing. */
export const MIN_OCCURRENCES_LABEL = "wharf_min_occurrences";

const NOT_RESOLVED = ["pending", "open", "acknowledged"] as const;
const SEVERITY_RANK: Record<string, number> = { critical: 3, error: 2, warning: 1, info: 0 };
const rank = (s: string) => SEVERITY_RANK[s] ?? 0;

/** The incident key of an alert's labels: project/service/environment/alertname ("-" where a label is absent). */
export function incidentKeyOf(labels: { project?: string; service?: string; environment?: string; alertname?: string }): string {
  return [labels.project, labels.service, labels.environment, labels.alertname].map((v) => v || "-").join("/");
}

/** The rule's `wharf_min_occurrences` (label first, then annotation), 1 to 100; 1 when absent or not a number. */
export function minOccurrencesOf(labels: Record<string, string>, annotations: Record<string, string>): number {
  const raw = labels[MIN_OCCURRENCES_LABEL] ?? annotations[MIN_OCCURRENCES_LABEL];
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 100) : 1;
}

const strings = (v: unknown): Record<string, string> => (v && typeof v === "object" ? (v as Record<string, string>) : {});

function describeAlert(a: Alert): { title: string; summary: string } {
  const ann = strings(a.annotations);
  const where = a.projectSlug
    ? `${a.projectSlug}${a.serviceSlug ? `/${a.serviceSlug}` : ""}${a.environment ? ` in ${a.environment}` : ""}`
    : a.cluster
      ? `cluster ${a.cluster}`
      : "the platform";
  return { title: `${a.alertname} on ${where}`, summary: ann.summary ?? ann.description ?? "" };
}

const label = (i: { number: number }) => `INC-${i.number}`;

async function audit(tx: Tx, requestId: string, action: string, incident: Incident, before: unknown, after: unknown) {
  await recordAudit(tx, systemCtx(requestId), {
    action,
    target: { type: "incident", id: incident.id, label: `${label(incident)} ${incident.title}` },
    projectId: incident.projectId,
    before,
    after,
  });
}

/**
 * A firing alert's episode joins its incident (or opens or re-opens one). Returns the incident's id.
 * Called once per new alert row, in the transaction that stores it.
 */
export async function alertJoinedIncident(tx: Tx, alert: Alert, opts: { now: Date; requestId: string; teamId: string | null }): Promise<string> {
  const { now, requestId } = opts;
  const labels = strings(alert.labels);
  const key = incidentKeyOf(labels);
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${key}))`;
  const at = alert.startsAt;
  const cluster = alert.cluster || "no cluster label";
  const firingText = `${alert.alertname} fired on ${cluster}${alert.severity ? ` (${alert.severity})` : ""}`;
  const firingData = { alertId: alert.id, fingerprint: alert.fingerprint, cluster: alert.cluster, severity: alert.severity };

  let incident = await tx.incident.findFirst({ where: { key, status: { in: [...NOT_RESOLVED] } }, orderBy: { openedAt: "desc" } });

  // A pending incident counts occurrences from its first one for a day; after that it is closed unannounced and
  // counting starts again.
  if (incident?.status === "pending" && now.getTime() - incident.createdAt.getTime() > PENDING_WINDOW_MS) {
    await closeStalePending(tx, incident, now);
    incident = null;
  }

  if (incident) {
    const occurrences = incident.occurrences + 1;
    const opens = incident.status === "pending" && occurrences >= incident.minOccurrences;
    const severity = rank(alert.severity) > rank(incident.severity) ? alert.severity : incident.severity;
    const updated = await tx.incident.update({
      where: { id: incident.id },
      data: { occurrences, severity, ...(opens ? { status: "open", openedAt: now } : {}), version: { increment: 1 } },
    });
    await tx.alert.update({ where: { id: alert.id }, data: { incidentId: incident.id } });
    await recordIncidentEvent(tx, incident.id, "alert_firing", {
      text: opens ? `${firingText}: occurrence ${occurrences} of ${incident.minOccurrences}, the incident opens` : firingText,
      data: firingData,
      at,
    });
    if (opens) await audit(tx, requestId, "incident.open", updated, { status: "pending" }, { status: "open", occurrences });
    if (!updated.releaseId) await linkRelease(tx, updated, alert);
    await incidentChanged(tx, incident.id);
    if (updated.status !== "pending") await considerRollbackOnAlert(tx, updated.id);
    return incident.id;
  }

  const recent = await tx.incident.findFirst({
    where: { key, status: "resolved", resolvedAt: { gte: new Date(now.getTime() - REOPEN_WITHIN_MS) } },
    orderBy: { resolvedAt: "desc" },
  });
  if (recent) {
    const severity = rank(alert.severity) > rank(recent.severity) ? alert.severity : recent.severity;
    const reopened = await tx.incident.update({
      where: { id: recent.id },
      data: { status: "open", resolvedAt: null, resolvedById: null, occurrences: { increment: 1 }, severity, version: { increment: 1 } },
    });
    await tx.alert.update({ where: { id: alert.id }, data: { incidentId: recent.id } });
    await recordIncidentEvent(tx, recent.id, "alert_firing", { text: firingText, data: firingData, at });
    await recordIncidentEvent(tx, recent.id, "reopened", {
      text: `Re-opened: ${alert.alertname} fired again within ${REOPEN_WITHIN_MS / 60_000} minutes of the resolution`,
      data: { alertId: alert.id },
    });
    await audit(tx, requestId, "incident.reopen", reopened, { status: "resolved", resolvedAt: recent.resolvedAt }, { status: "open" });
    await incidentChanged(tx, recent.id);
    await considerRollbackOnAlert(tx, recent.id);
    return recent.id;
  }

  const minOccurrences = minOccurrencesOf(labels, strings(alert.annotations));
  const { title, summary } = describeAlert(alert);
  const teamId = opts.teamId ?? (alert.teamSlug ? ((await tx.team.findUnique({ where: { slug: alert.teamSlug }, select: { id: true } }))?.id ?? null) : null);
  const status = minOccurrences > 1 ? "pending" : "open";
  const created = await tx.incident.create({
    data: {
      key,
      status,
      severity: alert.severity || "warning",
      title,
      summary,
      projectId: alert.projectId,
      teamId,
      serviceSlug: alert.serviceSlug,
      environment: alert.environment,
      occurrences: 1,
      minOccurrences,
      openedAt: now,
    },
  });
  await tx.alert.update({ where: { id: alert.id }, data: { incidentId: created.id } });
  await recordIncidentEvent(tx, created.id, "alert_firing", {
    text: status === "pending" ? `${firingText}: occurrence 1 of ${minOccurrences}, pending` : firingText,
    data: firingData,
    at,
  });
  await audit(tx, requestId, status === "pending" ? "incident.pending" : "incident.open", created, undefined, {
    key,
    status,
    severity: created.severity,
    minOccurrences,
  });
  const linked = await linkRelease(tx, created, alert);
  await incidentChanged(tx, created.id);
  if (status === "open" && linked) await considerRollbackOnAlert(tx, created.id);
  return created.id;
}

/**
 * A resolved alert may resolve its incident: when none of its alerts fire any more. A pending incident stays pending
 * (it keeps counting occurrences); an incident resolved by a person stays as it is.
 */
export async function alertLeftIncident(
  tx: Tx,
  alert: Pick<Alert, "id" | "incidentId" | "alertname" | "cluster" | "endsAt">,
  opts: { now: Date; requestId: string },
) {
  if (!alert.incidentId) return;
  const incident = await tx.incident.findUnique({ where: { id: alert.incidentId } });
  if (!incident) return;
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${incident.key}))`;
  await recordIncidentEvent(tx, incident.id, "alert_resolved", {
    text: `${alert.alertname} resolved on ${alert.cluster || "no cluster label"}`,
    data: { alertId: alert.id, cluster: alert.cluster },
    at: alert.endsAt ?? opts.now,
  });
  const stillFiring = await tx.alert.count({ where: { incidentId: incident.id, status: "firing" } });
  if (stillFiring === 0 && (incident.status === "open" || incident.status === "acknowledged")) {
    const resolved = await tx.incident.update({
      where: { id: incident.id },
      data: { status: "resolved", resolvedAt: opts.now, resolvedById: null, version: { increment: 1 } },
    });
    await recordIncidentEvent(tx, incident.id, "resolved", { text: "Resolved: all its alerts resolved", data: { automatic: true } });
    await audit(tx, opts.requestId, "incident.resolve", resolved, { status: incident.status }, { status: "resolved", automatic: true });
  }
  await incidentChanged(tx, incident.id);
}

/** A pending incident whose occurrences did not reach its minimum within the window: closed, unannounced. */
async function closeStalePending(tx: Tx, incident: Incident, now: Date) {
  const closed = await tx.incident.update({ where: { id: incident.id }, data: { status: "resolved", resolvedAt: now, version: { increment: 1 } } });
  await recordIncidentEvent(tx, incident.id, "resolved", {
    text: `Closed without opening: ${incident.occurrences} of ${incident.minOccurrences} occurrences within ${PENDING_WINDOW_MS / 3_600_000} hours`,
    data: { automatic: true, pending: true },
  });
  await audit(tx, `incident-pending-${incident.id}`, "incident.resolve", closed, { status: "pending" }, { status: "resolved", neverOpened: true });
  await incidentChanged(tx, incident.id);
}

/** Pending incidents past their window with no alert firing any more are closed (the catch-up cron calls this). */
export async function closeStalePendingIncidents(tx: Tx, now: Date = new Date()): Promise<number> {
  const stale = await tx.incident.findMany({
    where: { status: "pending", createdAt: { lt: new Date(now.getTime() - PENDING_WINDOW_MS) }, alerts: { none: { status: "firing" } } },
    take: 500,
  });
  for (const i of stale) await closeStalePending(tx, i, now);
  return stale.length;
}
