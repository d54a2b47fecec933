import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeTeam, makeUser } from "@/test/factories";
import { loadActor, loadSessionActor } from "./actor";
import { authOptions } from "./auth";
import { endAllSessions, endSession } from "./sessions";
import { newSessionClaims, SESSION_MAX_AGE_SECONDS, ZSessionClaims, type TSessionClaims } from "./session-claims";

/** A sign-in as next-auth makes it: the jwt callback with the signed-in user. */
async function signIn(user: { id: string; email: string; name: string }): Promise<TSessionClaims> {
  const token = await authOptions().callbacks!.jwt!({ token: { email: user.email, name: user.name }, user: { id: user.id }, account: null });
  return ZSessionClaims.parse(token);
}

describe("sessions end on the server", () => {
  it("each sign-in starts a session of its own that opens the portal", async () => {
    const user = await makeUser("developer");
    const a = await signIn(user);
    const b = await signIn(user);
    expect(a.uid).toBe(user.id);
    expect(a.sid).not.toBe(b.sid);
    expect((await loadSessionActor(a))?.id).toBe(user.id);
  });

  it("a session's actor carries the person's role, project roles and team roles, the same as the actor read by id", async () => {
    const user = await makeUser("ops");
    const other = await makeUser("developer");
    const team = await makeTeam();
    await db().teamMembership.create({ data: { teamId: team.id, userId: user.id, role: "lead" } });
    const owned = await makeProject({ owner: user, teamId: team.id });
    const joined = await makeProject({ owner: other, members: [[user, "viewer"]] });
    const actor = await loadSessionActor(await signIn(user));
    expect(actor).toEqual(await loadActor(user.id));
    expect(actor).toMatchObject({
      platformRole: "ops",
      projectRoles: { [owned.id]: "owner", [joined.id]: "viewer" },
      teamRoles: { [team.id]: "lead" },
    });
    // Someone with no memberships at all gets empty maps, not null.
    expect(await loadSessionActor(await signIn(await makeUser()))).toMatchObject({ projectRoles: {}, teamRoles: {} });
  });

  it("a signed-out session is refused on its next request, while the person's other browsers stay signed in", async () => {
    const user = await makeUser("developer");
    const laptop = await signIn(user);
    const phone = await signIn(user);
    const ctx = await ctxFor(user);

    expect(await endSession(ctx, laptop)).toEqual({ ended: true });
    expect(await loadSessionActor(laptop)).toBeNull();
    expect((await loadSessionActor(phone))?.id).toBe(user.id);

    const events = await db().auditEvent.findMany({ where: { action: "session.end", targetId: user.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, before: expect.objectContaining({ session: laptop.sid }) });
    // Signing out twice (the user menu's action, then next-auth's event) records it once.
    expect(await endSession(ctx, laptop)).toEqual({ ended: false });
    expect(await db().auditEvent.count({ where: { action: "session.end", targetId: user.id } })).toBe(1);
  });

  it("signing out through next-auth itself (POST /api/auth/signout) ends the session too", async () => {
    const user = await makeUser("developer");
    const claims = await signIn(user);
    await authOptions().events!.signOut!({ token: { ...claims }, session: { expires: new Date().toISOString() } });
    expect(await loadSessionActor(claims)).toBeNull();
  });

  it("sign out everywhere ends every session of the person, audited; a sign-in afterwards works", async () => {
    const user = await makeUser("manager");
    const sessions = [await signIn(user), await signIn(user)];
    await endAllSessions(await ctxFor(user), { userId: user.id });
    for (const s of sessions) expect(await loadSessionActor(s)).toBeNull();
    expect((await loadSessionActor(await signIn(user)))?.id).toBe(user.id);
    const [event] = await db().auditEvent.findMany({ where: { action: "session.end_all", targetId: user.id } });
    expect(event).toMatchObject({ actorId: user.id, before: { sessionVersion: 1 }, after: { sessionVersion: 2 } });
  });

  it("only an admin ends someone else's sessions", async () => {
    const dev = await makeUser("developer");
    const other = await makeUser("developer");
    const admin = await makeUser("admin");
    const claims = await signIn(other);
    await expect(endAllSessions(await ctxFor(dev), { userId: other.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(endSession(await ctxFor(dev), claims)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await loadSessionActor(claims)).not.toBeNull();
    await endAllSessions(await ctxFor(admin), { userId: other.id });
    expect(await loadSessionActor(claims)).toBeNull();
  });

  it("a session token from before sessions could be ended (no session id) is refused: it could never be revoked", async () => {
    const user = await makeUser("developer");
    expect(await loadSessionActor({ uid: user.id, sub: user.id, email: user.email })).toBeNull();
  });

  it("a session is over 12 hours after its sign-in, however often its cookie was renewed", async () => {
    const user = await makeUser("developer");
    const now = Date.now();
    const claims = newSessionClaims(user, now - SESSION_MAX_AGE_SECONDS * 1000 + 60_000);
    expect(await loadSessionActor(claims, now)).not.toBeNull();
    expect(await loadSessionActor(claims, now + 60_000)).toBeNull();
  });

  it("disabling a person ends their sessions at once", async () => {
    const user = await makeUser("developer");
    const claims = await signIn(user);
    await db().user.update({ where: { id: user.id }, data: { disabled: true } });
    expect(await loadSessionActor(claims)).toBeNull();
  });

  it("keeps only the ended sessions that would still be valid", async () => {
    const user = await makeUser("developer");
    const old = newSessionClaims(user, Date.now() - SESSION_MAX_AGE_SECONDS * 1000 - 1000);
    await db().endedSession.create({ data: { id: old.sid, userId: user.id, expiresAt: new Date(Date.now() - 1000) } });
    await endSession(await ctxFor(user), await signIn(user));
    expect(await db().endedSession.findUnique({ where: { id: old.sid } })).toBeNull();
    expect(await db().endedSession.count({ where: { userId: user.id } })).toBe(1);
  });
});
