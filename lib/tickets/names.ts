/** Display names for the ids in a ticket's payload. */
import { db } from "@/lib/db/client";

export async function namesForPayload(payload: unknown) {
  const p = (payload ?? {}) as { project?: { teamId?: string; ownerId?: string }; environments?: { clusterIds?: string[] }[]; members?: { userId: string }[] };
  const clusterIds = [...new Set((p.environments ?? []).flatMap((e) => e.clusterIds ?? []))];
  const userIds = [...new Set([p.project?.ownerId, ...(p.members ?? []).map((m) => m.userId)].filter((x): x is string => Boolean(x)))];
  const teamIds = p.project?.teamId ? [p.project.teamId] : [];
  const [clusters, users, teams] = await Promise.all([
    db().cluster.findMany({ where: { id: { in: clusterIds } }, select: { id: true, name: true } }),
    db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true } }),
    db().team.findMany({ where: { id: { in: teamIds } }, select: { id: true, name: true } }),
  ]);
  return {
    clusters: Object.fromEntries(clusters.map((c) => [c.id, c.name])),
    users: Object.fromEntries(users.map((u) => [u.id, u.name])),
    teams: Object.fromEntries(teams.map((t) => [t.id, t.name])),
  };
}
