import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { listClusters } from "@/lib/catalog/clusters";

/** The cluster registry with status and the last hour of checks (polled by the Clusters page). */
export const GET = defineRoute("/api/clusters", async (_req, { ctx }) => {
  const clusters = await listClusters(ctx!);
  return NextResponse.json({ clusters });
});
