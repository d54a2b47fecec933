import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { getCatalogDashboard } from "@/lib/catalog/summary";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { BarsChart, DonutChart } from "@/components/catalog/catalog-charts";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { availabilityBoard, resourceBoard, ZBoardQuery } from "@/lib/monitoring/boards";
import { AvailabilityBoards, BoardRangePicker } from "@/components/monitoring/boards-availability";
import { ResourceBoards } from "@/components/monitoring/boards-resources";

export const metadata: Metadata = { title: "Dashboards" };

export default async function DashboardsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "dashboard.read", platform));
  const sp = await searchParams;
  // A range or environment that is not one of the choices falls back to the default rather than an error page.
  const parsed = ZBoardQuery.safeParse({ range: sp.range, environment: sp.env });
  const query = parsed.success ? parsed.data : ZBoardQuery.parse({});
  const [d, availability, resources] = await Promise.all([getCatalogDashboard(ctx), availabilityBoard(ctx, query), resourceBoard(ctx)]);
  return (
    <>
      <PageHeader title="Dashboards" description="The platform at a glance: availability, capacity and quota, what runs, who owns it, where." />
      <section aria-labelledby="boards-availability" className="mb-8 space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="boards-availability" className="text-lg font-semibold">
            Availability
          </h2>
          <BoardRangePicker range={query.range} environment={query.environment} />
        </div>
        <AvailabilityBoards board={availability} />
      </section>
      <section aria-labelledby="boards-resources" className="mb-8 space-y-4">
        <h2 id="boards-resources" className="text-lg font-semibold">
          Capacity and quota
        </h2>
        <ResourceBoards board={resources} />
      </section>
      <h2 className="mb-4 text-lg font-semibold">Catalog</h2>
      <div className="grid gap-6 md:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Projects by team</CardTitle>
            <CardDescription>Active and requested projects.</CardDescription>
          </CardHeader>
          <CardContent>
            <BarsChart data={d.byTeam} x="team" y="projects" label="Projects by team" />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Projects by tier</CardTitle>
            <CardDescription>How much of the estate is business-critical.</CardDescription>
          </CardHeader>
          <CardContent>
            <DonutChart data={d.byTier} name="tier" value="projects" label="Projects by tier" />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>New projects per week</CardTitle>
            <CardDescription>The last twelve weeks.</CardDescription>
          </CardHeader>
          <CardContent>
            <BarsChart data={d.newProjectsPerWeek} x="week" y="projects" label="New projects per week" />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Cluster health</CardTitle>
            <CardDescription>Registered clusters by their last check.</CardDescription>
          </CardHeader>
          <CardContent>
            <DonutChart data={d.clusters} name="status" value="clusters" label="Clusters by status" />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Services by kind</CardTitle>
          </CardHeader>
          <CardContent>
            <BarsChart data={d.services} x="kind" y="services" label="Services by kind" />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Project lifecycle</CardTitle>
          </CardHeader>
          <CardContent>
            <DonutChart data={d.byLifecycle} name="lifecycle" value="projects" label="Projects by lifecycle" />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
