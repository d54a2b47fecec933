import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Download } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listAuditEvents, ZAuditQuery } from "@/lib/audit/query";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage, pageParams } from "@/lib/http/page";
import { TimeAgo } from "@/components/shell/time-ago";
import { AuditFilters } from "@/components/catalog/audit-filters";
import { AuditChange } from "@/components/catalog/audit-diff";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "audit.read", platform));
  const raw = await pageParams(searchParams);
  const query = ZAuditQuery.parse(raw);
  const result = await listAuditEvents(ctx, query);
  const pageHref = (page: number) => {
    const p = new URLSearchParams(Object.entries(raw).filter((e): e is [string, string] => Boolean(e[1])));
    p.set("page", String(page));
    return `/admin/audit?${p}`;
  };
  const filters = new URLSearchParams(Object.entries(raw).filter((e): e is [string, string] => Boolean(e[1]) && e[0] !== "page"));
  const exportHref = `/admin/audit/export${filters.size ? `?${filters}` : ""}`;
  return (
    <>
      <PageHeader
        title="Audit log"
        description={`${result.total} events. Each was written in the same transaction as the change it records.`}
        actions={
          <Button asChild variant="outline">
            {/* A download, not a page: no prefetch, no client navigation. */}
            <a href={exportHref} download>
              <Download /> Export CSV
            </a>
          </Button>
        }
      />
      <AuditFilters actions={result.actions} />
      <div className="rounded-md border">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead className="w-36">When</TableHead>
              <TableHead>Actor</TableHead>
              <TableHead>Action</TableHead>
              <TableHead>Target</TableHead>
              <TableHead>Change</TableHead>
              <TableHead className="hidden xl:table-cell">Request</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {result.events.length === 0 && (
              <TableRow>
                <TableCell colSpan={6} className="py-10 text-center text-muted-foreground">
                  No event matches these filters.
                </TableCell>
              </TableRow>
            )}
            {result.events.map((e) => (
              <TableRow key={e.id} className="align-top">
                <TableCell className="text-sm">
                  <TimeAgo date={e.at} />
                </TableCell>
                <TableCell className="text-sm">{e.actorLabel}</TableCell>
                <TableCell>
                  <Badge variant="outline" className="font-mono">
                    {e.action}
                  </Badge>
                </TableCell>
                <TableCell className="text-sm">
                  <span className="text-muted-foreground">{e.targetType}</span> {e.targetLabel}
                </TableCell>
                <TableCell className="max-w-md min-w-48 whitespace-normal">
                  <AuditChange
                    event={{
                      id: e.id,
                      at: e.at.toISOString(),
                      actorLabel: e.actorLabel,
                      action: e.action,
                      targetType: e.targetType,
                      targetLabel: e.targetLabel,
                      requestId: e.requestId,
                      before: e.before,
                      after: e.after,
                    }}
                  />
                </TableCell>
                <TableCell className="hidden font-mono text-xs text-muted-foreground xl:table-cell">{e.requestId.slice(0, 18)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <div className="mt-4 flex items-center justify-end gap-2 text-sm">
        <Button asChild={result.page > 1} variant="outline" size="sm" disabled={result.page <= 1}>
          {result.page > 1 ? <Link href={pageHref(result.page - 1)}>Previous</Link> : <span>Previous</span>}
        </Button>
        <span className="text-muted-foreground">
          Page {result.page} of {result.pages}
        </span>
        <Button asChild={result.page < result.pages} variant="outline" size="sm" disabled={result.page >= result.pages}>
          {result.page < result.pages ? <Link href={pageHref(result.page + 1)}>Next</Link> : <span>Next</span>}
        </Button>
      </div>
    </>
  );
}
