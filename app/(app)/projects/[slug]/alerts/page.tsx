import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Flame } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { pageParams, pageRead } from "@/lib/http/page";
import { ALERT_LIST_LIMIT, getProjectAlerts } from "@/lib/alerting/queries";
import { listSilences } from "@/lib/alerting/silences";
import { PageHeader } from "@/components/shell/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { FiringAlertsLive, type WireFiring } from "@/components/alerting/alerts-list";
import { IncidentsTable } from "@/components/alerting/incidents-table";
import { SilenceList } from "@/components/alerting/silence-list";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: `Alerts · ${(await params).slug}` };
}

export default async function ProjectAlertsPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  // A project the reader may not read alerts of is a 404, like its other private pages.
  const view = await pageRead(getProjectAlerts(ctx, slug), { hide: true });
  const groups = [
    ...view.alerts.reduce((m, a) => m.set(`${a.teamSlug}\n${a.severity}`, (m.get(`${a.teamSlug}\n${a.severity}`) ?? 0) + 1), new Map<string, number>()),
  ].map(([k, count]) => ({ team: k.split("\n")[0], severity: k.split("\n")[1], count }));
  // Alertmanager's silences carrying project="<slug>" (a value with a reason when Alertmanager cannot be read).
  const silences = await listSilences(ctx, view.project.id);
  const initial: WireFiring = JSON.parse(JSON.stringify({ alerts: view.alerts, total: view.alerts.length, groups }));
  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          <>
            <Link href={`/projects/${view.project.slug}`} className="underline-offset-4 hover:underline">
              {view.project.name}
            </Link>
            : what fires now, and its incidents.
          </>
        }
      />
      <div className="space-y-6">
        <Card>
          <CardHeader>
            <CardTitle>Firing now</CardTitle>
            <CardDescription>Refreshed every few seconds.</CardDescription>
          </CardHeader>
          <CardContent>
            <FiringAlertsLive
              initial={initial}
              query={new URLSearchParams({ project: view.project.slug }).toString()}
              filtered={false}
              limit={ALERT_LIST_LIMIT}
              silenceProjectId={silences.canExpire ? view.project.id : undefined}
            />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Open incidents</CardTitle>
            <CardDescription>Open or acknowledged, newest first.</CardDescription>
          </CardHeader>
          <CardContent>
            {view.active.length === 0 ? (
              <EmptyState icon={Flame} title="No open incident" description="When this project's alerts fire, their incidents show up here." />
            ) : (
              <IncidentsTable incidents={view.active} label="Open incidents" showProject={false} />
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Silences</CardTitle>
            <CardDescription>Alertmanager&apos;s silences of this project: active, pending, then expired.</CardDescription>
          </CardHeader>
          <CardContent>
            <SilenceList projectId={view.project.id} data={JSON.parse(JSON.stringify(silences))} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Recently resolved</CardTitle>
            <CardDescription>
              The last {view.resolved.length || ""} resolved;{" "}
              <Link className="underline" href={`/incidents?project=${view.project.slug}&status=all`}>
                all of this project&apos;s incidents
              </Link>
              .
            </CardDescription>
          </CardHeader>
          <CardContent>
            {view.resolved.length === 0 ? (
              <p className="text-sm text-muted-foreground">No incident has been resolved yet.</p>
            ) : (
              <IncidentsTable incidents={view.resolved} label="Resolved incidents" showProject={false} />
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
