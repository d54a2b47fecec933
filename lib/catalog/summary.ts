/** Figures for the home page and the platform dashboard, read from the catalog. */
import { db } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { can, platform, scopeOf } from "@/lib/access/policy";

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
      take: 10,
      select: { id: true, at: true, actorLabel: true, action: true, targetLabel: true, targetType: true },
    }),
  ]);
  return { myProjects, projectCount, teamCount, clusters, recent, activityScope: activity.all ? ("platform" as const) : ("mine" as const) };
}

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
