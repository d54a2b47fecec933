import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { getCatalogDashboard } from "@/lib/catalog/summary";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { BarsChart, DonutChart } from "@/components/catalog/catalog-charts";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

export const metadata: Metadata = { title: "Dashboards" };

export default async function DashboardsPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "dashboard.read", platform));
  const d = await getCatalogDashboard(ctx);
  return (
    <>
      <PageHeader title="Dashboards" description="The platform at a glance: what runs, who owns it, where." />
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
