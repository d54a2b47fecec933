/**
 * A dashboard as Grafana dashboard JSON (schemaVersion 39, typed with
 * @grafana/schema), for teams that read metrics in Grafana: a `datasource`
 * variable (any Prometheus), `environment` (the project's namespaces) and
 * `cluster` variables, a row per service and its panels with their queries,
 * `$service` written out and `namespace=~"$namespace", cluster=~"$cluster"`
 * added to every selector (what queryProject does inside Wharf).
 */
import type { Dashboard, DataSourceRef, Panel, RowPanel, ThresholdsMode, VariableModel } from "@grafana/schema";
import type { EnvKind } from "@/lib/catalog/environments";
import { namespaceName } from "@/lib/provisioning/manifests";
import { expandQuery, type PanelUnit, type TDashboardBody } from "./dashboards-model";
import { withMatcher } from "./promql";

const DATASOURCE: DataSourceRef = { type: "prometheus", uid: "${datasource}" };

/** Wharf's units as Grafana's unit ids. */
const UNITS: Record<PanelUnit, string> = { reqps: "reqps", ratio: "percentunit", seconds: "s", cores: "none", bytes: "bytes", count: "short" };

export function toGrafana(
  body: TDashboardBody,
  project: { slug: string; name: string; environments: { kind: EnvKind; clusters: string[] }[] },
  version: number,
): Dashboard {
  const namespaces = project.environments.map((e) => ({ text: e.kind, value: namespaceName(project.slug, e.kind) }));
  const clusters = [...new Set(project.environments.flatMap((e) => e.clusters))].sort();
  const templating: VariableModel[] = [
    { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" },
    {
      name: "namespace",
      label: "Environment",
      type: "custom",
      query: namespaces.map((n) => `${n.text} : ${n.value}`).join(","),
      options: namespaces.map((n, i) => ({ text: n.text, value: n.value, selected: i === 0 })),
      current: namespaces[0] ? { text: namespaces[0].text, value: namespaces[0].value } : undefined,
    },
    {
      name: "cluster",
      label: "Cluster",
      type: "query",
      datasource: DATASOURCE,
      query: `label_values(kube_deployment_spec_replicas{namespace=~"${namespaces.map((n) => n.value).join("|")}"}, cluster)`,
      multi: true,
      includeAll: true,
      options: clusters.map((c) => ({ text: c, value: c, selected: false })),
      current: { text: "All", value: "$__all" },
    },
  ];
  const panels: (Panel | RowPanel)[] = [];
  let id = 1;
  let y = 0;
  for (const row of body.rows) {
    panels.push({ type: "row", id: id++, title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
    row.panels.forEach((p, i) => {
      const stat = p.kind === "stat";
      const w = stat ? 6 : 8;
      const perRow = 24 / w;
      panels.push({
        type: p.kind,
        id: id++,
        title: p.title,
        datasource: DATASOURCE,
        gridPos: { h: 8, w, x: (i % perRow) * w, y: y + Math.floor(i / perRow) * 8 },
        targets: p.queries.map((q) => ({
          refId: q.ref,
          datasource: DATASOURCE,
          expr: withMatcher(expandQuery(q.promql, row.service), 'namespace=~"$namespace", cluster=~"$cluster"'),
          legendFormat: q.legend ? `{{cluster}} ${q.legend}` : "{{cluster}}",
          range: true,
        })),
        fieldConfig: {
          defaults: {
            unit: UNITS[p.unit],
            thresholds: {
              // A type-only import (the package is a devDependency): the enum's value written out.
              mode: "absolute" as ThresholdsMode.Absolute,
              steps: [{ value: null, color: "green" }, ...p.thresholds.map((t) => ({ value: t.value, color: "red" }))],
            },
            custom: p.thresholds.length ? { thresholdsStyle: { mode: "line" } } : {},
          },
          overrides: [],
        },
        options: stat ? { reduceOptions: { calcs: ["lastNotNull"] } } : { legend: { displayMode: "list", placement: "bottom" } },
        description: p.thresholds.map((t) => `${t.label}: ${t.value}${t.environments ? ` (${t.environments.join(", ")})` : ""}`).join("; "),
      });
    });
    y += Math.ceil(row.panels.length / 3) * 8;
  }
  return {
    uid: `wharf-${project.slug}`.slice(0, 40),
    title: body.title,
    tags: ["wharf", project.slug],
    editable: true,
    schemaVersion: 39,
    version,
    time: { from: "now-1h", to: "now" },
    timepicker: { refresh_intervals: ["10s", "30s", "1m"] },
    refresh: "",
    timezone: "browser",
    templating: { list: templating },
    panels,
    annotations: { list: [] },
    links: [],
  };
}
