/**
 * The signed-in actor of the current request. The session token (next-auth's
 * JWT in its cookie) says who and which session; on every request (once,
 * through React's cache) the session is checked against Postgres and the
 * roles and memberships are read from it, so signing out, "sign out
 * everywhere", a role change or a disabled account take effect at once.
 */
import { cache } from "react";
import { jwtDecrypt } from "jose";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { hkdfSync, randomUUID } from "node:crypto";
import type { Ctx } from "@/lib/context";
import { env } from "@/lib/env";
import type { Actor } from "./policy";
import { loadSessionActor } from "./actor";
import { ZSessionClaims, type TSessionClaims } from "./session-claims";

/** next-auth's session cookie: `__Secure-` when the portal's URL is https; split in `.0`, `.1`, … when long. */
function sessionCookie(jar: { get(name: string): { value: string } | undefined }, secure: boolean): string | undefined {
  const name = `${secure ? "__Secure-" : ""}next-auth.session-token`;
  const whole = jar.get(name)?.value;
  if (whole) return whole;
  const chunks: string[] = [];
  for (let i = 0; ; i++) {
    const chunk = jar.get(`${name}.${i}`)?.value;
    if (chunk === undefined) break;
    chunks.push(chunk);
  }
  return chunks.length ? chunks.join("") : undefined;
}

/**
 * next-auth 4's session encryption key (next-auth/jwt getDerivedEncryptionKey, no salt), derived once per secret:
 * its `decode` derives it again with HKDF on every request, about 1 % of the server's CPU (docs/performance.md).
 * `decodeSessionToken` is otherwise next-auth's `decode`: a "dir" / A256GCM JWE, 15 s of clock tolerance.
 */
const sessionKeys = new Map<string, Uint8Array>();
function sessionKey(secret: string): Uint8Array {
  let key = sessionKeys.get(secret);
  if (!key) {
    key = new Uint8Array(hkdfSync("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32));
    sessionKeys.set(secret, key);
  }
  return key;
}

/** The payload of a session token next-auth made with this secret; throws for anything else (another secret, expired, not a JWE). */
export async function decodeSessionToken(token: string, secret: string): Promise<unknown> {
  const { payload } = await jwtDecrypt(token, sessionKey(secret), { clockTolerance: 15 });
  return payload;
}

/** The claims of the request's session cookie, when it holds a token we signed (not yet checked against the database). */
export const getSessionClaims = cache(async (): Promise<TSessionClaims | null> => {
  const c = env();
  const token = sessionCookie(await cookies(), c.NEXTAUTH_URL?.startsWith("https://") ?? false);
  if (!token) return null;
  let decoded: unknown;
  try {
    decoded = await decodeSessionToken(token, c.NEXTAUTH_SECRET);
  } catch {
    return null; // not ours, or made with another secret
  }
  const parsed = ZSessionClaims.safeParse(decoded);
  return parsed.success ? parsed.data : null;
});

export const getActor = cache(async (): Promise<Actor | null> => {
  const claims = await getSessionClaims();
  return claims ? loadSessionActor(claims) : null;
});

export const getRequestId = cache(async (): Promise<string> => {
  return (await headers()).get("x-request-id") ?? randomUUID();
});

/** For pages: the request context, or a redirect to sign-in. */
export async function requireCtx(): Promise<Ctx> {
  const actor = await getActor();
  if (!actor) redirect("/signin");
  return { actor, requestId: await getRequestId() };
}
