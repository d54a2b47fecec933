/**
 * Alertmanager's webhook: POST /api/alerts/webhook with
 * `Authorization: Bearer <token>` (lib/alerting/token.ts) and the webhook
 * payload version 4. 401 without the token (nothing read or stored; an
 * address that keeps failing gets 429), 413 above 1 MiB, 400 saying what is
 * wrong with a malformed payload, 200 "stored" or "already received" (the same
 * body replayed). One transaction per call (lib/alerting/ingest.ts).
 */
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { isAppError, toErrorBody } from "@/lib/errors";
import { defineRoute } from "@/lib/http/route";
import { clientAddress, createRateLimit, tooManyRequests, type RateLimit } from "@/lib/http/rate-limit";
import { isAlertWebhookCall } from "@/lib/alerting/token";
import { ingestWebhook } from "@/lib/alerting/ingest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Alertmanager sends at most a group's alerts per call: 1 MiB is thousands of alerts. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** Failed token attempts per address (an Alertmanager with a wrong token fails a few times a minute at most). */
const AUTH_FAILURES = { points: 20, durationSec: 15 * 60 };

let authFailures: RateLimit | undefined;

const tooLarge = (requestId: string) =>
  NextResponse.json(
    { code: "INVALID_INPUT", message: `The body is larger than ${MAX_WEBHOOK_BYTES} bytes: lower max_alerts in Alertmanager's webhook_config.`, requestId },
    { status: 413 },
  );

/** The body, or null once it passes `max` bytes (read no further). */
async function readCapped(req: NextRequest, max: number): Promise<Buffer | null> {
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

// Not signed in through the session: Alertmanager proves itself with the webhook's bearer token.
export const POST = defineRoute(
  "/api/alerts/webhook",
  async (req: NextRequest, { requestId }) => {
    const c = env();
    authFailures ??= createRateLimit(AUTH_FAILURES);
    const address = clientAddress(req.headers, c.WHARF_PROXY_HOPS);
    if (!isAlertWebhookCall(req.headers.get("authorization"))) {
      const blocked = await authFailures.check(address);
      if (!blocked.ok)
        return tooManyRequests(blocked.retryAfterSec, "Too many calls with a wrong webhook token from your address.", { format: "json", requestId });
      await authFailures.record(address);
      return NextResponse.json(
        {
          code: "UNAUTHENTICATED",
          message: "Send Alertmanager's bearer token (http_config.authorization.credentials of Wharf's receiver, see docs/alerting.md).",
          requestId,
        },
        { status: 401, headers: { "www-authenticate": 'Bearer realm="wharf-alerts"' } },
      );
    }
    if (Number(req.headers.get("content-length") ?? 0) > MAX_WEBHOOK_BYTES) return tooLarge(requestId);
    const body = await readCapped(req, MAX_WEBHOOK_BYTES);
    if (!body) return tooLarge(requestId);
    try {
      const outcome = await ingestWebhook(body);
      return NextResponse.json({ ...outcome, requestId }, { status: 200 });
    } catch (e) {
      // A payload that is not Alertmanager's: 400 with what is wrong (Alertmanager does not retry a 4xx).
      if (isAppError(e) && e.code === "INVALID_INPUT") return NextResponse.json(toErrorBody(e, requestId), { status: 400 });
      throw e;
    }
  },
  { auth: false, rawBody: true },
);
