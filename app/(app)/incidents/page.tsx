import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Flame } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { allowPage, pageParams } from "@/lib/http/page";
import { INCIDENT_LIST_LIMIT, listIncidents, ZIncidentFilters, type TIncidentFilters } from "@/lib/alerting/queries";
import { teamIncidentStats } from "@/lib/alerting/stats";
import { PageHeader } from "@/components/shell/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { NativeSelect } from "@/components/ui/native-select";
import { IncidentsTable } from "@/components/alerting/incidents-table";
import { IncidentsTeamStats } from "@/components/alerting/incidents-stats";
import { cn } from "@/lib/utils";

export const metadata: Metadata = { title: "Incidents" };

const STATUSES: { id: TIncidentFilters["status"]; label: string }[] = [
  { id: "active", label: "Open or acknowledged" },
  { id: "open", label: "Open" },
  { id: "acknowledged", label: "Acknowledged" },
  { id: "resolved", label: "Resolved" },
  { id: "all", label: "All" },
];

function href(f: TIncidentFilters, change: Partial<Record<keyof TIncidentFilters, string | boolean | undefined>>) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...change })) {
    if (v === undefined || v === false || v === "" || (k === "status" && v === "active")) continue;
    p.set(k, v === true ? "1" : String(v));
  }
  return `/incidents${p.size ? `?${p}` : ""}`;
}

export default async function IncidentsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "alerting.pages", platform));
  const parsed = ZIncidentFilters.safeParse(await pageParams(searchParams));
  const filters: TIncidentFilters = parsed.success ? parsed.data : ZIncidentFilters.parse({});
  const [list, stats] = await Promise.all([
    listIncidents(ctx, filters),
    // Managers, ops and admins see each team's figures above the list.
    can(ctx.actor, "dashboard.read", platform) ? teamIncidentStats(ctx) : Promise.resolve(null),
  ]);
  const filtered = Boolean(filters.team || filters.project || filters.severity || filters.mine || filters.status !== "active");
  return (
    <>
      <PageHeader
        title="Incidents"
        description="Alerts of one service and cause, across clusters, with the release that preceded them and who is on it."
        actions={
          <Button asChild variant="outline">
            <Link href="/alerts">Alerts firing now</Link>
          </Button>
        }
      />
      {stats && <IncidentsTeamStats stats={stats} />}
      <nav className="mb-3 flex flex-wrap items-center gap-2 text-sm" aria-label="Incident status">
        {STATUSES.map((s) => (
          <Link
            key={s.id}
            href={href(filters, { status: s.id })}
            className={cn("rounded-md px-3 py-1.5", filters.status === s.id ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
            aria-current={filters.status === s.id ? "page" : undefined}
          >
            {s.label}
          </Link>
        ))}
        <Link
          href={href(filters, { mine: !filters.mine })}
          className={cn("rounded-md border px-3 py-1.5", filters.mine ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
          aria-pressed={filters.mine}
        >
          Mine
        </Link>
      </nav>
      <form className="mb-6 flex flex-wrap items-center gap-2" action="/incidents" aria-label="Filter incidents">
        {filters.status !== "active" && <input type="hidden" name="status" value={filters.status} />}
        {filters.mine && <input type="hidden" name="mine" value="1" />}
        {[
          { name: "team" as const, label: "Team", any: "All teams", options: list.options.teams.map((t) => ({ value: t.slug, label: t.name })) },
          { name: "project" as const, label: "Project", any: "All projects", options: list.options.projects.map((p) => ({ value: p.slug, label: p.slug })) },
          { name: "severity" as const, label: "Severity", any: "Any severity", options: list.options.severities.map((s) => ({ value: s, label: s })) },
        ].map((s) => (
          <NativeSelect key={s.name} name={s.name} defaultValue={filters[s.name] ?? ""} aria-label={s.label} className="h-8 w-auto">
            <option value="">{s.any}</option>
            {s.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </NativeSelect>
        ))}
        <Button size="sm" variant="outline" type="submit">
          Filter
        </Button>
        {filtered && (
          <Button size="sm" variant="ghost" asChild>
            <Link href="/incidents">Clear</Link>
          </Button>
        )}
      </form>
      {list.incidents.length === 0 ? (
        <EmptyState
          icon={Flame}
          title={filtered ? "No incident matches these filters" : "No open incident"}
          description={
            filtered
              ? "Clear a filter, or look at all statuses."
              : "When alerts of your projects fire, they are grouped here into incidents, one per service and cause."
          }
        />
      ) : (
        <>
          <IncidentsTable incidents={list.incidents} />
          {list.total > list.incidents.length && (
            <p className="mt-2 text-sm text-muted-foreground">
              The {INCIDENT_LIST_LIMIT} newest of {list.total} are shown: narrow with the filters.
            </p>
          )}
        </>
      )}
    </>
  );
}
