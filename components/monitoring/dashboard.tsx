"use client";

/**
 * A project's dashboard: the filters (environment, clusters, range,
 * auto-refresh) live in the URL; every panel's series come from one request
 * (/projects/<slug>/monitoring/data), refetched at the chosen interval.
 */
import { useEffect, useRef, useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import type { DashboardData, DashboardView, RangeKey } from "@/lib/monitoring/dashboards";
import type { PanelChange } from "@/lib/monitoring/dashboards-generate";
import { createDashboardAction, planDashboardRegenerationAction, regenerateDashboardAction } from "@/lib/monitoring/dashboards-actions";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { EmptyState } from "@/components/ui/empty-state";
import { NativeSelect } from "@/components/ui/native-select";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { DashboardPanel } from "./dashboard-panel";

const RANGE_KEYS: RangeKey[] = ["15m", "1h", "6h", "24h", "7d"];
const REFRESH = { off: 0, "10s": 10_000, "30s": 30_000, "1m": 60_000 } as const;
type RefreshKey = keyof typeof REFRESH;

function useUrlState() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // The last query asked of the router and not yet in the address bar: router.replace is a transition, so two
  // changes in a row (range, then refresh) must build on what was asked, not on the address bar, or the first is lost.
  const asked = useRef<string | null>(null);
  useEffect(() => {
    if (params.toString() === asked.current) asked.current = null;
  }, [params]);
  const set = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(asked.current ?? window.location.search);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    asked.current = next.toString();
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  };
  return { params, set };
}

function RegenerateDialog({ projectId, onClose }: { projectId: string; onClose: () => void }) {
  const router = useRouter();
  const plan = useQuery({
    queryKey: ["dashboard-plan", projectId],
    queryFn: async () => {
      const r = await planDashboardRegenerationAction({ projectId });
      if (!r.ok) throw new Error(r.error.message);
      return r.data;
    },
  });
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const label: Record<PanelChange["kind"], string> = { added: "Added", removed: "Removed", changed: "Changed", kept: "Kept" };
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="max-h-[80vh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>Regenerate the dashboard</DialogTitle>
          <DialogDescription>
            What a new version generated from the project&apos;s services would change. Queries edited by hand are kept; panels of removed services go.
          </DialogDescription>
        </DialogHeader>
        {plan.isPending && <p className="text-sm">Comparing…</p>}
        {plan.error && <p className="text-sm text-destructive">{plan.error.message}</p>}
        {plan.data &&
          (plan.data.changes.length ? (
            <ul className="space-y-1 text-sm" data-testid="regeneration-diff">
              {plan.data.changes.map((c, i) => (
                <li key={i}>
                  <span className="font-medium">{label[c.kind]}</span> {c.title}
                  {c.kind === "removed" ? `: ${c.lost}` : c.kind === "changed" ? `: ${c.what}` : c.kind === "kept" ? `: ${c.why}` : ""}
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm">Nothing would change: the dashboard matches the project&apos;s services.</p>
          ))}
        {error && <p className="text-sm text-destructive">{error}</p>}
        <DialogFooter>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button
            disabled={!plan.data || saving || !plan.data.changes.some((c) => c.kind !== "kept")}
            onClick={async () => {
              if (!plan.data) return;
              setSaving(true);
              const r = await regenerateDashboardAction({ projectId, baseVersion: plan.data.baseVersion });
              setSaving(false);
              if (!r.ok) return setError(r.error.message);
              onClose();
              router.refresh();
            }}
          >
            Save as a new version
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function ProjectDashboard({ view, monitoring }: { view: DashboardView; monitoring: { usable: boolean } }) {
  const router = useRouter();
  const { params, set } = useUrlState();
  const [regenerating, setRegenerating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const envs = view.project.environments;
  const env = envs.find((e) => e.kind === params.get("env")) ?? envs[0];
  const range = (RANGE_KEYS as string[]).includes(params.get("range") ?? "") ? (params.get("range") as RangeKey) : "1h";
  const refresh: RefreshKey = (params.get("refresh") ?? "off") in REFRESH ? (params.get("refresh") as RefreshKey) : "off";
  const chosen = (params.get("cluster") ?? "").split(",").filter((c) => env?.clusters.includes(c));
  const clusters = chosen.length ? chosen : (env?.clusters ?? []);
  const body = view.dashboard?.body;
  const data = useQuery({
    queryKey: ["dashboard-data", view.project.slug, env?.kind, range, clusters.join(","), view.dashboard?.version],
    enabled: Boolean(body && env && monitoring.usable),
    refetchInterval: REFRESH[refresh] || false,
    queryFn: async (): Promise<DashboardData> => {
      const q = new URLSearchParams({ env: env!.kind, range, cluster: clusters.join(",") });
      const res = await fetch(`/projects/${view.project.slug}/monitoring/data?${q}`);
      const json = (await res.json()) as DashboardData | { message: string };
      if (!res.ok) throw new Error("message" in json ? json.message : `HTTP ${res.status}`);
      return json as DashboardData;
    },
  });

  if (!body) {
    return (
      <EmptyState
        title="This project has no dashboard yet"
        description={
          view.canEdit
            ? "Generate one from the project's services: request rate, errors, latency, CPU, memory, restarts and replicas, per environment and cluster."
            : "A maintainer of the project can generate it here."
        }
        action={
          view.canEdit ? (
            <div className="space-y-2">
              <Button
                onClick={async () => {
                  const r = await createDashboardAction({ projectId: view.project.id });
                  if (!r.ok) return setCreateError(r.error.message);
                  router.refresh();
                }}
              >
                Generate dashboard
              </Button>
              {createError && <p className="text-sm text-destructive">{createError}</p>}
            </div>
          ) : undefined
        }
      />
    );
  }
  const byId = new Map((data.data?.panels ?? []).map((p) => [p.id, p]));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-4" role="group" aria-label="Dashboard filters">
        <label className="grid gap-1 text-xs font-medium">
          Environment
          <NativeSelect value={env?.kind ?? ""} onChange={(e) => set({ env: e.target.value, cluster: null })}>
            {envs.map((e) => (
              <option key={e.kind} value={e.kind}>
                {e.kind}
              </option>
            ))}
          </NativeSelect>
        </label>
        <fieldset className="grid gap-1 text-xs font-medium">
          <legend className="mb-1">Clusters</legend>
          <div className="flex flex-wrap gap-3">
            {(env?.clusters ?? []).map((c) => (
              <label key={c} className="flex items-center gap-1.5 font-normal">
                <Checkbox
                  checked={clusters.includes(c)}
                  onCheckedChange={(on) => {
                    const next = on ? [...new Set([...clusters, c])] : clusters.filter((x) => x !== c);
                    set({ cluster: next.length && next.length < (env?.clusters.length ?? 0) ? next.join(",") : null });
                  }}
                />
                {c}
              </label>
            ))}
          </div>
        </fieldset>
        <label className="grid gap-1 text-xs font-medium">
          Time range
          <NativeSelect value={range} onChange={(e) => set({ range: e.target.value })}>
            {RANGE_KEYS.map((r) => (
              <option key={r} value={r}>
                Last {r}
              </option>
            ))}
          </NativeSelect>
        </label>
        <label className="grid gap-1 text-xs font-medium">
          Auto-refresh
          <NativeSelect value={refresh} onChange={(e) => set({ refresh: e.target.value === "off" ? null : e.target.value })}>
            {Object.keys(REFRESH).map((r) => (
              <option key={r} value={r}>
                {r === "off" ? "Off" : `Every ${r}`}
              </option>
            ))}
          </NativeSelect>
        </label>
        <div className="ml-auto flex flex-wrap gap-2">
          <Button asChild variant="outline" size="sm">
            <a href={`/projects/${view.project.slug}/monitoring/grafana`} download>
              Export to Grafana
            </a>
          </Button>
          {view.canEdit && (
            <Button variant="outline" size="sm" onClick={() => setRegenerating(true)}>
              Regenerate…
            </Button>
          )}
        </div>
      </div>
      {data.error && <p className="text-sm text-destructive">{data.error.message}</p>}
      {!env && <p className="text-sm text-muted-foreground">This project has no environment yet: there is nothing to show.</p>}
      {body.rows.map((row) => (
        <section key={row.id} aria-labelledby={`row-${row.id}`} className="space-y-3">
          <h2 id={`row-${row.id}`} className="text-base font-semibold">
            {row.title}
          </h2>
          <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
            {row.panels.map((p) => (
              <DashboardPanel
                key={p.id}
                panel={p}
                data={byId.get(p.id)}
                loading={data.isFetching}
                environment={env?.kind ?? null}
                projectId={view.project.id}
                baseVersion={view.dashboard!.version}
                canEdit={view.canEdit}
              />
            ))}
          </div>
        </section>
      ))}
      <p className="text-xs text-muted-foreground">
        Version {view.dashboard!.version}
        {view.versions[0] ? ` · ${view.versions[0].message} · by ${view.versions[0].author}` : ""}
      </p>
      {regenerating && <RegenerateDialog projectId={view.project.id} onClose={() => setRegenerating(false)} />}
    </div>
  );
}
