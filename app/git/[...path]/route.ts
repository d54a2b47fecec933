/**
 * Git smart HTTP over the portal's repository store: `git clone
 * <portal>/git/<slug>.git`, and `git push` by members with write rights,
 * each pushed branch or tag starting its CI runs (lib/ci/push.ts).
 * Access: see lib/git/access.ts.
 * Requests per address are limited in proxy.ts; failed Basic-auth attempts
 * are counted here, where the answer is known.
 */
import type { NextRequest } from "next/server";
import { env } from "@/lib/env";
import { defineRoute } from "@/lib/http/route";
import { clientAddress, createRateLimit, tooManyRequests, type RateLimit } from "@/lib/http/rate-limit";
import { startRunsForPush } from "@/lib/ci/push";
import { handleGitHttp } from "@/lib/git/smart-http";
import { gitStoreSettings } from "@/lib/git/store";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

let authFailures: RateLimit | undefined;

// Not signed in through the session: git clients authenticate with HTTP Basic (checked per request).
const handler = defineRoute<{ path: string[] }>(
  "/git/[...path]",
  async (req: NextRequest, { params, requestId }) => {
    const c = env();
    authFailures ??= createRateLimit(c.WHARF_RATE_LIMIT_GIT_AUTH_FAILURES);
    const address = clientAddress(req.headers, c.WHARF_PROXY_HOPS);
    const credentials = req.headers.has("authorization");
    if (credentials) {
      const blocked = await authFailures.check(address);
      if (!blocked.ok) {
        return tooManyRequests(blocked.retryAfterSec, "Too many failed Git sign-ins from your address: check your e-mail and token (from /git/token).", {
          format: "text",
          requestId,
        });
      }
    }
    const res = await handleGitHttp(req, params.path, {
      settings: gitStoreSettings(),
      publicRead: c.WHARF_GIT_PUBLIC_READ,
      onPush: async (push) => void (await startRunsForPush(push)),
    });
    // A 401 to a request without credentials is git's normal first step (the challenge); with credentials it is a failed attempt.
    if (credentials && res.status === 401) await authFailures.record(address);
    return res;
  },
  { auth: false },
);

export const GET = handler;
export const POST = handler;
