/**
 * Sign-in (next-auth v4, JWT sessions):
 * - a generic OpenID Connect provider from OIDC_ISSUER/OIDC_CLIENT_ID/
 *   OIDC_CLIENT_SECRET (Keycloak, Dex, Feishu, ...). The first sign-in creates
 *   the user; WHARF_ADMIN_EMAILS bootstraps admins.
 * - a dev sign-in for the seeded demo users, only when WHARF_DEV_LOGIN is on.
 * Every sign-in starts a session of its own (session-claims.ts) that signing
 * out ends on the server (sessions.ts), whichever way the sign-out came.
 * Options are built lazily: `next build` must not need the environment.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { env, oidcEnabled } from "@/lib/env";
import { db } from "@/lib/db/client";
import { childLogger } from "@/lib/log";
import { recordAudit } from "@/lib/audit/record";
import { SYSTEM_ACTOR } from "./policy";
import { loadActor } from "./actor";
import { endSession } from "./sessions";
import { newSessionClaims, SESSION_MAX_AGE_SECONDS, ZSessionClaims } from "./session-claims";

const log = childLogger("auth");

interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

async function fetchUserinfo(issuer: string, accessToken: string): Promise<Partial<OidcProfile>> {
  const meta = (await (await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })).json()) as {
    userinfo_endpoint?: string;
  };
  if (!meta.userinfo_endpoint) return {};
  const res = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
  return res.ok ? ((await res.json()) as Partial<OidcProfile>) : {};
}

function oidcProvider(): OAuthConfig<OidcProfile> {
  const c = env();
  const issuer = c.OIDC_ISSUER!.replace(/\/$/, "");
  return {
    id: "oidc",
    name: c.OIDC_DISPLAY_NAME,
    type: "oauth",
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    issuer,
    clientId: c.OIDC_CLIENT_ID,
    clientSecret: c.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    // Discovery and token calls to a company IdP across the network can take longer than openid-client's 3.5 s default.
    httpOptions: { timeout: 10_000 },
    // Conforming IdPs may keep scope claims (email, name) out of the ID token and serve them from userinfo only.
    async profile(claims, tokens) {
      const present = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined && v !== null));
      const info: OidcProfile =
        !claims.email && tokens.access_token ? { ...(await fetchUserinfo(issuer, tokens.access_token)), ...present, sub: claims.sub } : claims;
      return {
        id: claims.sub,
        email: info.email ?? null,
        name: info.name ?? info.preferred_username ?? info.email ?? claims.sub,
      };
    },
  };
}

/** Finds or creates the Wharf user for an OIDC identity. Returns null when sign-in must be refused. */
export type OidcSignInResult = { user: { id: string; email: string; platformRole: string; oidcSubject: string | null } } | { error: "NoEmail" | "Disabled" };

export async function upsertOidcUser(issuer: string, profile: { sub: string; email?: string | null; name?: string | null }): Promise<OidcSignInResult> {
  const email = profile.email?.trim().toLowerCase();
  if (!email) return { error: "NoEmail" };
  const admins = env().WHARF_ADMIN_EMAILS;
  return db().$transaction(async (tx): Promise<OidcSignInResult> => {
    const existing =
      (await tx.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: profile.sub } } })) ??
      (await tx.user.findUnique({ where: { email } }));
    const ctx = { actor: SYSTEM_ACTOR, requestId: `signin-${profile.sub}` };
    if (existing) {
      if (existing.disabled) return { error: "Disabled" };
      const user = await tx.user.update({
        where: { id: existing.id },
        data: { lastLoginAt: new Date(), oidcIssuer: issuer, oidcSubject: profile.sub },
      });
      return { user };
    }
    const user = await tx.user.create({
      data: {
        email,
        name: profile.name || email,
        oidcIssuer: issuer,
        oidcSubject: profile.sub,
        platformRole: admins.includes(email) ? "admin" : "developer",
        lastLoginAt: new Date(),
      },
    });
    await recordAudit(tx, ctx, {
      action: "user.create",
      target: { type: "user", id: user.id, label: user.email },
      after: { email: user.email, name: user.name, platformRole: user.platformRole, via: "oidc" },
    });
    return { user };
  });
}

export function authOptions(): NextAuthOptions {
  const c = env();
  const providers: NextAuthOptions["providers"] = [];
  if (oidcEnabled(c)) providers.push(oidcProvider());
  if (c.WHARF_DEV_LOGIN) {
    providers.push(
      CredentialsProvider({
        id: "dev",
        name: "Demo user",
        credentials: { email: { label: "E-mail", type: "email" } },
        async authorize(credentials) {
          // Re-checked here: the flag may have been turned off since the options were built.
          if (!env().WHARF_DEV_LOGIN) return null;
          const email = credentials?.email?.toLowerCase();
          if (!email) return null;
          const user = await db().user.findFirst({ where: { email, isDemo: true, disabled: false } });
          if (!user) return null;
          await db().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    );
  }
  return {
    secret: c.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    providers,
    pages: { signIn: "/signin", error: "/signin" },
    logger: {
      error: (code, metadata) => {
        const err = (metadata as { error?: Error } | undefined)?.error ?? (metadata instanceof Error ? metadata : undefined);
        log.error({ code, err, provider: (metadata as { providerId?: string } | undefined)?.providerId }, `sign-in error: ${err?.message ?? code}`);
      },
      warn: (code) => log.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
    callbacks: {
      async signIn({ user, account }) {
        if (account?.provider !== "oidc") return true;
        const result = await upsertOidcUser(c.OIDC_ISSUER!.replace(/\/$/, ""), {
          sub: account.providerAccountId,
          email: user.email,
          name: user.name,
        });
        if ("error" in result) {
          log.warn({ sub: account.providerAccountId, reason: result.error }, "OIDC sign-in refused");
          return `/signin?error=${result.error}`;
        }
        // Carried to the jwt callback: from here on the session knows our id, not the IdP's subject.
        (user as { wharfId?: string }).wharfId = result.user.id;
        return true;
      },
      async jwt({ token, user }) {
        if (!user) return token;
        // A sign-in: a new session of its own, at the user's current session version.
        const id = (user as { wharfId?: string }).wharfId ?? user.id;
        const { sessionVersion } = await db().user.findUniqueOrThrow({ where: { id }, select: { sessionVersion: true } });
        return { ...token, ...newSessionClaims({ id, sessionVersion }) };
      },
      async session({ session, token }) {
        if (session.user) (session.user as { id?: string }).id = typeof token.uid === "string" ? token.uid : undefined;
        return session;
      },
    },
    events: {
      // Every sign-out ends its session on the server, also a POST to /api/auth/signout that did not come through the
      // user menu's action (which ends it first, and tells the person when it could not; next-auth only logs errors here).
      async signOut({ token }) {
        const claims = ZSessionClaims.safeParse(token);
        if (!claims.success) return;
        const actor = await loadActor(claims.data.uid);
        if (!actor) return; // a disabled or removed user has no session left to end
        await endSession({ actor, requestId: `signout-${claims.data.sid}` }, claims.data);
      },
    },
  };
}
