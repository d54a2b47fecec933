import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { liveCounts } from "@/lib/notifications/stream";

/** The header's bell and the sidebar's inbox count, once (open pages get them pushed from ./stream). */
export const GET = defineRoute("/api/notifications", async (_req, { ctx }) => {
  return NextResponse.json(await liveCounts(ctx!), { headers: { "cache-control": "no-store" } });
});
