/**
 * What a session token (next-auth's JWT) carries besides next-auth's own
 * claims, and how long a session lasts. The token is a bearer credential: it
 * is checked against Postgres on every request (lib/access/actor.ts) so that
 * signing out ends it on the server, not only in the browser that signed out.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";

/** A session ends this long after its sign-in, however often its cookie is refreshed. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export const ZSessionClaims = z.object({
  /** Our user id (not the identity provider's subject). */
  uid: z.string().min(1),
  /** The session's own id: what signing out puts on the deny-list (EndedSession). */
  sid: z.string().min(1),
  /** The user's sessionVersion at sign-in; "sign out everywhere" raises the user's. */
  sv: z.number().int(),
  /** Sign-in time, seconds since the epoch. next-auth renews `iat`/`exp` whenever it re-issues the cookie; this stays. */
  auth: z.number().int(),
});
export type TSessionClaims = z.infer<typeof ZSessionClaims>;

/** The claims of a new session of `user`, signed in at `now`. */
export function newSessionClaims(user: { id: string; sessionVersion: number }, now: number = Date.now()): TSessionClaims {
  return { uid: user.id, sid: randomUUID(), sv: user.sessionVersion, auth: Math.floor(now / 1000) };
}

/** When the session of these claims ends on its own. */
export function sessionExpiry(claims: Pick<TSessionClaims, "auth">): Date {
  return new Date((claims.auth + SESSION_MAX_AGE_SECONDS) * 1000);
}
