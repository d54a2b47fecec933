/**
 * Ending sessions on the server. A session token stays valid in every copy of
 * its cookie until it expires, so signing out must also be recorded here:
 * - signing out ends one session: its id goes on the deny-list (EndedSession)
 *   until the session would have ended anyway, when the row is deleted;
 * - "sign out everywhere" ends all of a user's sessions by raising their
 *   sessionVersion, which every session token carries from its sign-in.
 * loadSessionActor (actor.ts) refuses both on every request. Both are audited.
 * Ending one's own sessions needs no permission: signing out must never depend
 * on the policy. Ending someone else's is `user.manage` (admins).
 */
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { platform } from "./policy";
import { sessionExpiry, type TSessionClaims } from "./session-claims";

/** Ends the session of `claims` (signing out). Ending one that is already over changes nothing and records nothing. */
export async function endSession(ctx: Ctx, claims: TSessionClaims): Promise<{ ended: boolean }> {
  if (claims.uid !== ctx.actor.id) authorize(ctx, "user.manage", platform);
  const now = new Date();
  const expiresAt = sessionExpiry(claims);
  return db().$transaction(async (tx) => {
    // Rows of sessions that are over on their own are of no more use: the table holds only live, ended sessions.
    await tx.endedSession.deleteMany({ where: { expiresAt: { lte: now } } });
    const user = await tx.user.findUnique({ where: { id: claims.uid }, select: { id: true, email: true, sessionVersion: true } });
    if (!user || user.sessionVersion !== claims.sv || expiresAt <= now) return { ended: false };
    const { count } = await tx.endedSession.createMany({ data: [{ id: claims.sid, userId: user.id, endedAt: now, expiresAt }], skipDuplicates: true });
    if (count === 0) return { ended: false };
    await recordAudit(tx, ctx, {
      action: "session.end",
      target: { type: "user", id: user.id, label: user.email },
      before: { session: claims.sid, signedInAt: new Date(claims.auth * 1000), validUntil: expiresAt },
      after: { session: claims.sid, endedAt: now },
    });
    return { ended: true };
  });
}

/** Ends every session of a user at once (sign out everywhere; an admin for a lost laptop). */
export async function endAllSessions(ctx: Ctx, input: { userId: string }): Promise<{ sessionVersion: number }> {
  if (input.userId !== ctx.actor.id) authorize(ctx, "user.manage", platform);
  return db().$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: { email: true, sessionVersion: true } });
    if (!before) throw new AppError("NOT_FOUND", "This user no longer exists.");
    const after = await tx.user.update({ where: { id: input.userId }, data: { sessionVersion: { increment: 1 } }, select: { sessionVersion: true } });
    await recordAudit(tx, ctx, {
      action: "session.end_all",
      target: { type: "user", id: input.userId, label: before.email },
      before: { sessionVersion: before.sessionVersion },
      after: { sessionVersion: after.sessionVersion },
    });
    return after;
  });
}
