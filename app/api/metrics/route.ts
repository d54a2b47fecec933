import { NextResponse } from "next/server";
import { config } from "@/lib/config";
import { defineRoute } from "@/lib/http/route";
import { metrics } from "@/lib/observability/metrics";

/** Prometheus metrics of this web instance plus the queue and cluster gauges. Bearer-protected when WHARF_METRICS_TOKEN is set. */
export const GET = defineRoute(
  "/api/metrics",
  async (req) => {
    const token = config().WHARF_METRICS_TOKEN;
    if (token && req.headers.get("authorization") !== `Bearer ${token}`) {
      return NextResponse.json({ code: "UNAUTHENTICATED", message: "A bearer token is required for metrics." }, { status: 401 });
    }
    const registry = metrics().registry;
    return new NextResponse(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
  },
  { auth: false },
);
