import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { deploymentMatrix } from "@/lib/deploy/matrix";

/** The deployment matrix (polled by the Deployments pages). */
export const GET = defineRoute("/api/matrix", async (req, { ctx }) => {
  const p = req.nextUrl.searchParams;
  const m = await deploymentMatrix(ctx!, { projectSlug: p.get("project") ?? undefined, environment: p.get("env") ?? undefined, q: p.get("q") ?? undefined });
  return NextResponse.json(m, { headers: { "cache-control": "no-store" } });
});
