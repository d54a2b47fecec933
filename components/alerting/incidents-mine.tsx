import Link from "@/components/ui/link";
import { Flame } from "lucide-react";
import { TimeAgo } from "@/components/shell/time-ago";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { IncidentRow } from "@/lib/alerting/queries";
import { IncidentStatusBadge, SeverityBadge } from "./alerts-badges";

/** The home page's "My open incidents": not resolved, in my projects or assigned to me. Hidden when there are none. */
export function MyOpenIncidents({ incidents, total }: { incidents: IncidentRow[]; total: number }) {
  if (total === 0) return null;
  return (
    <Card className="mb-6 border-destructive/40" role="region" aria-label="My open incidents">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Flame className="size-4 text-destructive" aria-hidden /> My open incidents
        </CardTitle>
        <CardDescription>Not resolved, in your projects or assigned to you.</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="divide-y">
          {incidents.map((i) => (
            <li key={i.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-2" data-testid={`my-incident-${i.number}`}>
              <div className="min-w-0">
                <Link href={`/incidents/${i.number}`} className="font-medium hover:underline">
                  INC-{i.number} <span className="font-normal break-words">{i.title}</span>
                </Link>
                <div className="text-xs text-muted-foreground">
                  {[i.project?.slug, i.serviceSlug, i.environment].filter(Boolean).join(" · ")} · opened <TimeAgo date={i.openedAt} />
                  {i.assignee ? ` · ${i.assignee.name}` : ""}
                </div>
              </div>
              <div className="flex shrink-0 items-center gap-2">
                <SeverityBadge severity={i.severity} />
                <IncidentStatusBadge status={i.status} />
              </div>
            </li>
          ))}
        </ul>
        {total > incidents.length && (
          <Link className="mt-2 inline-block text-sm underline" href="/incidents?mine=1">
            All {total}
          </Link>
        )}
      </CardContent>
    </Card>
  );
}
