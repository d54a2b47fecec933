/**
 * Managers' figures per team: incidents open now, and over a window (30 days
 * by default) how many opened, the mean time to acknowledge (MTTA: opened →
 * acknowledged) and to resolve (MTTR: opened → resolved). Read by those who
 * hold `dashboard.read` (managers, ops, admins), within their `alert.read`
 * scope. Pending incidents (below their rule's minimum occurrences) are not
 * counted: nobody was told of them.
 */
import { platform, scopeOf } from "@/lib/access/policy";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";

export interface TeamIncidentStats {
  teamId: string;
  slug: string;
  name: string;
  /** Open or acknowledged now. */
  open: number;
  /** Opened in the window. */
  opened: number;
  /** Of those, acknowledged and resolved. */
  acknowledged: number;
  resolved: number;
  /** Mean seconds from opened to acknowledged / resolved, over the window's incidents that were; null when none was. */
  mttaSeconds: number | null;
  mttrSeconds: number | null;
}

export async function teamIncidentStats(ctx: Ctx, opts: { days?: number; now?: Date } = {}): Promise<{ days: number; teams: TeamIncidentStats[] }> {
  authorize(ctx, "dashboard.read", platform);
  const days = opts.days ?? 30;
  const since = new Date((opts.now ?? new Date()).getTime() - days * 86_400_000);
  const scope = scopeOf(ctx.actor, "alert.read");
  const all = scope.all;
  const projectIds = scope.all ? [] : scope.projectIds;
  const rows = await db().$queryRaw<
    {
      teamId: string;
      slug: string;
      name: string;
      open: bigint;
      opened: bigint;
      acknowledged: bigint;
      resolved: bigint;
      mtta: number | null;
      mttr: number | null;
    }[]
  >`
    select t.id as "teamId", t.slug, t.name,
      count(*) filter (where i.status in ('open', 'acknowledged')) as open,
      count(*) filter (where i."openedAt" >= ${since}) as opened,
      count(*) filter (where i."openedAt" >= ${since} and i."acknowledgedAt" is not null) as acknowledged,
      count(*) filter (where i."openedAt" >= ${since} and i."resolvedAt" is not null) as resolved,
      (avg(extract(epoch from i."acknowledgedAt" - i."openedAt")) filter (where i."openedAt" >= ${since} and i."acknowledgedAt" is not null))::float8 as mtta,
      (avg(extract(epoch from i."resolvedAt" - i."openedAt")) filter (where i."openedAt" >= ${since} and i."resolvedAt" is not null))::float8 as mttr
    from "Incident" i
    join "Team" t on t.id = i."teamId"
    where i.status <> 'pending'
      and (i.status in ('open', 'acknowledged') or i."openedAt" >= ${since})
      and (${all} or i."projectId" = any(${projectIds}::text[]))
    group by t.id, t.slug, t.name
    order by open desc, t.name asc
  `;
  return {
    days,
    teams: rows.map((r) => ({
      teamId: r.teamId,
      slug: r.slug,
      name: r.name,
      open: Number(r.open),
      opened: Number(r.opened),
      acknowledged: Number(r.acknowledged),
      resolved: Number(r.resolved),
      mttaSeconds: r.mtta === null ? null : Math.round(r.mtta),
      mttrSeconds: r.mttr === null ? null : Math.round(r.mttr),
    })),
  };
}

/** "4 min", "2 h 5 min", "3 d 4 h"; an em dash when there is nothing to average. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${seconds} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ""}`;
  const d = Math.floor(h / 24);
  return `${d} d${h % 24 ? ` ${h % 24} h` : ""}`;
}
