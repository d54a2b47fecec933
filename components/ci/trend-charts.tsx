"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DurationPoint, SuccessPoint } from "@/lib/ci/history";

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Duration p50 and p95 (seconds) per day, of the runs the page is about (all services, or the one chosen). */
export function DurationChart({ points }: { points: DurationPoint[] }) {
  const data = points.flatMap((p) =>
    p.service === null && p.day !== null ? [{ day: p.day.slice(5), p50: seconds(p.p50Ms), p95: seconds(p.p95Ms), runs: p.runs }] : [],
  );
  if (data.length === 0) return <p className="text-sm text-muted-foreground">No finished run in this period.</p>;
  return (
    <div className="h-64 w-full" role="img" aria-label="Duration p50 and p95 per day, in seconds">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ left: 0, right: 8, top: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="stroke-border" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={48} tickFormatter={(v: number) => `${v} s`} />
          <Tooltip formatter={(v) => `${String(v)} s`} />
          <Legend />
          <Line type="linear" dataKey="p50" name="p50" stroke="var(--chart-1)" strokeWidth={2} dot={data.length < 20} />
          <Line type="linear" dataKey="p95" name="p95" stroke="var(--chart-4)" strokeWidth={2} dot={data.length < 20} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Success rate (succeeded of succeeded and failed) per day, in percent. */
export function SuccessChart({ points }: { points: SuccessPoint[] }) {
  const data = points
    .filter((p) => p.rate !== null)
    .map((p) => ({ day: p.day.slice(5), rate: Math.round((p.rate ?? 0) * 1000) / 10, runs: p.succeeded + p.failed }));
  if (data.length === 0) return <p className="text-sm text-muted-foreground">No finished run in this period.</p>;
  return (
    <div className="h-64 w-full" role="img" aria-label="Success rate per day, in percent">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ left: 0, right: 8, top: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" className="stroke-border" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} />
          <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} width={44} tickFormatter={(v: number) => `${v}%`} />
          <Tooltip formatter={(v) => `${String(v)}%`} />
          <Line type="linear" dataKey="rate" name="success rate" stroke="var(--chart-2)" strokeWidth={2} dot={data.length < 20} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
