import { NextResponse } from "next/server";
import { z } from "zod";
import { defineRoute } from "@/lib/http/route";
import { parseInput } from "@/lib/errors";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { listPods } from "@/lib/deploy/observe";

const ZQuery = z.object({ env: z.enum(ENVIRONMENTS) });

/** A service's pods in an environment, per cluster (polled by the service page while it is open). */
export const GET = defineRoute<{ id: string }>("/api/services/[id]/pods", async (req, { params, ctx }) => {
  const { env } = parseInput(ZQuery, Object.fromEntries(req.nextUrl.searchParams));
  const pods = await listPods(ctx!, params.id, env);
  return NextResponse.json(pods, { headers: { "cache-control": "no-store" } });
});
