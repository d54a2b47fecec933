import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { pageParams, pageRead } from "@/lib/http/page";
import { getIncident } from "@/lib/alerting/queries";
import { unsafeIncidentChatStatus } from "@/lib/alerting/chat";
import { incidentSilenceMatchers } from "@/lib/alerting/silence-matchers";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AlertStatusBadge, IncidentStatusBadge, SeverityBadge } from "@/components/alerting/alerts-badges";
import { AssignForm, IncidentActions, IncidentCommentForm } from "@/components/alerting/incident-actions";
import { IncidentLive } from "@/components/alerting/incident-live";
import { Timeline } from "@/components/alerting/timeline";
import { ChatStatus } from "@/components/alerting/chat-status";
import { SilenceDialog } from "@/components/alerting/silence-dialog";

export async function generateMetadata({ params }: { params: Promise<{ number: string }> }): Promise<Metadata> {
  return { title: `INC-${(await params).number}` };
}

export default async function IncidentPage({
  params,
  searchParams,
}: {
  params: Promise<{ number: string }>;
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const ctx = await requireCtx();
  const [{ number }, query] = await Promise.all([pageParams(params), pageParams(searchParams)]);
  // Another project's incident is a 404: its existence does not leak.
  const view = await pageRead(getIncident(ctx, number), { hide: true });
  const i = view.incident;
  const ref = { id: i.id, number: i.number, status: i.status, version: i.version, assigneeId: i.assigneeId };
  const stamp = `${i.version}:${view.timeline.length}:${view.alerts.filter((a) => a.status === "firing").length}`;
  const chatFailures = view.incident.chat.filter((c) => c.lastError);
  // getIncident checked alert.read on the incident's project.
  const chat = await unsafeIncidentChatStatus(i.id);
  const canSilence = view.rights.silence && i.project !== null;
  return (
    <>
      <IncidentLive number={i.number} stamp={stamp} />
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="font-mono">INC-{i.number}</span>
            <span className="break-words">{i.title}</span>
          </span>
        }
        description={
          <span className="flex flex-wrap items-center gap-2">
            <IncidentStatusBadge status={i.status} />
            <SeverityBadge severity={i.severity} />
            {i.project && (
              <Link className="underline-offset-4 hover:underline" href={`/projects/${i.project.slug}/alerts`}>
                {i.project.slug}
              </Link>
            )}
            {i.serviceSlug && (
              <span>
                {i.project ? (
                  <Link className="underline-offset-4 hover:underline" href={`/projects/${i.project.slug}/services/${i.serviceSlug}?env=${i.environment}`}>
                    {i.serviceSlug}
                  </Link>
                ) : (
                  i.serviceSlug
                )}
              </span>
            )}
            {i.environment && <span>in {i.environment}</span>}
            {view.clusters.length > 0 && <span data-testid="incident-clusters">on {view.clusters.join(", ")}</span>}
          </span>
        }
        actions={
          view.rights.respond || canSilence ? (
            <>
              {view.rights.respond && <IncidentActions incident={ref} autoAck={query.action === "ack" && i.status === "open"} />}
              {canSilence && i.project && (
                <SilenceDialog
                  projectId={i.project.id}
                  matchers={incidentSilenceMatchers(i)}
                  incidentId={i.id}
                  defaultOpen={query.action === "silence"}
                  trigger="Silence…"
                />
              )}
            </>
          ) : undefined
        }
      />
      {!view.rights.respond && (
        <p className="mb-4 text-sm text-muted-foreground" data-testid="read-only">
          You can read this incident. Acknowledging, assigning and resolving it need the developer role (or above) in its project.
        </p>
      )}
      {chatFailures.length > 0 && (
        <div role="alert" className="mb-4 rounded-lg border border-destructive/50 p-3 text-sm text-destructive">
          The chat message could not be sent{chatFailures.length > 1 ? ` to ${chatFailures.length} channels` : ""}: {chatFailures[0].lastError} (Wharf retries
          with backoff; {chatFailures[0].attempts} attempts so far).
        </div>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="min-w-0 space-y-6 lg:col-span-2">
          <Card>
            <CardHeader>
              <CardTitle>Alerts</CardTitle>
              <CardDescription>Each alert of this incident, per cluster: firing or resolved, since when.</CardDescription>
            </CardHeader>
            <CardContent>
              {view.alerts.length === 0 ? (
                <p className="text-sm text-muted-foreground">No alert is attached to this incident.</p>
              ) : (
                <div className="overflow-x-auto">
                  <Table aria-label="Alerts of this incident">
                    <TableHeader>
                      <TableRow>
                        <TableHead>Cluster</TableHead>
                        <TableHead>Alert</TableHead>
                        <TableHead>State</TableHead>
                        <TableHead>Since</TableHead>
                        <TableHead>Ended</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {view.alerts.map((a) => (
                        <TableRow key={a.id} data-testid={`incident-alert-${a.cluster || "none"}`}>
                          <TableCell className="whitespace-nowrap">{a.cluster || "—"}</TableCell>
                          <TableCell className="min-w-[12rem] whitespace-normal">
                            <div className="font-medium break-all">{a.alertname}</div>
                            {(a.annotations.summary || a.annotations.description) && (
                              <div className="text-xs break-words text-muted-foreground">{a.annotations.summary || a.annotations.description}</div>
                            )}
                          </TableCell>
                          <TableCell>
                            <AlertStatusBadge status={a.status} />
                          </TableCell>
                          <TableCell className="whitespace-nowrap">
                            <TimeAgo date={a.startsAt} />
                          </TableCell>
                          <TableCell className="whitespace-nowrap">{a.endsAt && a.status === "resolved" ? <TimeAgo date={a.endsAt} /> : "—"}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </div>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Timeline</CardTitle>
              <CardDescription>Alerts, the release, acknowledgements, comments, escalations, chat messages, silences, rollback and resolution.</CardDescription>
            </CardHeader>
            <CardContent className="space-y-6">
              <Timeline entries={view.timeline} />
              {view.rights.respond && <IncidentCommentForm incidentId={i.id} />}
            </CardContent>
          </Card>
        </div>
        <div className="min-w-0 space-y-6">
          <Card>
            <CardHeader>
              <CardTitle>Details</CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
                <dt className="text-muted-foreground">Opened</dt>
                <dd>
                  <TimeAgo date={i.openedAt} />
                </dd>
                <dt className="text-muted-foreground">Acknowledged</dt>
                <dd data-testid="incident-acknowledged">
                  {i.acknowledgedAt ? (
                    <>
                      <TimeAgo date={i.acknowledgedAt} /> by {view.acknowledgedBy}
                    </>
                  ) : (
                    "not yet"
                  )}
                </dd>
                <dt className="text-muted-foreground">Assignee</dt>
                <dd data-testid="incident-assignee">{i.assignee?.name ?? "nobody"}</dd>
                {i.resolvedAt && (
                  <>
                    <dt className="text-muted-foreground">Resolved</dt>
                    <dd>
                      <TimeAgo date={i.resolvedAt} /> by {view.resolvedBy ?? "Wharf (its alerts resolved)"}
                    </dd>
                  </>
                )}
                <dt className="text-muted-foreground">Release</dt>
                <dd data-testid="incident-release">
                  {i.release ? (
                    <Link className="underline-offset-4 hover:underline" href={`/releases/${i.release.id}`}>
                      #{i.release.number} {i.release.tag}
                    </Link>
                  ) : (
                    <span className="text-muted-foreground">none in the window before it fired</span>
                  )}
                </dd>
                {i.team && (
                  <>
                    <dt className="text-muted-foreground">Team</dt>
                    <dd>
                      <Link className="underline-offset-4 hover:underline" href={`/teams/${i.team.slug}`}>
                        {i.team.name}
                      </Link>
                    </dd>
                  </>
                )}
                <dt className="text-muted-foreground">Occurrences</dt>
                <dd>
                  {i.occurrences}
                  {i.minOccurrences > 1 ? ` (opens from ${i.minOccurrences})` : ""}
                </dd>
                {i.escalationLevel > 0 && (
                  <>
                    <dt className="text-muted-foreground">Escalated</dt>
                    <dd>
                      {i.escalationLevel} time{i.escalationLevel > 1 ? "s" : ""}
                      {i.escalatedAt ? (
                        <>
                          , last <TimeAgo date={i.escalatedAt} />
                        </>
                      ) : null}
                    </dd>
                  </>
                )}
              </dl>
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Chat</CardTitle>
              <CardDescription>The incident&apos;s message in its team&apos;s chat channels.</CardDescription>
            </CardHeader>
            <CardContent>
              <ChatStatus status={chat} />
            </CardContent>
          </Card>
          {view.rights.respond && i.project && (
            <Card>
              <CardHeader>
                <CardTitle>Assign</CardTitle>
                <CardDescription>To a member of {i.project.slug}.</CardDescription>
              </CardHeader>
              <CardContent>
                <AssignForm
                  incident={ref}
                  members={
                    // Whoever acknowledged it may be assigned without being a member (ops): keep them in the list.
                    i.assignee && !view.members.some((m) => m.id === i.assignee!.id)
                      ? [...view.members, { id: i.assignee.id, name: i.assignee.name, role: "not a member" }]
                      : view.members
                  }
                />
              </CardContent>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}
