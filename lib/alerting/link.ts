/**
 * An incident linked to the release that caused it, by release and not only by
 * time: the release of that service (project + service slug) in that
 * environment that was running when the alert fired (the latest one started
 * before it) — if it started within WHARF_INCIDENT_RELEASE_WINDOW minutes
 * before, and was not itself rolled back before the alert. A later release in
 * the window replaces an earlier one: the alert is blamed on what ran.
 */
import type { Alert, Incident, Release } from "@/lib/db/generated/client";
import type { Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import { isEnvKind } from "@/lib/catalog/environments";
import { recordIncidentEvent } from "./events";

/** Releases that never ran (or were refused) cause nothing. */
const NEVER_RAN = ["pending_approval", "rejected", "cancelled"] as const;

/** When a release started (its run began), or was created when it has not started yet. */
export const releaseStart = (r: Pick<Release, "startedAt" | "createdAt">) => r.startedAt ?? r.createdAt;

/** The release that was running when an alert of this service fired, if it started within the window before. */
export async function findCausingRelease(
  tx: Tx,
  where: { projectId: string | null; serviceSlug: string; environment: string; firedAt: Date },
): Promise<Release | null> {
  if (!where.projectId || !where.serviceSlug || !isEnvKind(where.environment)) return null;
  const service = await tx.service.findFirst({ where: { projectId: where.projectId, slug: where.serviceSlug }, select: { id: true } });
  if (!service) return null;
  const latest = await tx.release.findFirst({
    where: {
      serviceId: service.id,
      environment: where.environment,
      status: { notIn: [...NEVER_RAN] },
      OR: [{ startedAt: { lte: where.firedAt } }, { startedAt: null, createdAt: { lte: where.firedAt } }],
    },
    orderBy: { number: "desc" },
  });
  if (!latest) return null;
  const windowMs = env().WHARF_INCIDENT_RELEASE_WINDOW * 60_000;
  if (where.firedAt.getTime() - releaseStart(latest).getTime() > windowMs) return null;
  if (latest.status === "rolled_back" && latest.finishedAt && latest.finishedAt <= where.firedAt) return null;
  return latest;
}

/** Links the incident to the release that caused its alert, if any, with a line on its timeline. Returns the release. */
export async function linkRelease(tx: Tx, incident: Pick<Incident, "id" | "projectId" | "serviceSlug" | "environment">, alert: Pick<Alert, "startsAt">) {
  const release = await findCausingRelease(tx, {
    projectId: incident.projectId,
    serviceSlug: incident.serviceSlug,
    environment: incident.environment,
    firedAt: alert.startsAt,
  });
  if (!release) return null;
  await tx.incident.update({ where: { id: incident.id }, data: { releaseId: release.id } });
  const minutes = Math.max(0, Math.round((alert.startsAt.getTime() - releaseStart(release).getTime()) / 60_000));
  await recordIncidentEvent(tx, incident.id, "release_linked", {
    text: `Release #${release.number} (${release.image}) of ${incident.serviceSlug} in ${incident.environment} started ${minutes} min before the alert fired`,
    data: { releaseId: release.id, number: release.number, image: release.image, tag: release.tag, minutesBefore: minutes },
  });
  return release;
}
