/**
 * What the alerting pages read: alerts firing now, incidents (list and one),
 * a project's alerts, and "my open incidents". Every read is scoped by
 * `alert.read` (`scopeOf`): a member sees their projects' alerts; admins, ops
 * and managers see every project's, and alerts that belong to no project
 * (platform alerts: a cluster down). An incident the reader may not see is
 * NOT_FOUND, so its existence does not leak.
 */
import { z } from "zod";
import { can, projectResource, scopeOf, type Scope } from "@/lib/access/policy";
import type { Ctx } from "@/lib/context";
import { db, type Prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

/** At most this many alerts are listed at once (the counts cover them all). */
export const ALERT_LIST_LIMIT = 500;
/** At most this many incidents are listed at once, newest first. */
export const INCIDENT_LIST_LIMIT = 200;

const filterText = (field: string) =>
  z
    .string()
    .trim()
    .max(100, `The ${field} filter is at most 100 characters.`)
    .optional()
    .transform((v) => v || undefined);

/** The /alerts page's filters (its query string). */
export const ZAlertFilters = z.object({
  team: filterText("team"),
  project: filterText("project"),
  severity: filterText("severity"),
  environment: filterText("environment"),
  cluster: filterText("cluster"),
  q: filterText("text"),
});
export type TAlertFilters = z.output<typeof ZAlertFilters>;

export const INCIDENT_STATUS_FILTERS = ["active", "open", "acknowledged", "resolved", "all"] as const;

/** The /incidents page's filters: status (default: open or acknowledged), team, project, severity, mine. */
export const ZIncidentFilters = z.object({
  status: z
    .enum(INCIDENT_STATUS_FILTERS, { message: `Status is one of ${INCIDENT_STATUS_FILTERS.join(", ")}.` })
    .optional()
    .catch(undefined)
    .transform((v) => v ?? "active"),
  team: filterText("team"),
  project: filterText("project"),
  severity: filterText("severity"),
  mine: z
    .string()
    .optional()
    .transform((v) => v === "1" || v === "true"),
});
export type TIncidentFilters = z.output<typeof ZIncidentFilters>;

/** Alerts (and incidents) the actor may read: their projects', or all of them. */
function alertScope(scope: Scope): Prisma.AlertWhereInput {
  return scope.all ? {} : { projectId: { in: scope.projectIds } };
}
function incidentScope(scope: Scope): Prisma.IncidentWhereInput {
  return scope.all ? {} : { projectId: { in: scope.projectIds } };
}

/** Severities from worst to mildest; unknown ones after these, by name. */
const SEVERITY_ORDER = ["critical", "error", "warning", "info"];
export function severityRank(s: string): number {
  const i = SEVERITY_ORDER.indexOf(s);
  return i === -1 ? SEVERITY_ORDER.length : i;
}

const alertSelect = {
  id: true,
  fingerprint: true,
  alertname: true,
  severity: true,
  status: true,
  teamSlug: true,
  projectSlug: true,
  serviceSlug: true,
  environment: true,
  cluster: true,
  labels: true,
  annotations: true,
  startsAt: true,
  endsAt: true,
  lastSeenAt: true,
  generatorUrl: true,
  project: { select: { slug: true, name: true } },
  incident: { select: { number: true, status: true } },
} satisfies Prisma.AlertSelect;

export type AlertRow = Omit<Prisma.AlertGetPayload<{ select: typeof alertSelect }>, "labels" | "annotations"> & {
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

function stringRecord(v: Prisma.JsonValue): Record<string, string> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]));
}

function toAlertRow(a: Prisma.AlertGetPayload<{ select: typeof alertSelect }>): AlertRow {
  return { ...a, labels: stringRecord(a.labels), annotations: stringRecord(a.annotations) };
}

/** Firing alerts counted by team and severity (for the page's summary). */
export interface AlertGroup {
  team: string;
  severity: string;
  count: number;
}

export interface FiringAlerts {
  alerts: AlertRow[];
  /** Matching alerts in all (the list stops at ALERT_LIST_LIMIT). */
  total: number;
  groups: AlertGroup[];
  /** Values the filters offer, from the alerts firing in the reader's scope. */
  options: { teams: string[]; projects: string[]; severities: string[]; environments: string[]; clusters: string[] };
}

/** Alerts firing now in the actor's scope, filtered; worst severity first, then the oldest. */
export async function listFiringAlerts(ctx: Ctx, filters: TAlertFilters): Promise<FiringAlerts> {
  const scope = scopeOf(ctx.actor, "alert.read");
  const base: Prisma.AlertWhereInput = { status: "firing", ...alertScope(scope) };
  const where: Prisma.AlertWhereInput = {
    ...base,
    ...(filters.team ? { teamSlug: filters.team } : {}),
    ...(filters.project ? { projectSlug: filters.project } : {}),
    ...(filters.severity ? { severity: filters.severity } : {}),
    ...(filters.environment ? { environment: filters.environment } : {}),
    ...(filters.cluster ? { cluster: filters.cluster } : {}),
    ...(filters.q
      ? {
          OR: [
            { alertname: { contains: filters.q, mode: "insensitive" } },
            { serviceSlug: { contains: filters.q, mode: "insensitive" } },
            { projectSlug: { contains: filters.q, mode: "insensitive" } },
            { cluster: { contains: filters.q, mode: "insensitive" } },
            // Summary and description annotations are matched as text.
            { annotations: { path: ["summary"], string_contains: filters.q } },
            { annotations: { path: ["description"], string_contains: filters.q } },
          ],
        }
      : {}),
  };
  const [rows, total, groups, facets] = await Promise.all([
    db().alert.findMany({ where, select: alertSelect, orderBy: [{ startsAt: "asc" }], take: ALERT_LIST_LIMIT }),
    db().alert.count({ where }),
    db().alert.groupBy({ by: ["teamSlug", "severity"], where, _count: { _all: true } }),
    db().alert.groupBy({ by: ["teamSlug", "projectSlug", "severity", "environment", "cluster"], where: base }),
  ]);
  const uniq = (xs: string[]) => [...new Set(xs.filter(Boolean))].sort();
  return {
    alerts: rows.map(toAlertRow).sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.startsAt.getTime() - b.startsAt.getTime()),
    total,
    groups: groups
      .map((g) => ({ team: g.teamSlug, severity: g.severity, count: g._count._all }))
      .sort((a, b) => a.team.localeCompare(b.team) || severityRank(a.severity) - severityRank(b.severity)),
    options: {
      teams: uniq(facets.map((f) => f.teamSlug)),
      projects: uniq(facets.map((f) => f.projectSlug)),
      severities: uniq(facets.map((f) => f.severity)).sort((a, b) => severityRank(a) - severityRank(b)),
      environments: uniq(facets.map((f) => f.environment)),
      clusters: uniq(facets.map((f) => f.cluster)),
    },
  };
}

const incidentListSelect = {
  id: true,
  number: true,
  title: true,
  status: true,
  severity: true,
  serviceSlug: true,
  environment: true,
  openedAt: true,
  acknowledgedAt: true,
  resolvedAt: true,
  project: { select: { slug: true, name: true } },
  team: { select: { slug: true, name: true } },
  assignee: { select: { id: true, name: true } },
  release: { select: { id: true, number: true, tag: true } },
  _count: { select: { alerts: { where: { status: "firing" } } } },
} satisfies Prisma.IncidentSelect;

export type IncidentRow = Prisma.IncidentGetPayload<{ select: typeof incidentListSelect }>;

function statusWhere(status: TIncidentFilters["status"]): Prisma.IncidentWhereInput {
  switch (status) {
    case "active":
      return { status: { in: ["open", "acknowledged"] } };
    case "all":
      return {};
    default:
      return { status };
  }
}

/** "Mine": incidents of projects I am a member of, or assigned to me. */
function mineWhere(ctx: Ctx): Prisma.IncidentWhereInput {
  return { OR: [{ projectId: { in: Object.keys(ctx.actor.projectRoles) } }, { assigneeId: ctx.actor.id }] };
}

export interface IncidentList {
  incidents: IncidentRow[];
  total: number;
  options: { teams: { slug: string; name: string }[]; projects: { slug: string; name: string }[]; severities: string[] };
}

/** Incidents in the actor's scope, filtered, newest first. Pending incidents (below their rule's minimum occurrences) show under "all" only. */
export async function listIncidents(ctx: Ctx, filters: TIncidentFilters): Promise<IncidentList> {
  const scope = incidentScope(scopeOf(ctx.actor, "alert.read"));
  const where: Prisma.IncidentWhereInput = {
    AND: [
      scope,
      statusWhere(filters.status),
      filters.team ? { team: { slug: filters.team } } : {},
      filters.project ? { project: { slug: filters.project } } : {},
      filters.severity ? { severity: filters.severity } : {},
      filters.mine ? mineWhere(ctx) : {},
    ],
  };
  const [incidents, total, facets] = await Promise.all([
    db().incident.findMany({ where, select: incidentListSelect, orderBy: { openedAt: "desc" }, take: INCIDENT_LIST_LIMIT }),
    db().incident.count({ where }),
    db().incident.findMany({
      where: scope,
      distinct: ["projectId", "severity"],
      select: { severity: true, project: { select: { slug: true, name: true, team: { select: { slug: true, name: true } } } } },
      take: 1000,
    }),
  ]);
  const bySlug = <T extends { slug: string }>(xs: (T | null | undefined)[]) =>
    [...new Map(xs.filter((x): x is T => Boolean(x)).map((x) => [x.slug, x])).values()].sort((a, b) => a.slug.localeCompare(b.slug));
  return {
    incidents,
    total,
    options: {
      teams: bySlug(facets.map((f) => f.project?.team)),
      projects: bySlug(facets.map((f) => (f.project ? { slug: f.project.slug, name: f.project.name } : null))),
      severities: [...new Set(facets.map((f) => f.severity))].sort((a, b) => severityRank(a) - severityRank(b)),
    },
  };
}

/** Incidents not resolved in projects I am a member of, or assigned to me (the home page). */
export async function myOpenIncidents(ctx: Ctx, take = 10): Promise<{ incidents: IncidentRow[]; total: number }> {
  const where: Prisma.IncidentWhereInput = {
    AND: [incidentScope(scopeOf(ctx.actor, "alert.read")), { status: { in: ["open", "acknowledged"] } }, mineWhere(ctx)],
  };
  const [incidents, total] = await Promise.all([
    db().incident.findMany({ where, select: incidentListSelect, orderBy: { openedAt: "desc" }, take }),
    db().incident.count({ where }),
  ]);
  return { incidents, total };
}

/** May the actor read alerts of this project (null: a platform alert, for those who read every project's)? */
function canReadAlertsOf(ctx: Ctx, projectId: string | null): boolean {
  return projectId ? can(ctx.actor, "alert.read", projectResource(projectId)) : scopeOf(ctx.actor, "alert.read").all;
}
/** May the actor respond to an incident of this project? */
export function canRespondTo(ctx: Ctx, projectId: string | null): boolean {
  return projectId ? can(ctx.actor, "incident.respond", projectResource(projectId)) : scopeOf(ctx.actor, "incident.respond").all;
}

const ZIncidentNumber = z.coerce
  .number({ message: "An incident number is a whole number." })
  .int("An incident number is a whole number.")
  .positive("An incident number is positive.")
  .max(2_147_483_647, "No incident has such a number.");

/** One incident's page: header, alerts per cluster, timeline (oldest first), chat state, who it may be assigned to. */
export async function getIncident(ctx: Ctx, rawNumber: string | number) {
  const parsed = ZIncidentNumber.safeParse(typeof rawNumber === "string" ? rawNumber.replace(/^INC-/i, "") : rawNumber);
  if (!parsed.success) throw new AppError("NOT_FOUND", "No incident has this number.");
  const incident = await db().incident.findUnique({
    where: { number: parsed.data },
    include: {
      project: { select: { id: true, slug: true, name: true } },
      team: { select: { id: true, slug: true, name: true } },
      assignee: { select: { id: true, name: true, email: true } },
      release: { select: { id: true, number: true, tag: true, status: true, startedAt: true, createdAt: true, automatic: true } },
      alerts: { select: alertSelect, orderBy: [{ cluster: "asc" }, { startsAt: "asc" }] },
      events: { orderBy: [{ at: "asc" }, { id: "asc" }] },
      chat: { select: { channel: true, sentCount: true, lastSentAt: true, attempts: true, lastError: true, lastErrorAt: true } },
    },
  });
  // Another project's incident reads as one that does not exist.
  if (!incident || !canReadAlertsOf(ctx, incident.projectId)) throw new AppError("NOT_FOUND", "No incident has this number.");
  const userIds = [
    ...new Set([...incident.events.map((e) => e.actorId), incident.acknowledgedById, incident.resolvedById].filter((x): x is string => Boolean(x))),
  ];
  const [users, members] = await Promise.all([
    db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true } }),
    incident.projectId
      ? db().projectMember.findMany({
          where: { projectId: incident.projectId, user: { disabled: false } },
          select: { role: true, user: { select: { id: true, name: true, email: true } } },
          orderBy: { user: { name: "asc" } },
        })
      : Promise.resolve([]),
  ]);
  const names = new Map(users.map((u) => [u.id, u.name]));
  const { alerts, events, ...rest } = incident;
  return {
    incident: rest,
    acknowledgedBy: incident.acknowledgedById ? (names.get(incident.acknowledgedById) ?? "someone") : null,
    resolvedBy: incident.resolvedById ? (names.get(incident.resolvedById) ?? "someone") : null,
    alerts: alerts.map(toAlertRow),
    clusters: [...new Set(alerts.map((a) => a.cluster).filter(Boolean))].sort(),
    timeline: events.map((e) => ({
      id: e.id,
      kind: e.kind,
      at: e.at,
      text: e.text,
      data: e.data,
      actor: e.actorId ? (names.get(e.actorId) ?? "someone") : null,
    })),
    members: members.map((m) => ({ id: m.user.id, name: m.user.name, email: m.user.email, role: m.role })),
    rights: {
      respond: canRespondTo(ctx, incident.projectId),
      silence: incident.projectId ? can(ctx.actor, "alert.silence", projectResource(incident.projectId)) : scopeOf(ctx.actor, "alert.silence").all,
    },
  };
}
export type IncidentView = Awaited<ReturnType<typeof getIncident>>;
export type TimelineEntry = IncidentView["timeline"][number];

/** A project's alerts tab: its alerts firing now and its incidents (not resolved, then the last resolved). */
export async function getProjectAlerts(ctx: Ctx, slug: string) {
  const project = await db().project.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } });
  if (!project || !can(ctx.actor, "alert.read", projectResource(project.id))) throw new AppError("NOT_FOUND", "This project does not exist.");
  const [alerts, active, resolved] = await Promise.all([
    db().alert.findMany({ where: { projectId: project.id, status: "firing" }, select: alertSelect, orderBy: { startsAt: "asc" }, take: ALERT_LIST_LIMIT }),
    db().incident.findMany({
      where: { projectId: project.id, status: { in: ["open", "acknowledged"] } },
      select: incidentListSelect,
      orderBy: { openedAt: "desc" },
      take: INCIDENT_LIST_LIMIT,
    }),
    db().incident.findMany({ where: { projectId: project.id, status: "resolved" }, select: incidentListSelect, orderBy: { resolvedAt: "desc" }, take: 20 }),
  ]);
  return {
    project,
    alerts: alerts.map(toAlertRow).sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.startsAt.getTime() - b.startsAt.getTime()),
    active,
    resolved,
    canRespond: can(ctx.actor, "incident.respond", projectResource(project.id)),
  };
}

/** What changes when an incident's page should refresh: its version, its timeline's length, its alerts firing. */
export async function getIncidentStamp(ctx: Ctx, rawNumber: string): Promise<{ stamp: string }> {
  const parsed = ZIncidentNumber.safeParse(rawNumber.replace(/^INC-/i, ""));
  if (!parsed.success) throw new AppError("NOT_FOUND", "No incident has this number.");
  const i = await db().incident.findUnique({
    where: { number: parsed.data },
    select: { projectId: true, version: true, _count: { select: { events: true, alerts: { where: { status: "firing" } } } } },
  });
  if (!i || !canReadAlertsOf(ctx, i.projectId)) throw new AppError("NOT_FOUND", "No incident has this number.");
  return { stamp: `${i.version}:${i._count.events}:${i._count.alerts}` };
}
