import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { getIncidentStamp } from "@/lib/alerting/queries";

/** Whether an incident changed (its version, timeline and firing alerts, as one stamp); polled by its page. */
export const GET = defineRoute<{ number: string }>("/api/incidents/[number]", async (_req, { params, ctx }) => {
  return NextResponse.json(await getIncidentStamp(ctx!, params.number), { headers: { "cache-control": "no-store" } });
});
