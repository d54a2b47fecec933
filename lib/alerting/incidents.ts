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

/** Where alerts fired, for a timeline line: "east" or "east, west (100 alerts)". */
function firedWhere(alerts: Pick<Alert, "cluster">[]): string {
  const clusters = [...new Set(alerts.map((a) => a.cluster || "no cluster label"))].sort();
  const shown = clusters.length > 5 ? `${clusters.slice(0, 5).join(", ")} and ${clusters.length - 5} more` : clusters.join(", ");
  return alerts.length > 1 ? `${shown} (${alerts.length} alerts)` : shown;
}

/**
 * New firing episodes of one incident key (one alert, or a storm's many) join its incident, or open or re-open one.
 * Returns the incident's id. Called in the transaction that stores them, once per key and batch.
 */
export async function alertsJoinedIncident(
  tx: Tx,
  key: string,
  alerts: Alert[],
  opts: { now: Date; requestId: string; teamId: string | null },
): Promise<string> {
  const { now, requestId } = opts;
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${key}))`;
  const first = alerts.reduce((a, b) => (b.startsAt < a.startsAt ? b : a));
  const worst = alerts.reduce((a, b) => (rank(b.severity) > rank(a.severity) ? b : a));
  const at = first.startsAt;
  const n = alerts.length;
  const firingText = `${first.alertname} fired on ${firedWhere(alerts)}${worst.severity ? ` (${worst.severity})` : ""}`;
  const firingData = {
    alertIds: alerts.slice(0, 50).map((a) => a.id),
    count: n,
    clusters: [...new Set(alerts.map((a) => a.cluster))].sort(),
    severity: worst.severity,
  };
  const attach = (incidentId: string) => tx.alert.updateMany({ where: { id: { in: alerts.map((a) => a.id) } }, data: { incidentId } });

  let incident = await tx.incident.findFirst({ where: { key, status: { in: [...NOT_RESOLVED] } }, orderBy: { openedAt: "desc" } });

  // A pending incident counts occurrences from its first one for a day; after that it is closed unannounced and
  // counting starts again.
  if (incident?.status === "pending" && now.getTime() - incident.createdAt.getTime() > PENDING_WINDOW_MS) {
    await closeStalePending(tx, incident, now);
    incident = null;
  }

  if (incident) {
    const occurrences = incident.occurrences + n;
    const opens = incident.status === "pending" && occurrences >= incident.minOccurrences;
    const severity = rank(worst.severity) > rank(incident.severity) ? worst.severity : incident.severity;
    const updated = await tx.incident.update({
      where: { id: incident.id },
      data: { occurrences, severity, ...(opens ? { status: "open", openedAt: now } : {}), version: { increment: 1 } },
    });
    await attach(incident.id);
    const count =
      incident.status === "pending" ? `: occurrence ${occurrences} of ${incident.minOccurrences}${opens ? ", the incident opens" : ", pending"}` : "";
    await recordIncidentEvent(tx, incident.id, "alert_firing", { text: `${firingText}${count}`, data: firingData, at });
    if (opens) await audit(tx, requestId, "incident.open", updated, { status: "pending" }, { status: "open", occurrences });
    if (!updated.releaseId) await linkRelease(tx, updated, first);
    await incidentChanged(tx, incident.id);
    if (updated.status !== "pending") await considerRollbackOnAlert(tx, updated.id);
    return incident.id;
  }

  const recent = await tx.incident.findFirst({
    where: { key, status: "resolved", resolvedAt: { gte: new Date(now.getTime() - REOPEN_WITHIN_MS) } },
    orderBy: { resolvedAt: "desc" },
  });
  if (recent) {
    const severity = rank(worst.severity) > rank(recent.severity) ? worst.severity : recent.severity;
    const reopened = await tx.incident.update({
      where: { id: recent.id },
      data: { status: "open", resolvedAt: null, resolvedById: null, occurrences: { increment: n }, severity, version: { increment: 1 } },
    });
    await attach(recent.id);
    await recordIncidentEvent(tx, recent.id, "alert_firing", { text: firingText, data: firingData, at });
    await recordIncidentEvent(tx, recent.id, "reopened", {
      text: `Re-opened: ${first.alertname} fired again within ${REOPEN_WITHIN_MS / 60_000} minutes of the resolution`,
      data: { alertIds: firingData.alertIds },
    });
    await audit(tx, requestId, "incident.reopen", reopened, { status: "resolved", resolvedAt: recent.resolvedAt }, { status: "open" });
    await incidentChanged(tx, recent.id);
    await considerRollbackOnAlert(tx, recent.id);
    return recent.id;
  }

  const minOccurrences = minOccurrencesOf(strings(first.labels), strings(first.annotations));
  const { title, summary } = describeAlert(first);
  const teamId = opts.teamId ?? (first.teamSlug ? ((await tx.team.findUnique({ where: { slug: first.teamSlug }, select: { id: true } }))?.id ?? null) : null);
  const status = n >= minOccurrences ? "open" : "pending";
  const created = await tx.incident.create({
    data: {
      key,
      status,
      severity: worst.severity || "warning",
      title,
      summary,
      projectId: first.projectId,
      teamId,
      serviceSlug: first.serviceSlug,
      environment: first.environment,
      occurrences: n,
      minOccurrences,
      openedAt: now,
    },
  });
  await attach(created.id);
  await recordIncidentEvent(tx, created.id, "alert_firing", {
    text: minOccurrences > 1 ? `${firingText}: occurrence ${n} of ${minOccurrences}${status === "open" ? ", the incident opens" : ", pending"}` : firingText,
    data: firingData,
    at,
  });
  await audit(tx, requestId, status === "pending" ? "incident.pending" : "incident.open", created, undefined, {
    key,
    status,
    severity: created.severity,
    minOccurrences,
  });
  const linked = await linkRelease(tx, created, first);
  await incidentChanged(tx, created.id);
  if (status === "open" && linked) await considerRollbackOnAlert(tx, created.id);
  return created.id;
}

/**
 * Resolved alerts of one incident may resolve it: when none of its alerts fire any more. A pending incident stays
 * pending (it keeps counting occurrences); an incident resolved by a person stays as it is.
 */
export async function alertsLeftIncident(
  tx: Tx,
  incidentId: string,
  alerts: Pick<Alert, "id" | "alertname" | "cluster" | "endsAt">[],
  opts: { now: Date; requestId: string },
) {
  const found = await tx.incident.findUnique({ where: { id: incidentId }, select: { key: true } });
  if (!found || alerts.length === 0) return;
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${found.key}))`;
  const incident = await tx.incident.findUniqueOrThrow({ where: { id: incidentId } });
  const last = alerts.reduce((a, b) => ((b.endsAt ?? opts.now) > (a.endsAt ?? opts.now) ? b : a));
  await recordIncidentEvent(tx, incident.id, "alert_resolved", {
    text: `${alerts[0]!.alertname} resolved on ${firedWhere(alerts)}`,
    data: { alertIds: alerts.slice(0, 50).map((a) => a.id), count: alerts.length, clusters: [...new Set(alerts.map((a) => a.cluster))].sort() },
    at: last.endsAt ?? opts.now,
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
