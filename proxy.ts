/**
 * Runs before every request (lib/http/guard.ts): a request id (kept through
 * logs and audit records), rate limits on sign-in, Git and public routes, and
 * the CSP and HSTS headers. Authorization is not decided here: every page,
 * action and route handler checks `can()` itself.
 */
import type { NextRequest } from "next/server";
import { envPart } from "@/lib/env";
import { createRequestGuard, guardSettings, type RequestGuard } from "@/lib/http/guard";

let guard: RequestGuard | undefined;

export function proxy(request: NextRequest) {
  guard ??= createRequestGuard(
    guardSettings(
      envPart("NODE_ENV", "NEXTAUTH_URL", "OIDC_ISSUER", "WHARF_PROXY_HOPS", "WHARF_RATE_LIMIT_SIGNIN", "WHARF_RATE_LIMIT_GIT", "WHARF_RATE_LIMIT_PUBLIC"),
    ),
  );
  return guard(request);
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
