import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { parseInput } from "@/lib/errors";
import { deploymentMatrix, ZMatrixQuery } from "@/lib/deploy/matrix";

/**
 * The deployment matrix (polled by the Deployments page): `?project=&env=&q=&page=&size=`, a page of
 * the services the actor may see. A bad value is answered 422 with what to fix, per parameter.
 */
export const GET = defineRoute("/api/matrix", async (req, { ctx }) => {
  const options = parseInput(ZMatrixQuery, Object.fromEntries(req.nextUrl.searchParams));
  const m = await deploymentMatrix(ctx!, options);
  return NextResponse.json(m, { headers: { "cache-control": "no-store" } });
});
