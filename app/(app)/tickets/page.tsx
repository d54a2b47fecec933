import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Plus, Ticket } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listTickets, ticketTypeOptions } from "@/lib/tickets/query";
import { TICKET_STATUSES, ZTicketListQuery, type TTicketListQuery } from "@/lib/tickets/schemas";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage, pageParams } from "@/lib/http/page";
import { RelativeTime } from "@/components/shell/relative-time";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";
import { getQuotaLimits } from "@/lib/provisioning/quota-limits";
import { QuotaLimitsDialog } from "@/components/tickets/quota-limits-dialog";

export const metadata: Metadata = { title: "Tickets" };

const VIEWS = [
  { id: "inbox", label: "Waiting for me" },
  { id: "mine", label: "My requests" },
  { id: "all", label: "All I can see" },
] as const;

function href(q: TTicketListQuery, change: Partial<Record<string, string | number | undefined>>) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...change })) if (v !== undefined && String(v) !== "" && !(k === "page" && v === 1)) p.set(k, String(v));
  return `/tickets${p.size ? `?${p}` : ""}`;
}

export default async function TicketsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "ticket.read", platform));
  const q = ZTicketListQuery.parse(await pageParams(searchParams));
  const [result, limits] = await Promise.all([
    listTickets(ctx, q),
    // Ops and admins set the custom-quota limits here, where quota requests reach them.
    can(ctx.actor, "quota.limits.edit", platform) ? getQuotaLimits() : Promise.resolve(null),
  ]);
  const view = result.view;
  return (
    <>
      <PageHeader
        title="Tickets"
        description={
          view === "inbox"
            ? "Requests waiting for your decision, oldest first."
            : view === "mine"
              ? "Your requests and where they stand."
              : "Every ticket you may see."
        }
        actions={
          <div className="flex flex-wrap gap-2">
            {limits && <QuotaLimitsDialog limits={limits} />}
            {can(ctx.actor, "project.request", platform) && (
              <Button asChild>
                <Link href="/projects/onboard">
                  <Plus /> Onboard a project
                </Link>
              </Button>
            )}
          </div>
        }
      />
      <nav className="mb-4 flex flex-wrap items-center gap-2 text-sm" aria-label="Ticket views">
        {VIEWS.map((v) => (
          <Link
            key={v.id}
            href={href({ ...q, page: 1 }, { view: v.id })}
            className={cn("rounded-md px-3 py-1.5", view === v.id ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
            aria-current={view === v.id ? "page" : undefined}
          >
            {v.label}
          </Link>
        ))}
        <span className="mx-2 h-5 w-px bg-border" />
        <form className="flex flex-wrap items-center gap-2" action="/tickets">
          <input type="hidden" name="view" value={view} />
          <select name="type" defaultValue={q.type ?? ""} aria-label="Type" className="h-8 rounded-md border bg-transparent px-2">
            <option value="">All types</option>
            {ticketTypeOptions().map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
          <select name="status" defaultValue={q.status ?? ""} aria-label="Status" className="h-8 rounded-md border bg-transparent px-2">
            <option value="">Any status</option>
            <option value="active">open or in progress</option>
            {TICKET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <select name="age" defaultValue={q.age ? String(q.age) : ""} aria-label="Age" className="h-8 rounded-md border bg-transparent px-2">
            <option value="">Any age</option>
            <option value="1">older than a day</option>
            <option value="3">older than 3 days</option>
            <option value="7">older than a week</option>
          </select>
          <Button size="sm" variant="outline" type="submit">
            Filter
          </Button>
        </form>
      </nav>
      {result.tickets.length === 0 ? (
        <EmptyState
          icon={Ticket}
          title={view === "inbox" ? "Nothing waits for you" : "No tickets here"}
          description={
            view === "inbox"
              ? "Onboarding, access, quota and archive requests you may approve show up here."
              : "Onboard a project, or ask for access or quota from a project's page: your requests show up here."
          }
        />
      ) : (
        <div className="rounded-md border">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead className="w-16">#</TableHead>
                <TableHead>Request</TableHead>
                <TableHead>Type</TableHead>
                <TableHead>Requester</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Opened</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {result.tickets.map((t) => (
                <TableRow key={t.id} data-testid={`ticket-${t.number}`}>
                  <TableCell className="font-mono">#{t.number}</TableCell>
                  <TableCell>
                    <Link href={`/tickets/${t.number}`} className="font-medium hover:underline">
                      {t.title}
                    </Link>
                    {t.project && <div className="text-xs text-muted-foreground">{t.project.slug}</div>}
                  </TableCell>
                  <TableCell>
                    <Badge variant="outline">{t.typeLabel}</Badge>
                    {t.requiresAdmin && (
                      <Badge variant="warning" className="ml-1">
                        admin
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell>{t.requester.name}</TableCell>
                  <TableCell>
                    <StatusBadge status={t.status} />
                  </TableCell>
                  <TableCell className="text-sm text-muted-foreground">
                    <RelativeTime date={t.createdAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {result.pages > 1 && (
        <div className="mt-4 flex justify-end gap-2 text-sm">
          {result.page > 1 && (
            <Button asChild variant="outline" size="sm">
              <Link href={href(q, { view, page: result.page - 1 })}>Previous</Link>
            </Button>
          )}
          <span className="self-center text-muted-foreground">
            Page {result.page} of {result.pages}
          </span>
          {result.page < result.pages && (
            <Button asChild variant="outline" size="sm">
              <Link href={href(q, { view, page: result.page + 1 })}>Next</Link>
            </Button>
          )}
        </div>
      )}
    </>
  );
}
