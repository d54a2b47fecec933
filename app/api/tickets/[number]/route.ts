import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { getTicketProgress } from "@/lib/tickets/query";
import { AppError } from "@/lib/errors";

/** The live part of a ticket (status and provisioning steps), polled by the ticket page. */
export const GET = defineRoute<{ number: string }>("/api/tickets/[number]", async (_req, { params, ctx }) => {
  const number = Number(params.number);
  if (!Number.isInteger(number) || number < 1) throw new AppError("NOT_FOUND", "There is no such ticket.");
  return NextResponse.json(await getTicketProgress(ctx!, number), { headers: { "cache-control": "no-store" } });
});
