/** Figures for the home page and the platform dashboard, read from the catalog. */
import { db, type Prisma } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { can, platform, scopeOf } from "@/lib/access/policy";
import { groupActivity } from "@/lib/audit/activity";
import { visibleWhere } from "@/lib/tickets/approval";
import { allTicketTypes } from "@/lib/tickets/types";

/** Lines of the home page's activity feed, and how many events are read to group them into those lines. */
const FEED_LINES = 10;
const FEED_EVENTS = 200;

export async function getHomeSummary(ctx: Ctx) {
  authorize(ctx, "catalog.read", platform);
  // The feed shows what the actor may read: everything for platform-wide readers, else their projects and their own doings.
  const activity = scopeOf(ctx.actor, "project.activity.read");
  const [myProjects, projectCount, teamCount, clusters, recent] = await Promise.all([
    db().project.findMany({
      where: { members: { some: { userId: ctx.actor.id } }, lifecycle: { not: "archived" } },
      orderBy: { updatedAt: "desc" },
      take: 8,
      select: {
        id: true,
        slug: true,
        name: true,
        tier: true,
        lifecycle: true,
        team: { select: { name: true } },
        members: { where: { userId: ctx.actor.id }, select: { role: true } },
        _count: { select: { services: true, environments: true } },
      },
    }),
    db().project.count({ where: { lifecycle: { not: "archived" } } }),
    db().team.count(),
    can(ctx.actor, "cluster.read", platform)
      ? db().cluster.findMany({ select: { id: true, name: true, status: true, latencyMs: true, kubernetesVersion: true, region: true } })
      : Promise.resolve(null),
    db().auditEvent.findMany({
      where: activity.all ? {} : { OR: [{ actorId: ctx.actor.id }, { projectId: { in: activity.projectIds } }] },
      orderBy: { at: "desc" },
      take: FEED_EVENTS,
      select: { id: true, at: true, actorLabel: true, action: true, targetLabel: true, targetType: true },
    }),
  ]);
  return {
    myProjects,
    projectCount,
    teamCount,
    clusters,
    recent: groupActivity(recent, FEED_LINES),
    activityScope: activity.all ? ("platform" as const) : ("mine" as const),
    // Those who read the platform's dashboards (managers, ops, admins) land on what they watch.
    boards: can(ctx.actor, "dashboard.read", platform) ? await getWatchBoards(ctx) : null,
  };
}

const DAY = 86_400_000;
/** Rows listed under each board's figure. */
const BOARD_ROWS = 5;

/**
 * The boards a manager watches, as the platform holds them today: deliveries in the last 7 days (releases that
 * succeeded), failed releases, and the open tickets with their age. Each is scoped by what the actor may read.
 */
export async function getWatchBoards(ctx: Ctx, now = new Date()) {
  authorize(ctx, "dashboard.read", platform);
  const weekAgo = new Date(now.getTime() - 7 * DAY);
  const dayAgo = new Date(now.getTime() - DAY);
  const deploys = scopeOf(ctx.actor, "deploy.read");
  const releasesIn: Prisma.ReleaseWhereInput = deploys.all ? {} : { service: { projectId: { in: deploys.projectIds } } };
  const openTickets: Prisma.TicketWhereInput = { AND: [visibleWhere(ctx.actor), { status: "open" }] };
  const release = {
    id: true,
    number: true,
    tag: true,
    environment: true,
    reason: true,
    finishedAt: true,
    createdAt: true,
    service: { select: { slug: true, project: { select: { slug: true } } } },
  } as const;
  const [delivered, deliveredProd, latestDeliveries, failed, latestFailures, open, oldestOpen, openByAge] = await Promise.all([
    db().release.count({ where: { ...releasesIn, status: "succeeded", finishedAt: { gte: weekAgo } } }),
    db().release.count({ where: { ...releasesIn, status: "succeeded", finishedAt: { gte: weekAgo }, environment: "prod" } }),
    db().release.findMany({
      where: { ...releasesIn, status: "succeeded", finishedAt: { gte: weekAgo } },
      orderBy: { finishedAt: "desc" },
      take: BOARD_ROWS,
      select: release,
    }),
    db().release.count({ where: { ...releasesIn, status: { in: ["failed", "rolled_back"] }, createdAt: { gte: weekAgo } } }),
    db().release.findMany({
      where: { ...releasesIn, status: { in: ["failed", "rolled_back"] } },
      orderBy: { createdAt: "desc" },
      take: BOARD_ROWS,
      select: { ...release, status: true },
    }),
    db().ticket.count({ where: openTickets }),
    db().ticket.findMany({
      where: openTickets,
      orderBy: { createdAt: "asc" },
      take: BOARD_ROWS,
      select: { number: true, title: true, type: true, createdAt: true, project: { select: { slug: true } } },
    }),
    Promise.all([
      db().ticket.count({ where: { AND: [openTickets, { createdAt: { gt: dayAgo } }] } }),
      db().ticket.count({ where: { AND: [openTickets, { createdAt: { gt: weekAgo, lte: dayAgo } }] } }),
      db().ticket.count({ where: { AND: [openTickets, { createdAt: { lte: weekAgo } }] } }),
    ]),
  ]);
  const labels = new Map(allTicketTypes().map((t) => [t.type, t.label]));
  const releaseRow = (r: (typeof latestDeliveries)[number]) => ({
    id: r.id,
    title: `${r.service.project.slug}/${r.service.slug} #${r.number}`,
    tag: r.tag,
    environment: r.environment,
    at: r.finishedAt ?? r.createdAt,
  });
  return {
    deliveries: { count: delivered, prod: deliveredProd, latest: latestDeliveries.map(releaseRow) },
    failures: { count: failed, latest: latestFailures.map((r) => ({ ...releaseRow(r), status: r.status, reason: r.reason })) },
    tickets: {
      open,
      /** Open for less than a day, for up to a week, for longer. */
      ages: { day: openByAge[0], week: openByAge[1], older: openByAge[2] },
      oldest: oldestOpen.map((t) => ({
        number: t.number,
        title: t.title,
        type: labels.get(t.type) ?? t.type,
        project: t.project?.slug ?? null,
        ageDays: Math.floor((now.getTime() - t.createdAt.getTime()) / DAY),
        createdAt: t.createdAt,
      })),
    },
  };
}

export type WatchBoards = Awaited<ReturnType<typeof getWatchBoards>>;

export async function getCatalogDashboard(ctx: Ctx) {
  authorize(ctx, "dashboard.read", platform);
  const [byTeam, byTier, byLifecycle, clusters, services, weekly] = await Promise.all([
    db().team.findMany({
      orderBy: { name: "asc" },
      select: { name: true, _count: { select: { projects: { where: { lifecycle: { not: "archived" } } } } } },
    }),
    db().project.groupBy({ by: ["tier"], where: { lifecycle: { not: "archived" } }, _count: { _all: true } }),
    db().project.groupBy({ by: ["lifecycle"], _count: { _all: true } }),
    db().cluster.groupBy({ by: ["status"], _count: { _all: true } }),
    db().service.groupBy({ by: ["kind"], _count: { _all: true } }),
    db().$queryRaw<{ week: Date; count: bigint }[]>`
      select date_trunc('week', "createdAt") as week, count(*) as count
      from "Project" where "createdAt" > now() - interval '12 weeks'
      group by 1 order by 1`,
  ]);
  return {
    byTeam: byTeam.map((t) => ({ team: t.name, projects: t._count.projects })),
    byTier: byTier.map((t) => ({ tier: t.tier, projects: t._count._all })),
    byLifecycle: byLifecycle.map((t) => ({ lifecycle: t.lifecycle, projects: t._count._all })),
    clusters: clusters.map((c) => ({ status: c.status, clusters: c._count._all })),
    services: services.map((s) => ({ kind: s.kind, services: s._count._all })),
    newProjectsPerWeek: weekly.map((w) => ({ week: w.week.toISOString().slice(0, 10), projects: Number(w.count) })),
  };
}
