import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { notFound } from "next/navigation";
import { requireCtx } from "@/lib/access/session";
import { getTicket } from "@/lib/tickets/query";
import { PageHeader } from "@/components/shell/page-header";
import { RelativeTime } from "@/components/shell/relative-time";
import { TicketView } from "@/components/tickets/ticket-view";
import { StepList, type StepView } from "@/components/tickets/step-list";
import { TicketFailedBanner, TicketLive, TicketStatus } from "@/components/tickets/ticket-live";
import { CancelButton, CommentForm, DecisionPanel } from "@/components/tickets/ticket-actions";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { pageParams, pageRead } from "@/lib/http/page";

export async function generateMetadata({ params }: { params: Promise<{ number: string }> }): Promise<Metadata> {
  return { title: `Ticket #${(await params).number}` };
}

export default async function TicketPage({ params }: { params: Promise<{ number: string }> }) {
  const ctx = await requireCtx();
  const number = Number((await pageParams(params)).number);
  if (!Number.isInteger(number) || number < 1) notFound();
  const ticket = await pageRead(getTicket(ctx, number), { hide: true });
  const steps: StepView[] = ticket.run
    ? ticket.run.steps.map((s) => ({ ...s, clusterName: s.cluster?.name ?? null, nextAttemptAt: s.nextAttemptAt?.toISOString() ?? null }))
    : (ticket.plan ?? []).map((d) => ({
        key: d.key,
        kind: d.kind,
        title: d.title,
        target: d.target,
        clusterName: d.clusterName ?? null,
        environment: d.environment ?? null,
        status: "pending",
        spec: d.spec,
      }));
  return (
    <TicketLive number={ticket.number} initialStatus={ticket.status}>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono text-muted-foreground">#{ticket.number}</span> {ticket.title}
          </span>
        }
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Badge variant="outline">{ticket.typeLabel}</Badge>
            <TicketStatus />
            {ticket.requiresAdmin && <Badge variant="warning">needs an admin</Badge>}
            <span>
              by {ticket.requester.name}, <RelativeTime date={ticket.createdAt} />
            </span>
            {ticket.project && (
              <Link className="underline" href={`/projects/${ticket.project.slug}`}>
                {ticket.project.slug}
              </Link>
            )}
          </span>
        }
        actions={ticket.rights.cancel ? <CancelButton ticketId={ticket.id} /> : undefined}
      />
      <TicketFailedBanner hint={ticket.failedHint} />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card>
            <CardHeader>
              <CardTitle>Request</CardTitle>
            </CardHeader>
            <CardContent>
              <TicketView view={ticket.view} />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>{ticket.run ? "Provisioning" : "Plan"}</CardTitle>
              <CardDescription>
                {ticket.run
                  ? "Each step runs as a job on its cluster; failed attempts retry with backoff."
                  : ticket.status === "open"
                    ? "What approving this request will do, on which cluster. Open a step to see its YAML."
                    : "Nothing was provisioned for this ticket."}
              </CardDescription>
            </CardHeader>
            <CardContent>
              {steps.length ? (
                <StepList initialSteps={steps} canRetry={ticket.rights.retry} />
              ) : (
                <p className="text-sm text-muted-foreground">
                  {ticket.status === "open" ? "Approving runs nothing on a cluster: it does what the request above says." : "No steps."}
                </p>
              )}
            </CardContent>
          </Card>
        </div>
        <div className="space-y-6">
          {ticket.status === "open" && (
            <Card>
              <CardHeader>
                <CardTitle>Decision</CardTitle>
                {!ticket.rights.decide && <CardDescription>{ticket.rights.decideReason}</CardDescription>}
              </CardHeader>
              {ticket.rights.decide && (
                <CardContent>
                  <DecisionPanel ticketId={ticket.id} />
                </CardContent>
              )}
            </Card>
          )}
          {ticket.decidedBy && (
            <Card>
              <CardHeader>
                <CardTitle>{ticket.status === "rejected" ? "Rejected" : "Approved"}</CardTitle>
                <CardDescription>
                  by {ticket.decidedBy.name}, {ticket.decidedAt && <RelativeTime date={ticket.decidedAt} />}
                </CardDescription>
              </CardHeader>
              {ticket.decisionComment && <CardContent className="text-sm">{ticket.decisionComment}</CardContent>}
            </Card>
          )}
          <Card>
            <CardHeader>
              <CardTitle>Comments</CardTitle>
            </CardHeader>
            <CardContent className="space-y-4">
              {ticket.comments.length === 0 && <p className="text-sm text-muted-foreground">No comments yet.</p>}
              <ul className="space-y-3" aria-label="Comments">
                {ticket.comments.map((c) => (
                  <li key={c.id} className="text-sm">
                    <span className="font-medium">{c.author.name}</span>{" "}
                    <span className="text-xs text-muted-foreground">
                      <RelativeTime date={c.createdAt} />
                    </span>
                    <p className="whitespace-pre-wrap">{c.body}</p>
                  </li>
                ))}
              </ul>
              <CommentForm ticketId={ticket.id} />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>History</CardTitle>
            </CardHeader>
            <CardContent>
              <ol className="space-y-2 text-sm" aria-label="History">
                {ticket.history.map((h) => (
                  <li key={h.id}>
                    <span className="font-medium">{h.actorLabel}</span> <span className="text-muted-foreground">{h.action.replace("ticket.", "")}</span>
                    <div className="text-xs text-muted-foreground">
                      <RelativeTime date={h.at} />
                    </div>
                  </li>
                ))}
              </ol>
            </CardContent>
          </Card>
        </div>
      </div>
    </TicketLive>
  );
}
