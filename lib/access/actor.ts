/** Builds the Actor of a user from the database: platform role and project roles. */
import { db } from "@/lib/db/client";
import { Prisma as Sql } from "@/lib/db/generated/client";
import { prepared } from "@/lib/db/prepared";
import type { Actor } from "./policy";
import type { TeamRole } from "./roles";
import { sessionExpiry, ZSessionClaims } from "./session-claims";

const withRoles = { projectMembers: { select: { projectId: true, role: true } }, teamMemberships: { select: { teamId: true, role: true } } } as const;

function toActor(user: {
  id: string;
  name: string;
  email: string;
  platformRole: Actor["platformRole"];
  projectMembers: { projectId: string; role: Actor["projectRoles"][string] }[];
  teamMemberships: { teamId: string; role: TeamRole }[];
}): Actor {
  return {
    kind: "user",
    id: user.id,
    name: user.name,
    email: user.email,
    platformRole: user.platformRole,
    projectRoles: Object.fromEntries(user.projectMembers.map((m) => [m.projectId, m.role])),
    teamRoles: Object.fromEntries(user.teamMemberships.map((m) => [m.teamId, m.role])),
  };
}

/** The actor of an active user, whatever session or token brought them (null when disabled or gone). */
export async function loadActor(userId: string): Promise<Actor | null> {
  const user = await db().user.findUnique({ where: { id: userId }, include: withRoles });
  if (!user || user.disabled) return null;
  return toActor(user);
}

/** The row of `loadSessionActor`'s one query: the user, their roles, and whether this session was ended. */
interface SessionActorRow {
  id: string;
  name: string;
  email: string;
  platformRole: Actor["platformRole"];
  disabled: boolean;
  sessionVersion: number;
  projectMembers: { projectId: string; role: Actor["projectRoles"][string] }[];
  teamMemberships: { teamId: string; role: TeamRole }[];
  ended: boolean;
}

/**
 * The actor of a session token's claims, or null when the session is over:
 * claims missing (a token from before sessions could be ended, which nothing
 * could revoke), past its absolute end, the session signed out (deny-list),
 * all the user's sessions ended (version), or the user disabled or gone.
 * It runs on every request, so it is one statement, one round trip (Prisma's
 * include took two, four statements): the user with their roles and the
 * session's deny-list entry, read together.
 */
export async function loadSessionActor(rawClaims: unknown, now: number = Date.now()): Promise<Actor | null> {
  const parsed = ZSessionClaims.safeParse(rawClaims);
  if (!parsed.success) return null;
  const claims = parsed.data;
  if (sessionExpiry(claims).getTime() <= now) return null;
  const [user] = await db().$queryRaw<SessionActorRow[]>(
    prepared(Sql.sql`
    select u.id, u.name, u.email, u."platformRole"::text as "platformRole", u.disabled, u."sessionVersion",
           coalesce((select json_agg(json_build_object('projectId', m."projectId", 'role', m.role::text))
                       from "ProjectMember" m where m."userId" = u.id), '[]') as "projectMembers",
           coalesce((select json_agg(json_build_object('teamId', t."teamId", 'role', t.role::text))
                       from "TeamMembership" t where t."userId" = u.id), '[]') as "teamMemberships",
           exists(select 1 from "EndedSession" e where e.id = ${claims.sid} and e."userId" = u.id) as ended
      from "User" u
     where u.id = ${claims.uid}`),
  );
  if (!user || user.disabled || user.sessionVersion !== claims.sv || user.ended) return null;
  return toActor(user);
}
