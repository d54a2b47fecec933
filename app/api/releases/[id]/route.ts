import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { getRelease } from "@/lib/deploy/observe";

/** A release's live rollout (polled by its page every 2 s). */
export const GET = defineRoute<{ id: string }>("/api/releases/[id]", async (_req, { params, ctx }) => {
  const r = await getRelease(ctx!, params.id);
  return NextResponse.json(r, { headers: { "cache-control": "no-store" } });
});
