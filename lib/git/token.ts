/**
 * Git access tokens: what a developer types as the password when cloning
 * from the portal's store (the user name is their e-mail). A token is
 * `wgt_<payload>.<signature>`: the user's id and an expiry, signed with a
 * key derived from NEXTAUTH_SECRET. It proves who the caller is and nothing
 * more: what they may read is decided on every request from their current
 * roles, so leaving a project or being disabled takes effect at once.
 * Rotating NEXTAUTH_SECRET revokes every token.
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";

const PREFIX = "wgt_";

function key(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "wharf", "git access token v1", 32));
}

function sign(payload: string, secret: string): string {
  return createHmac("sha256", key(secret)).update(payload).digest("base64url");
}

export interface IssuedGitToken {
  token: string;
  expiresAt: Date;
}

export function issueGitToken(userId: string, opts: { now?: number; days?: number; secret?: string } = {}): IssuedGitToken {
  const now = opts.now ?? Date.now();
  const days = opts.days ?? env().WHARF_GIT_TOKEN_DAYS;
  const secret = opts.secret ?? env().NEXTAUTH_SECRET;
  const exp = Math.floor(now / 1000) + days * 86_400;
  const payload = Buffer.from(JSON.stringify({ u: userId, e: exp })).toString("base64url");
  return { token: `${PREFIX}${payload}.${sign(payload, secret)}`, expiresAt: new Date(exp * 1000) };
}

/** The user id a token was issued to, or null when it is malformed, forged or expired. */
export function verifyGitToken(token: string, opts: { now?: number; secret?: string } = {}): { userId: string; expiresAt: Date } | null {
  if (!token.startsWith(PREFIX)) return null;
  const [payload, signature, extra] = token.slice(PREFIX.length).split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(sign(payload, opts.secret ?? env().NEXTAUTH_SECRET));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const { u, e } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { u?: unknown; e?: unknown };
    if (typeof u !== "string" || typeof e !== "number") return null;
    if (e * 1000 <= (opts.now ?? Date.now())) return null;
    return { userId: u, expiresAt: new Date(e * 1000) };
  } catch {
    return null;
  }
}
