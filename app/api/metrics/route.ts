import { NextResponse } from "next/server";
import { env } from "@/lib/env";
import { defineRoute } from "@/lib/http/route";
import { metrics } from "@/lib/telemetry/metrics";
import { secretEquals } from "@/lib/crypto/compare";

/** Prometheus metrics of this web instance plus the queue and cluster gauges. Bearer-protected when WHARF_METRICS_TOKEN is set (always, in production). */
export const GET = defineRoute(
  "/api/metrics",
  async (req) => {
    const token = env().WHARF_METRICS_TOKEN;
    // Production requires the token (lib/env.ts refuses to start without it); compared in constant time.
    const given = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
    if (token && !secretEquals(given, token)) {
      return NextResponse.json({ code: "UNAUTHENTICATED", message: "A bearer token is required for metrics." }, { status: 401 });
    }
    const registry = metrics().registry;
    return new NextResponse(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
  },
  { auth: false },
);
