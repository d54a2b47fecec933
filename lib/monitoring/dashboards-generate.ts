/**
 * A project's dashboard as generated from its template and services: a
 * project row (request rate of all services), then one row per service with
 * request rate, error ratio, latency p50/p95/p99 (api and web services),
 * CPU against request and limit, memory against the limit, restarts and
 * replicas against the autoscaler's bounds (all kinds but jobs), the lines
 * taken from each environment's resolved spec.
 *
 * The queries use what kube-state-metrics, cAdvisor and an HTTP histogram
 * give on a real cluster (and the sandbox mimics): pods of a Deployment are
 * `<service>-<hash>-<id>`, kube-state-metrics names the Deployment. Each
 * keeps `cluster` in its `by (...)` so clusters show side by side. Pure: no
 * database, no network (the store loads the specs).
 */
import type { EnvKind } from "@/lib/catalog/environments";
import { resolveSpec, type TAppSpec } from "@/lib/deploy/spec";
import { parseQuantity } from "@/lib/kube/quantity";
import { ZDashboardBody, type TDashboardBody, type TPanel, type TPanelQuery, type TRow, type TThreshold } from "./dashboards-model";

export interface DashboardInput {
  project: { slug: string; name: string; templateId: string };
  environments: EnvKind[];
  services: { slug: string; name: string; kind: string; spec: TAppSpec }[];
}

/** Pods of the row's Deployment (`api-7d9f8-x2x1`, not `api-gateway-...`). */
const POD = `pod=~"$service-[a-z0-9]+-[a-z0-9]+"`;
/** cAdvisor's per-container series (not the pod-level sums with container="" or the pause container). */
const CONTAINER = `container!="", container!="POD"`;

function q(ref: string, promql: string, legend = ""): TPanelQuery {
  return { ref, legend, promql, generated: promql };
}

/** A threshold per environment, merged when every environment has the same value. */
function perEnvironment(label: string, environments: EnvKind[], valueOf: (env: EnvKind) => number | null): TThreshold[] {
  const values = environments.map((env) => ({ env, value: valueOf(env) })).filter((v): v is { env: EnvKind; value: number } => v.value !== null);
  if (!values.length) return [];
  if (values.length === environments.length && values.every((v) => v.value === values[0].value)) return [{ label, value: values[0].value }];
  const byValue = new Map<number, EnvKind[]>();
  for (const v of values) byValue.set(v.value, [...(byValue.get(v.value) ?? []), v.env]);
  return [...byValue].map(([value, envs]) => ({ label, value, environments: envs }));
}

export function trafficPanels(prefix: string): TPanel[] {
  return [
    {
      id: `${prefix}.requests`,
      title: "Request rate",
      kind: "timeseries",
      unit: "reqps",
      queries: [q("A", `sum by (cluster) (rate(http_requests_total{${POD}}[5m]))`)],
      thresholds: [],
      empty: "No traffic in this range",
    },
    {
      id: `${prefix}.errors`,
      title: "Error ratio (5xx)",
      kind: "timeseries",
      unit: "ratio",
      // `or ... * 0`: a service that answers without errors has no 5xx series at all; its ratio is 0, not missing.
      queries: [
        q(
          "A",
          `(sum by (cluster) (rate(http_requests_total{${POD}, code=~"5.."}[5m])) or sum by (cluster) (rate(http_requests_total{${POD}}[5m])) * 0) / sum by (cluster) (rate(http_requests_total{${POD}}[5m]))`,
        ),
      ],
      thresholds: [],
      empty: "No traffic in this range",
    },
    {
      id: `${prefix}.latency`,
      title: "Latency",
      kind: "timeseries",
      unit: "seconds",
      queries: (
        [
          ["A", 0.5, "p50"],
          ["B", 0.95, "p95"],
          ["C", 0.99, "p99"],
        ] as const
      ).map(([ref, quantile, legend]) =>
        q(ref, `histogram_quantile(${quantile}, sum by (cluster, le) (rate(http_request_duration_seconds_bucket{${POD}}[5m])))`, legend),
      ),
      thresholds: [],
      empty: "No traffic in this range",
    },
  ];
}

function servicePanels(s: DashboardInput["services"][number], environments: EnvKind[]): TPanel[] {
  const env = (e: EnvKind) => resolveSpec(s.spec, e);
  const panels: TPanel[] = s.kind === "api" || s.kind === "web" ? trafficPanels(s.slug) : [];
  panels.push(
    {
      id: `${s.slug}.cpu`,
      title: "CPU per pod (busiest)",
      kind: "timeseries",
      unit: "cores",
      queries: [q("A", `max by (cluster) (sum by (cluster, pod) (rate(container_cpu_usage_seconds_total{${POD}, ${CONTAINER}}[5m])))`)],
      thresholds: [
        ...perEnvironment("request", environments, (e) => parseQuantity(env(e).resources.requests.cpu) || null),
        ...perEnvironment("limit", environments, (e) => parseQuantity(env(e).resources.limits.cpu) || null),
      ],
      empty: "No running pods in this range",
    },
    {
      id: `${s.slug}.memory`,
      title: "Memory per pod (largest)",
      kind: "timeseries",
      unit: "bytes",
      queries: [q("A", `max by (cluster) (sum by (cluster, pod) (container_memory_working_set_bytes{${POD}, ${CONTAINER}}))`)],
      thresholds: perEnvironment("limit", environments, (e) => parseQuantity(env(e).resources.limits.memory) || null),
      empty: "No running pods in this range",
    },
    {
      id: `${s.slug}.restarts`,
      title: "Restarts",
      kind: "timeseries",
      unit: "count",
      queries: [q("A", `sum by (cluster) (increase(kube_pod_container_status_restarts_total{${POD}}[5m]))`)],
      thresholds: [],
      empty: "No pods in this range",
    },
  );
  if (s.kind !== "job") {
    panels.push({
      id: `${s.slug}.replicas`,
      title: "Replicas",
      kind: "timeseries",
      unit: "count",
      queries: [
        q("A", `sum by (cluster) (kube_deployment_status_replicas_available{deployment="$service"})`, "available"),
        q("B", `sum by (cluster) (kube_deployment_spec_replicas{deployment="$service"})`, "desired"),
      ],
      thresholds: [
        ...perEnvironment("min replicas", environments, (e) => (env(e).autoscaling?.enabled ? env(e).autoscaling!.minReplicas : null)),
        ...perEnvironment("max replicas", environments, (e) => (env(e).autoscaling?.enabled ? env(e).autoscaling!.maxReplicas : null)),
      ],
      empty: "Not deployed in this range",
    });
  }
  return panels;
}

export function generateDashboard(input: DashboardInput): TDashboardBody {
  const services = [...input.services].sort((a, b) => a.slug.localeCompare(b.slug));
  const web = services.filter((s) => s.kind === "api" || s.kind === "web");
  const rows: TRow[] = [];
  if (web.length) {
    const pods = `pod=~"(${web.map((s) => s.slug).join("|")})-[a-z0-9]+-[a-z0-9]+"`;
    rows.push({
      id: "project",
      title: "All services",
      service: null,
      panels: [
        {
          id: "project.requests",
          title: "Requests per second, all services",
          kind: "stat",
          unit: "reqps",
          queries: [q("A", `sum by (cluster) (rate(http_requests_total{${pods}}[5m]))`)],
          thresholds: [],
          empty: "No traffic in this range",
        },
      ],
    });
  }
  for (const s of services) rows.push({ id: s.slug, title: s.name || s.slug, service: s.slug, panels: servicePanels(s, input.environments) });
  return ZDashboardBody.parse({
    schema: 1,
    title: `${input.project.name} service health`,
    generatedFrom: { template: input.project.templateId, services: services.map((s) => s.slug) },
    rows,
  });
}

export type PanelChange =
  | { kind: "added"; panelId: string; title: string }
  | { kind: "removed"; panelId: string; title: string; lost: string }
  | { kind: "changed"; panelId: string; title: string; what: string }
  | { kind: "kept"; panelId: string; title: string; why: string };

/**
 * Regeneration: the new generated body, with every query a maintainer edited
 * kept as edited (when its panel and ref still exist), and what changes
 * against `current`: panels added, removed (with what is lost, e.g. an edited
 * query of a service that was deleted), changed, and edited queries kept.
 */
export function regenerate(current: TDashboardBody, fresh: TDashboardBody): { body: TDashboardBody; changes: PanelChange[] } {
  const old = new Map(current.rows.flatMap((r) => r.panels.map((p) => [p.id, p] as const)));
  const changes: PanelChange[] = [];
  const rows = fresh.rows.map((row) => ({
    ...row,
    panels: row.panels.map((panel) => {
      const before = old.get(panel.id);
      if (!before) {
        changes.push({ kind: "added", panelId: panel.id, title: `${row.title} · ${panel.title}` });
        return panel;
      }
      old.delete(panel.id);
      const queries = panel.queries.map((nq) => {
        const oq = before.queries.find((x) => x.ref === nq.ref);
        if (oq && oq.generated !== "" && oq.promql !== oq.generated) {
          changes.push({ kind: "kept", panelId: panel.id, title: `${row.title} · ${panel.title}`, why: `query ${nq.ref} was edited by hand: kept as edited` });
          return { ...nq, promql: oq.promql };
        }
        return nq;
      });
      const what: string[] = [];
      if (JSON.stringify(before.thresholds) !== JSON.stringify(panel.thresholds)) what.push("threshold lines");
      if (before.queries.some((o) => !queries.some((n) => n.ref === o.ref && n.promql === o.promql)) || before.queries.length !== queries.length)
        what.push("queries");
      if (before.title !== panel.title || before.unit !== panel.unit || before.kind !== panel.kind) what.push("title or unit");
      if (what.length) changes.push({ kind: "changed", panelId: panel.id, title: `${row.title} · ${panel.title}`, what: what.join(", ") });
      return { ...panel, queries };
    }),
  }));
  for (const [id, p] of old) {
    const edited = p.queries.filter((x) => x.generated !== "" && x.promql !== x.generated);
    changes.push({
      kind: "removed",
      panelId: id,
      title: p.title,
      lost: edited.length
        ? `its hand-edited ${edited.length === 1 ? "query" : "queries"} (${edited.map((e) => e.ref).join(", ")}) will be lost`
        : "generated, nothing edited",
    });
  }
  return { body: ZDashboardBody.parse({ ...fresh, rows }), changes };
}
