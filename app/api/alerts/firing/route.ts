import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { listFiringAlerts, ZAlertFilters } from "@/lib/alerting/queries";
import { parseInput } from "@/lib/errors";

/** Alerts firing now in the reader's scope, with the /alerts page's filters; polled by that page. */
export const GET = defineRoute("/api/alerts/firing", async (req, { ctx }) => {
  const filters = parseInput(ZAlertFilters, Object.fromEntries(req.nextUrl.searchParams));
  const { alerts, total, groups } = await listFiringAlerts(ctx!, filters);
  return NextResponse.json({ alerts, total, groups }, { headers: { "cache-control": "no-store" } });
});
