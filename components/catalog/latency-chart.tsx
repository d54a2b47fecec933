"use client";

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { format } from "date-fns";
import { answered } from "./cluster-status";

export function LatencyChart({ points }: { points: { at: string; latencyMs: number | null; status: string }[] }) {
  const data = points.map((p) => ({ t: format(new Date(p.at), "HH:mm"), ms: answered(p.status) ? p.latencyMs : null }));
  if (data.length < 2) return <p className="text-sm text-muted-foreground">Not enough checks yet: the worker checks every minute.</p>;
  return (
    <div className="h-56 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ left: 0, right: 8, top: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="stroke-border" />
          <XAxis dataKey="t" tick={{ fontSize: 11 }} minTickGap={24} />
          <YAxis tick={{ fontSize: 11 }} unit=" ms" width={56} />
          <Tooltip formatter={(v) => [v === null ? "unreachable" : `${v} ms`, "latency"]} />
          <Line type="monotone" dataKey="ms" stroke="var(--chart-1)" strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
