import Link from "@/components/ui/link";
import { TimeAgo } from "@/components/shell/time-ago";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { IncidentRow } from "@/lib/alerting/queries";
import { IncidentStatusBadge, SeverityBadge } from "./alerts-badges";

/** Incidents as a table (wide screens scroll it in its own container): number, title, where, status, times, assignee, release. */
export function IncidentsTable({ incidents, label = "Incidents", showProject = true }: { incidents: IncidentRow[]; label?: string; showProject?: boolean }) {
  return (
    <div className="overflow-x-auto rounded-lg border">
      <Table aria-label={label}>
        <TableHeader>
          <TableRow>
            <TableHead>Incident</TableHead>
            <TableHead>Where</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>Opened</TableHead>
            <TableHead>Acknowledged</TableHead>
            <TableHead>Assignee</TableHead>
            <TableHead>Release</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {incidents.map((i) => (
            <TableRow key={i.id} data-testid={`incident-${i.number}`}>
              <TableCell className="max-w-[28rem] min-w-[14rem] whitespace-normal">
                <div className="flex flex-wrap items-center gap-2">
                  <Link href={`/incidents/${i.number}`} className="font-mono font-medium hover:underline">
                    INC-{i.number}
                  </Link>
                  <SeverityBadge severity={i.severity} />
                </div>
                <div className="mt-1 text-sm break-words">{i.title}</div>
              </TableCell>
              <TableCell className="whitespace-nowrap">
                {showProject && i.project && (
                  <Link href={`/projects/${i.project.slug}/alerts`} className="hover:underline">
                    {i.project.slug}
                  </Link>
                )}
                <div className="text-xs text-muted-foreground">
                  {[i.serviceSlug, i.environment].filter(Boolean).join(" · ")}
                  {i._count.alerts > 0 ? ` · ${i._count.alerts} firing` : ""}
                </div>
              </TableCell>
              <TableCell>
                <IncidentStatusBadge status={i.status} />
              </TableCell>
              <TableCell className="whitespace-nowrap">
                <TimeAgo date={i.openedAt} />
              </TableCell>
              <TableCell className="whitespace-nowrap">
                {i.acknowledgedAt ? <TimeAgo date={i.acknowledgedAt} /> : <span className="text-muted-foreground">not yet</span>}
              </TableCell>
              <TableCell className="whitespace-nowrap">{i.assignee?.name ?? <span className="text-muted-foreground">nobody</span>}</TableCell>
              <TableCell className="whitespace-nowrap">
                {i.release ? (
                  <Link href={`/releases/${i.release.id}`} className="hover:underline">
                    #{i.release.number} {i.release.tag}
                  </Link>
                ) : (
                  <span className="text-muted-foreground">none linked</span>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
