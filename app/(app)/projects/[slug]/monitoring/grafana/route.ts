import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { AppError } from "@/lib/errors";
import { getProjectDashboard } from "@/lib/monitoring/dashboards";
import { toGrafana } from "@/lib/monitoring/dashboards-grafana";

/** The project's dashboard as Grafana dashboard JSON, downloaded (monitoring.read). */
export const GET = defineRoute<{ slug: string }>("/projects/[slug]/monitoring/grafana", async (_req, { ctx, params }) => {
  const view = await getProjectDashboard(ctx!, params.slug);
  if (!view.dashboard) throw new AppError("NOT_FOUND", "This project has no dashboard yet: a maintainer generates it on the Monitoring page.");
  const json = toGrafana(view.dashboard.body, view.project, view.dashboard.version);
  return new NextResponse(JSON.stringify(json, null, 2), {
    headers: {
      "content-type": "application/json",
      "content-disposition": `attachment; filename="${view.project.slug}-dashboard-v${view.dashboard.version}.grafana.json"`,
      "cache-control": "no-store",
    },
  });
});
