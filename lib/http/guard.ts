/**
 * What proxy.ts does before every request: a request id and the per-request
 * security headers (CSP with a nonce, HSTS over https). Authorization is not
 * decided here: every page, action and route handler checks `can()` itself.
 */
import { NextResponse, type NextRequest } from "next/server";
import type { Env } from "@/lib/env";
import { acceptRequestId, contentSecurityPolicy, HSTS, newNonce, servedOverHttps } from "./security-headers";

export interface GuardSettings {
  dev: boolean;
  publicUrl?: string;
  oidcIssuer?: string;
}

export function guardSettings(e: Pick<Env, "NODE_ENV" | "NEXTAUTH_URL" | "OIDC_ISSUER">): GuardSettings {
  return { dev: e.NODE_ENV === "development", publicUrl: e.NEXTAUTH_URL, oidcIssuer: e.OIDC_ISSUER };
}

export type RequestGuard = (request: NextRequest) => Promise<Response>;

export function createRequestGuard(s: GuardSettings): RequestGuard {
  const formActionOrigins = s.oidcIssuer ? [new URL(s.oidcIssuer).origin] : [];

  return async (request) => {
    const requestId = acceptRequestId(request.headers.get("x-request-id"));
    const https = servedOverHttps(request.headers, s.publicUrl);
    const nonce = newNonce();
    const csp = contentSecurityPolicy({ nonce, dev: s.dev, formActionOrigins, https });
    const headers = new Headers(request.headers);
    headers.set("x-request-id", requestId);
    // Next.js takes the nonce for its own scripts from the request's CSP header; x-nonce is for our components.
    headers.set("content-security-policy", csp);
    headers.set("x-nonce", nonce);
    const response = NextResponse.next({ request: { headers } });
    response.headers.set("x-request-id", requestId);
    response.headers.set("content-security-policy", csp);
    if (https) response.headers.set("strict-transport-security", HSTS);
    return response;
  };
}
