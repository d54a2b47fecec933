import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { listNotifications } from "@/lib/notifications";
import { countInbox } from "@/lib/tickets/query";

/** The header's bell and the sidebar's inbox count, polled. */
export const GET = defineRoute("/api/notifications", async (_req, { ctx }) => {
  const [notifications, inbox] = await Promise.all([listNotifications(ctx!), countInbox(ctx!)]);
  return NextResponse.json({ ...notifications, inbox }, { headers: { "cache-control": "no-store" } });
});
