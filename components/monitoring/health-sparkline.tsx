"use client";

import { Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** A cluster's error ratio around a release: a small line, the release's start marked, the objective dashed. */
export function HealthSparkline({
  points,
  releaseAt,
  objective,
  label,
}: {
  points: { t: number; ratio: number | null }[];
  releaseAt: number;
  objective: number;
  label: string;
}) {
  if (!points.length) return <p className="text-xs text-muted-foreground">No error-ratio points around the release.</p>;
  const data = points.map((p) => ({ t: p.t, ratio: p.ratio === null ? null : Math.round(p.ratio * 10000) / 100 }));
  return (
    <div className="h-16 w-full" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ left: 0, right: 0, top: 4, bottom: 4 }}>
          <XAxis hide dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} />
          <YAxis hide domain={[0, (max: number) => Math.max(max, objective * 100 * 2, 1)]} />
          <Tooltip
            formatter={(v) => [`${String(v)}%`, "errors"]}
            labelFormatter={(_, p) => (p?.[0] ? new Date((p[0].payload as { t: number }).t).toLocaleTimeString() : "")}
          />
          <ReferenceLine y={objective * 100} stroke="var(--muted-foreground)" strokeDasharray="3 3" />
          <ReferenceLine x={releaseAt} stroke="var(--chart-2)" />
          <Line type="monotone" dataKey="ratio" stroke="var(--chart-1)" dot={false} isAnimationActive={false} connectNulls={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
