/** Builds the Actor of a user from the database: platform role and project roles. */
import { db } from "@/lib/db/client";
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

/**
 * The actor of a session token's claims, or null when the session is over:
 * claims missing (a token from before sessions could be ended, which nothing
 * could revoke), past its absolute end, the session signed out (deny-list),
 * all the user's sessions ended (version), or the user disabled or gone.
 * One query, the same the actor needs anyway.
 */
export async function loadSessionActor(rawClaims: unknown, now: number = Date.now()): Promise<Actor | null> {
  const parsed = ZSessionClaims.safeParse(rawClaims);
  if (!parsed.success) return null;
  const claims = parsed.data;
  if (sessionExpiry(claims).getTime() <= now) return null;
  const user = await db().user.findUnique({
    where: { id: claims.uid },
    include: { ...withRoles, endedSessions: { where: { id: claims.sid }, select: { id: true } } },
  });
  if (!user || user.disabled || user.sessionVersion !== claims.sv || user.endedSessions.length > 0) return null;
  return toActor(user);
}
