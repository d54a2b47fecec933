import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { readDashboardData } from "@/lib/monitoring/dashboards";

/**
 * Every panel's series of a project's dashboard for one environment, range
 * and set of clusters (monitoring.read), in one answer: the panels are read in
 * parallel, each bounded by its source's timeout (scripts/bench/dashboards.ts
 * measures the whole page).
 */
export const GET = defineRoute<{ slug: string }>("/projects/[slug]/monitoring/data", async (req, { ctx, params }) => {
  const q = req.nextUrl.searchParams;
  const clusters = q.get("cluster");
  const end = q.get("end");
  const data = await readDashboardData(ctx!, {
    slug: params.slug,
    environment: q.get("env") || undefined, // parsed (and refused with what to fix) by readDashboardData
    range: q.get("range") || undefined, // parsed (and refused with what to fix) by readDashboardData
    clusters: clusters ? clusters.split(",").filter(Boolean) : undefined,
    end: end ? Number(end) : undefined,
  });
  return NextResponse.json(data, { headers: { "cache-control": "no-store" } });
});
