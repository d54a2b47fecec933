/**
 * What proxy.ts does before every request: a request id, the rate limits of
 * the unauthenticated doors (sign-in, Git, public API routes), and the
 * per-request security headers (CSP with a nonce, HSTS over https).
 * Authorization is not decided here: every page, action and route handler
 * checks `can()` itself.
 */
import { NextResponse, type NextRequest } from "next/server";
import type { Env } from "@/lib/env";
import { clientAddress, createRateLimit, tooManyRequests, type RateLimit, type RateLimitRule } from "./rate-limit";
import { acceptRequestId, contentSecurityPolicy, HSTS, newNonce, servedOverHttps } from "./security-headers";

export interface GuardSettings {
  dev: boolean;
  publicUrl?: string;
  oidcIssuer?: string;
  proxyHops: number;
  limits: Record<Door, RateLimitRule>;
}

export function guardSettings(
  e: Pick<
    Env,
    "NODE_ENV" | "NEXTAUTH_URL" | "OIDC_ISSUER" | "WHARF_PROXY_HOPS" | "WHARF_RATE_LIMIT_SIGNIN" | "WHARF_RATE_LIMIT_GIT" | "WHARF_RATE_LIMIT_PUBLIC"
  >,
): GuardSettings {
  return {
    dev: e.NODE_ENV === "development",
    publicUrl: e.NEXTAUTH_URL,
    oidcIssuer: e.OIDC_ISSUER,
    proxyHops: e.WHARF_PROXY_HOPS,
    limits: { signin: e.WHARF_RATE_LIMIT_SIGNIN, git: e.WHARF_RATE_LIMIT_GIT, public: e.WHARF_RATE_LIMIT_PUBLIC },
  };
}

/** The unauthenticated doors, each with its own limit. /api/health is for probes and never limited. */
type Door = "signin" | "git" | "public";

function doorOf(pathname: string): Door | null {
  if (/^\/api\/auth\/(signin|callback)(\/|$)/.test(pathname)) return "signin";
  if (pathname === "/git" || pathname.startsWith("/git/")) return "git";
  if (pathname === "/api/metrics") return "public";
  return null;
}

const REFUSAL: Record<Door, string> = {
  signin: "Too many sign-in attempts from your network.",
  git: "Too many Git requests from your address.",
  public: "Too many requests from your address.",
};

function refusalFormat(door: Door, request: NextRequest): "json" | "text" | "html" {
  if (door === "git") return "text"; // git prints a text body to the user
  return (request.headers.get("accept") ?? "").includes("text/html") ? "html" : "json";
}

export type RequestGuard = (request: NextRequest) => Promise<Response>;

export function createRequestGuard(s: GuardSettings): RequestGuard {
  const limits: Record<Door, RateLimit> = {
    signin: createRateLimit(s.limits.signin),
    git: createRateLimit(s.limits.git),
    public: createRateLimit(s.limits.public),
  };
  const formActionOrigins = s.oidcIssuer ? [new URL(s.oidcIssuer).origin] : [];

  return async (request) => {
    const requestId = acceptRequestId(request.headers.get("x-request-id"));
    const https = servedOverHttps(request.headers, s.publicUrl);
    const door = doorOf(request.nextUrl.pathname);
    if (door) {
      const decision = await limits[door].consume(clientAddress(request.headers, s.proxyHops));
      if (!decision.ok) {
        const res = tooManyRequests(decision.retryAfterSec, REFUSAL[door], {
          format: refusalFormat(door, request),
          requestId,
          // next-auth's signIn() follows `url`: the sign-in page then says why.
          extra: door === "signin" ? { url: "/signin?error=RateLimited" } : undefined,
        });
        res.headers.set("x-request-id", requestId);
        if (https) res.headers.set("strict-transport-security", HSTS);
        return res;
      }
    }

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
