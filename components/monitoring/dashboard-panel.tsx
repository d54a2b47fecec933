"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { checkPanelQuery, type PanelUnit, type TPanel } from "@/lib/monitoring/dashboards-model";
import type { PanelData } from "@/lib/monitoring/dashboards";
import { editPanelQueryAction } from "@/lib/monitoring/dashboards-actions";
import type { EnvKind } from "@/lib/catalog/environments";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Textarea } from "@/components/ui/textarea";

const COLORS = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)"];

/** A value in the panel's unit, for axes, tooltips and stats. */
export function formatValue(v: number | null | undefined, unit: PanelUnit): string {
  if (v === null || v === undefined) return "–";
  const round = (x: number, d = 2) => String(Math.round(x * 10 ** d) / 10 ** d);
  switch (unit) {
    case "reqps":
      return `${round(v, 1)} req/s`;
    case "ratio":
      return `${round(v * 100, 2)}%`;
    case "seconds":
      return v < 1 ? `${round(v * 1000, 0)} ms` : `${round(v, 2)} s`;
    case "cores":
      return v < 1 ? `${round(v * 1000, 0)}m` : `${round(v, 2)} cores`;
    case "bytes":
      return v >= 2 ** 30 ? `${round(v / 2 ** 30, 2)} GiB` : `${round(v / 2 ** 20, 0)} MiB`;
    default:
      return round(v, 2);
  }
}

/** Where a query error is: the line as typed and a caret under the column. */
function Caret({ text, line, column }: { text: string; line: number; column: number }) {
  const src = text.split("\n")[line - 1] ?? "";
  return (
    <pre className="overflow-x-auto rounded bg-muted p-2 font-mono text-xs" data-testid="promql-caret">
      {src}
      {"\n"}
      {" ".repeat(Math.max(0, column - 1))}^
    </pre>
  );
}

function QueryEditor({
  projectId,
  baseVersion,
  panelId,
  query,
  onDone,
}: {
  projectId: string;
  baseVersion: number;
  panelId: string;
  query: TPanel["queries"][number];
  onDone: () => void;
}) {
  const router = useRouter();
  const [text, setText] = useState(query.promql);
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const check = checkPanelQuery(text);
  const label = `PromQL of query ${query.ref}${query.legend ? ` (${query.legend})` : ""}`;
  return (
    <form
      className="space-y-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!check.ok) return;
        setSaving(true);
        setServerError(null);
        const r = await editPanelQueryAction({ projectId, baseVersion, panelId, ref: query.ref, promql: text });
        setSaving(false);
        if (!r.ok) return setServerError(r.error.message);
        onDone();
        router.refresh();
      }}
    >
      <label className="text-xs font-medium" htmlFor={`${panelId}-${query.ref}`}>
        {label}
      </label>
      <Textarea
        id={`${panelId}-${query.ref}`}
        className="font-mono text-xs"
        rows={3}
        value={text}
        aria-invalid={!check.ok}
        aria-describedby={`${panelId}-${query.ref}-error`}
        onChange={(e) => setText(e.target.value)}
      />
      <div id={`${panelId}-${query.ref}-error`} role={check.ok ? undefined : "alert"}>
        {!check.ok && (
          <>
            <p className="text-sm text-destructive">
              {check.message} (line {check.position.line}:{check.position.column})
            </p>
            <Caret text={text} line={check.position.line} column={check.position.column} />
          </>
        )}
        {serverError && <p className="text-sm text-destructive">{serverError}</p>}
      </div>
      <div className="flex gap-2">
        <Button type="submit" size="sm" disabled={!check.ok || saving || text === query.promql}>
          {saving ? "Saving…" : "Save query"}
        </Button>
        <Button type="button" size="sm" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function DashboardPanel(props: {
  panel: TPanel;
  data: PanelData | undefined;
  loading: boolean;
  environment: EnvKind | null;
  projectId: string;
  baseVersion: number;
  canEdit: boolean;
}) {
  const { panel, data, environment } = props;
  const [showQuery, setShowQuery] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const thresholds = panel.thresholds.filter((t) => !t.environments || (environment && t.environments.includes(environment)));
  const keys = [...new Set((data?.series ?? []).map((s) => `${s.cluster}${s.legend ? ` ${s.legend}` : ""}`))];
  // A colour per cluster, a dash per query (p50 solid, p95 dashed, p99 dotted): the clusters stay side by side at a glance.
  const clusterNames = [...new Set((data?.series ?? []).map((s) => s.cluster))].sort();
  const styleOf = new Map(
    (data?.series ?? []).map((s) => [
      `${s.cluster}${s.legend ? ` ${s.legend}` : ""}`,
      {
        color: COLORS[clusterNames.indexOf(s.cluster) % COLORS.length],
        dash: ["", "6 3", "2 2", "8 2 2 2"][panel.queries.findIndex((q) => q.ref === s.ref) % 4],
      },
    ]),
  );
  const rows = new Map<number, Record<string, number | null>>();
  for (const s of data?.series ?? []) {
    const key = `${s.cluster}${s.legend ? ` ${s.legend}` : ""}`;
    for (const [t, v] of s.points) rows.set(t, { ...(rows.get(t) ?? { t }), [key]: v });
  }
  const chart = [...rows.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  const time = (t: number) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <Card className="min-w-0" data-testid={`panel-${panel.id}`} aria-label={panel.title} role="region">
      <CardHeader>
        <CardTitle className="text-sm">{panel.title}</CardTitle>
        <CardAction>
          <Button size="sm" variant="ghost" onClick={() => setShowQuery((v) => !v)} aria-expanded={showQuery}>
            {showQuery ? "Hide query" : "Show query"}
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="space-y-3">
        {data?.failures.map((f) => (
          <p key={f.cluster} className="rounded border border-destructive/40 bg-destructive/5 p-2 text-xs text-destructive" role="status">
            {f.cluster} (source {f.source}): {f.reason}
          </p>
        ))}
        {props.loading && !data ? (
          <p className="text-sm text-muted-foreground">Loading…</p>
        ) : data?.empty ? (
          <p className="py-8 text-center text-sm text-muted-foreground">{panel.empty}</p>
        ) : panel.kind === "stat" ? (
          <dl className="grid grid-cols-2 gap-2" data-testid="stat">
            {keys.map((k) => {
              const last = [...chart].reverse().find((r) => r[k] !== null && r[k] !== undefined)?.[k];
              return (
                <div key={k}>
                  <dt className="text-xs text-muted-foreground">{k}</dt>
                  <dd className="text-xl font-semibold tabular-nums">{formatValue(last, panel.unit)}</dd>
                </div>
              );
            })}
          </dl>
        ) : chart.length ? (
          <div className="h-48 w-full" role="img" aria-label={`${panel.title}: ${keys.join(", ")}`}>
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={chart} margin={{ left: 0, right: 8, top: 8, bottom: 0 }}>
                <CartesianGrid strokeDasharray="3 3" className="stroke-border" vertical={false} />
                <XAxis dataKey="t" tick={{ fontSize: 10 }} tickFormatter={time} minTickGap={32} />
                <YAxis
                  tick={{ fontSize: 10 }}
                  width={56}
                  // Short ticks: "3.4" on a requests axis, the unit is in the title and the tooltip.
                  tickFormatter={(v: number) => (panel.unit === "reqps" ? String(Math.round(v * 10) / 10) : formatValue(v, panel.unit))}
                />
                <Tooltip labelFormatter={(t) => time(Number(t))} formatter={(v) => formatValue(typeof v === "number" ? v : null, panel.unit)} />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                {keys.map((k, i) => (
                  <Line
                    key={k}
                    type="linear"
                    dataKey={k}
                    stroke={styleOf.get(k)?.color ?? COLORS[i % COLORS.length]}
                    strokeDasharray={styleOf.get(k)?.dash}
                    strokeWidth={1.5}
                    dot={false}
                    connectNulls={false}
                    isAnimationActive={false}
                  />
                ))}
                {thresholds.map((t) => (
                  <ReferenceLine
                    key={t.label}
                    y={t.value}
                    stroke="var(--destructive)"
                    strokeDasharray="4 4"
                    label={{ value: t.label, fontSize: 10, position: "insideTopRight" }}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        ) : null}
        {showQuery && (
          <div className="space-y-3" data-testid="panel-queries">
            {panel.queries.map((q) =>
              editing === q.ref ? (
                <QueryEditor
                  key={q.ref}
                  projectId={props.projectId}
                  baseVersion={props.baseVersion}
                  panelId={panel.id}
                  query={q}
                  onDone={() => setEditing(null)}
                />
              ) : (
                <div key={q.ref} className="space-y-1">
                  <pre className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{q.promql}</pre>
                  <div className="flex items-center gap-2 text-xs text-muted-foreground">
                    <span>
                      {q.ref}
                      {q.legend ? ` · ${q.legend}` : ""}
                      {q.generated && q.promql !== q.generated ? " · edited" : ""}
                    </span>
                    {props.canEdit && (
                      <Button size="sm" variant="outline" onClick={() => setEditing(q.ref)}>
                        Edit query {q.ref}
                      </Button>
                    )}
                  </div>
                </div>
              ),
            )}
            {thresholds.length > 0 && (
              <p className="text-xs text-muted-foreground">Lines: {thresholds.map((t) => `${t.label} ${formatValue(t.value, panel.unit)}`).join(", ")}</p>
            )}
          </div>
        )}
      </CardContent>
    </Card>
  );
}
