/**
 * The dashboard document (a DashboardVersion's body), shared by the
 * generator, the store, the page and the Grafana export.
 *
 * Variables: a query names the service of its row as `$service` (replaced by
 * the row's service slug before the query is checked or sent, and in the
 * Grafana export). The environment and the clusters are not written in the
 * query: `queryProject` narrows every selector to the chosen environments'
 * namespaces and to the chosen clusters, so one text serves every
 * environment and every cluster (docs/monitoring.md, "Dashboards").
 */
import { z } from "zod";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { checkPromql, PROMQL_MAX_LENGTH, type PromqlCheck } from "./promql";

export const PANEL_KINDS = ["timeseries", "stat"] as const;
export const PANEL_UNITS = ["reqps", "ratio", "seconds", "cores", "bytes", "count"] as const;
export type PanelUnit = (typeof PANEL_UNITS)[number];

/** The placeholder of the row's service in a query. */
export const SERVICE_VARIABLE = "$service";

/** `$service` replaced by `service` (or, for checking, by a name of the same length so positions hold). */
export function expandQuery(promql: string, service: string | null): string {
  return promql.split(SERVICE_VARIABLE).join(service ?? "xservice");
}

/** Checks a panel query as PromQL, `$service` standing for a name; positions are those of the text as typed. */
export function checkPanelQuery(promql: string): PromqlCheck {
  return checkPromql(expandQuery(promql, null));
}

const ZPanelPromql = z
  .string()
  .max(PROMQL_MAX_LENGTH, { message: `At most ${PROMQL_MAX_LENGTH} characters` })
  .superRefine((v, ctx) => {
    const check = checkPanelQuery(v);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.message, params: { position: check.position } });
  });

export const ZPanelQuery = z.object({
  /** "A", "B", ...: unique in its panel. */
  ref: z.string().regex(/^[A-Z]$/, { message: "A query's ref is one capital letter" }),
  /** Shown after the cluster's name in the legend, e.g. "p99". */
  legend: z.string().max(60).default(""),
  promql: ZPanelPromql,
  /** The query as generated; differs from `promql` once a maintainer edited it (kept by regeneration). */
  generated: z.string().max(PROMQL_MAX_LENGTH).default(""),
});
export type TPanelQuery = z.output<typeof ZPanelQuery>;

export const ZThreshold = z.object({
  /** e.g. "request", "limit", "max replicas". */
  label: z.string().min(1).max(60),
  value: z.number().finite(),
  /** The environments it holds for (a spec's override differs per environment); absent: all. */
  environments: z.array(z.enum(ENVIRONMENTS)).optional(),
});
export type TThreshold = z.output<typeof ZThreshold>;

export const ZPanel = z.object({
  /** Stable across versions: `<service>.<metric>` or `project.<metric>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, { message: "A panel id is lowercase letters, digits, dots and dashes" }),
  title: z.string().min(1).max(120),
  kind: z.enum(PANEL_KINDS),
  unit: z.enum(PANEL_UNITS),
  queries: z.array(ZPanelQuery).min(1).max(6),
  thresholds: z.array(ZThreshold).default([]),
  /** What an empty answer means, e.g. "No traffic in this range". */
  empty: z.string().max(120).default("No data in this range"),
});
export type TPanel = z.output<typeof ZPanel>;

export const ZRow = z.object({
  id: z.string().min(1).max(80),
  title: z.string().min(1).max(120),
  /** The service `$service` stands for in this row's queries (null: the project as a whole). */
  service: z.string().nullable(),
  panels: z.array(ZPanel).max(40),
});
export type TRow = z.output<typeof ZRow>;

export const ZDashboardBody = z
  .object({
    schema: z.literal(1),
    title: z.string().min(1).max(200),
    /** What it was generated from (template and services), for the regeneration diff. */
    generatedFrom: z.object({ template: z.string(), services: z.array(z.string()) }),
    rows: z.array(ZRow).max(60),
  })
  .superRefine((b, ctx) => {
    const ids = new Set<string>();
    for (const [r, row] of b.rows.entries())
      for (const [p, panel] of row.panels.entries()) {
        if (ids.has(panel.id)) ctx.addIssue({ code: "custom", path: ["rows", r, "panels", p, "id"], message: `The panel id ${panel.id} is used twice` });
        ids.add(panel.id);
      }
  });
export type TDashboardBody = z.output<typeof ZDashboardBody>;

/** Every panel with its row. */
export function panelsOf(body: TDashboardBody): { row: TRow; panel: TPanel }[] {
  return body.rows.flatMap((row) => row.panels.map((panel) => ({ row, panel })));
}

/** A panel query that differs from what the generator wrote. */
export const isEdited = (q: TPanelQuery) => q.generated !== "" && q.promql !== q.generated;
