import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { getRoutingStatus } from "@/lib/alerting/routing-apply";
import { allowPage, pageRead } from "@/lib/http/page";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { RefreshWhileQueued, RoutingApplyButton } from "@/components/alerting/routing-status";

export const metadata: Metadata = { title: "Alert routing" };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export default async function AdminAlertingPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "alerting.routing.read", platform));
  const s = await pageRead(getRoutingStatus(ctx));
  return (
    <>
      <PageHeader
        title="Alertmanager routing"
        description="Wharf generates Alertmanager's configuration from its teams, projects and maintenance windows, writes it and reloads Alertmanager whenever they change."
      />
      <RefreshWhileQueued queued={s.queued} />
      {!s.configured && (
        <Alert className="mb-4">
          <AlertTitle>Not written by Wharf here</AlertTitle>
          <AlertDescription>WHARF_ALERTMANAGER_CONFIG_FILE is not set: Wharf shows what it would write but writes nothing.</AlertDescription>
        </Alert>
      )}
      {s.state.lastError && (
        <Alert variant="destructive" className="mb-4" data-testid="routing-error">
          <AlertTitle>
            The last run failed <TimeAgo date={s.state.lastErrorAt} />
          </AlertTitle>
          <AlertDescription className="break-words whitespace-pre-wrap">{s.state.lastError}</AlertDescription>
        </Alert>
      )}
      <Card className="mb-4">
        <CardHeader>
          <CardTitle>State</CardTitle>
          <CardDescription className="break-all">
            {s.file ?? "no file"} → {s.alertmanagerUrl ?? "no Alertmanager (WHARF_ALERTMANAGER_URL)"}
          </CardDescription>
          {s.canApply && (
            <CardAction>
              <RoutingApplyButton disabled={!s.configured || s.queued} />
            </CardAction>
          )}
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="routing-state">
            <dt className="text-muted-foreground">Last written</dt>
            <dd>{s.state.writtenAt ? <TimeAgo date={s.state.writtenAt} /> : "never"}</dd>
            <dt className="text-muted-foreground">Last loaded</dt>
            <dd>{s.state.loadedAt ? <TimeAgo date={s.state.loadedAt} /> : "never"}</dd>
            <dt className="text-muted-foreground">Last checked</dt>
            <dd>{s.state.checkedAt ? <TimeAgo date={s.state.checkedAt} /> : "never"}</dd>
            <dt className="text-muted-foreground">Routes</dt>
            <dd>
              {plural(s.state.teams, "team")}, {plural(s.state.projects, "project")}, {plural(s.state.windows, "maintenance window")}
            </dd>
            <dt className="text-muted-foreground">Now</dt>
            <dd>{s.queued ? "a run is queued…" : s.pending ? "changes not loaded yet" : "Alertmanager runs what is generated"}</dd>
            <dt className="text-muted-foreground">Webhook</dt>
            <dd className="break-all">{s.webhookUrl}</dd>
          </dl>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Generated configuration</CardTitle>
          <CardDescription>As Wharf generates it now (the webhook&apos;s token hidden).</CardDescription>
        </CardHeader>
        <CardContent>
          <pre className="max-h-[32rem] overflow-auto rounded-md bg-muted p-3 text-xs" aria-label="Generated Alertmanager configuration" tabIndex={0}>
            {s.text}
          </pre>
        </CardContent>
      </Card>
    </>
  );
}
