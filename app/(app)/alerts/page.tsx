import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { allowPage, pageParams } from "@/lib/http/page";
import { ALERT_LIST_LIMIT, listFiringAlerts, ZAlertFilters, type TAlertFilters } from "@/lib/alerting/queries";
import { PageHeader } from "@/components/shell/page-header";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { FiringAlertsLive, type WireFiring } from "@/components/alerting/alerts-list";

export const metadata: Metadata = { title: "Alerts" };

function queryOf(f: TAlertFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return p.toString();
}

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "alerting.pages", platform));
  // Filters too long to match anything read as no filter rather than an error page.
  const parsed = ZAlertFilters.safeParse(await pageParams(searchParams));
  const filters: TAlertFilters = parsed.success ? parsed.data : ZAlertFilters.parse({});
  const firing = await listFiringAlerts(ctx, filters);
  const query = queryOf(filters);
  const selects: { name: keyof TAlertFilters; label: string; any: string; values: string[] }[] = [
    { name: "team", label: "Team", any: "All teams", values: firing.options.teams },
    { name: "project", label: "Project", any: "All projects", values: firing.options.projects },
    { name: "severity", label: "Severity", any: "Any severity", values: firing.options.severities },
    { name: "environment", label: "Environment", any: "All environments", values: firing.options.environments },
    { name: "cluster", label: "Cluster", any: "All clusters", values: firing.options.clusters },
  ];
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Firing now in the projects you can see, by team and severity; refreshed every few seconds."
        actions={
          <Button asChild variant="outline">
            <Link href="/incidents">Incidents</Link>
          </Button>
        }
      />
      <form className="mb-6 flex flex-wrap items-end gap-2" action="/alerts" aria-label="Filter alerts">
        {selects.map((s) => (
          <NativeSelect key={s.name} name={s.name} defaultValue={filters[s.name] ?? ""} aria-label={s.label} className="h-8 w-auto min-w-0">
            <option value="">{s.any}</option>
            {/* A filter from a link may name a value not firing now: keep it selectable. */}
            {[...new Set([...(filters[s.name] ? [filters[s.name]!] : []), ...s.values])].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </NativeSelect>
        ))}
        <Input name="q" defaultValue={filters.q ?? ""} placeholder="Alert, service, text…" aria-label="Text" className="h-8 w-full min-w-0 sm:w-56" />
        <Button size="sm" variant="outline" type="submit">
          Filter
        </Button>
        {query && (
          <Button size="sm" variant="ghost" asChild>
            <Link href="/alerts">Clear</Link>
          </Button>
        )}
      </form>
      {!parsed.success && <p className="mb-4 text-sm text-destructive">{parsed.error.issues[0]?.message} The filters were ignored.</p>}
      <FiringAlertsLive initial={JSON.parse(JSON.stringify(firing)) as WireFiring} query={query} filtered={Boolean(query)} limit={ALERT_LIST_LIMIT} />
    </>
  );
}
