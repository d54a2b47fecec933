/**
 * Test data for the alerting pages' tests: an incident with its alerts (one per cluster) and its first timeline line,
 * written straight to the database as the ingest would leave them (lib/alerting/ingest.ts is another part's).
 */
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";

const uid = () => randomBytes(3).toString("hex");

export async function makeIncident(opts: {
  project: { id: string; slug: string; teamId: string };
  service?: string;
  environment?: string;
  alertname?: string;
  severity?: string;
  status?: "pending" | "open" | "acknowledged" | "resolved";
  openedAt?: Date;
  acknowledgedAt?: Date | null;
  resolvedAt?: Date | null;
  assigneeId?: string | null;
  releaseId?: string | null;
  clusters?: string[];
}) {
  const service = opts.service ?? "api";
  const environment = opts.environment ?? "dev";
  const alertname = opts.alertname ?? `HighErrorRate${uid()}`;
  const severity = opts.severity ?? "critical";
  const openedAt = opts.openedAt ?? new Date();
  const team = await db().team.findUniqueOrThrow({ where: { id: opts.project.teamId }, select: { slug: true } });
  const incident = await db().incident.create({
    data: {
      key: `${opts.project.slug}/${service}/${environment}/${alertname}`,
      status: opts.status ?? "open",
      severity,
      title: `${alertname} on ${opts.project.slug}/${service} in ${environment}`,
      projectId: opts.project.id,
      teamId: opts.project.teamId,
      serviceSlug: service,
      environment,
      releaseId: opts.releaseId ?? null,
      openedAt,
      acknowledgedAt: opts.acknowledgedAt ?? null,
      resolvedAt: opts.resolvedAt ?? null,
      assigneeId: opts.assigneeId ?? null,
    },
  });
  for (const cluster of opts.clusters ?? ["sandbox-east"]) {
    const labels = { alertname, severity, team: team.slug, project: opts.project.slug, service, environment, cluster };
    await db().alert.create({
      data: {
        fingerprint: randomBytes(8).toString("hex"),
        startsAt: openedAt,
        status: opts.status === "resolved" ? "resolved" : "firing",
        alertname,
        severity,
        teamSlug: team.slug,
        projectSlug: opts.project.slug,
        serviceSlug: service,
        environment,
        cluster,
        labels,
        annotations: { summary: `5xx above 5% on ${service}` },
        projectId: opts.project.id,
        incidentId: incident.id,
        events: { create: { status: "firing", at: openedAt } },
      },
    });
  }
  await db().incidentEvent.create({ data: { incidentId: incident.id, kind: "alert_firing", text: alertname, at: openedAt } });
  return incident;
}
