"use client";

import Link from "@/components/ui/link";
import { useQuery } from "@tanstack/react-query";
import { Line, LineChart, ResponsiveContainer, YAxis } from "recharts";
import { StatusBadge } from "@/components/ui/status-badge";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { TimeAgo } from "@/components/shell/time-ago";
import { answered } from "./cluster-status";

export interface ClusterRow {
  id: string;
  name: string;
  displayName: string;
  region: string;
  tier: string;
  apiUrl: string;
  status: string;
  statusReason: string;
  kubernetesVersion: string;
  latencyMs: number | null;
  lastCheckedAt: string | Date | null;
  _count: { environments: number };
  history: { at: string | Date; latencyMs: number | null; status: string }[];
}

function Sparkline({ points }: { points: ClusterRow["history"] }) {
  const data = points.map((p) => ({ ms: answered(p.status) ? p.latencyMs : null }));
  if (data.length < 2) return <span className="text-xs text-muted-foreground">—</span>;
  return (
    <div className="h-8 w-28" aria-hidden>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data}>
          <YAxis hide domain={[0, "dataMax"]} />
          <Line type="monotone" dataKey="ms" stroke="var(--chart-1)" strokeWidth={1.5} dot={false} isAnimationActive={false} connectNulls={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The registry, kept current by polling /api/clusters (the worker checks every minute). */
export function ClusterTable({ initial }: { initial: ClusterRow[] }) {
  const { data } = useQuery({
    queryKey: ["clusters"],
    queryFn: async () => {
      const res = await fetch("/api/clusters");
      if (!res.ok) throw new Error(`clusters: ${res.status}`);
      return ((await res.json()) as { clusters: ClusterRow[] }).clusters;
    },
    initialData: initial,
    refetchInterval: 15_000,
  });
  return (
    <div className="rounded-md border">
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead>Cluster</TableHead>
            <TableHead>Region</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>Version</TableHead>
            <TableHead className="text-right">Latency</TableHead>
            <TableHead className="hidden lg:table-cell">Last hour</TableHead>
            <TableHead className="hidden md:table-cell">Checked</TableHead>
            <TableHead className="hidden md:table-cell text-right">Environments</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {data.map((c) => (
            <TableRow key={c.id} data-testid={`cluster-${c.name}`}>
              <TableCell>
                <Link href={`/clusters/${c.name}`} className="font-medium hover:underline">
                  {c.displayName || c.name}
                </Link>
                <div className="font-mono text-xs text-muted-foreground">{c.apiUrl}</div>
              </TableCell>
              <TableCell>
                {c.region} <Badge variant="outline">{c.tier}</Badge>
              </TableCell>
              <TableCell className="max-w-xs">
                <StatusBadge status={c.status} />
                {c.status === "missing_permissions" ? (
                  <div className="mt-1 text-xs whitespace-normal text-muted-foreground">
                    The credentials lack permissions Wharf needs: the cluster&apos;s page lists them.
                  </div>
                ) : (
                  c.status !== "reachable" && c.statusReason && <div className="mt-1 text-xs whitespace-normal text-destructive">{c.statusReason}</div>
                )}
              </TableCell>
              <TableCell className="font-mono text-sm">{c.kubernetesVersion || "—"}</TableCell>
              <TableCell className="text-right tabular-nums">{answered(c.status) && c.latencyMs !== null ? `${c.latencyMs} ms` : "—"}</TableCell>
              <TableCell className="hidden lg:table-cell">
                <Sparkline points={c.history} />
              </TableCell>
              <TableCell className="hidden text-sm text-muted-foreground md:table-cell">
                <TimeAgo date={c.lastCheckedAt} />
              </TableCell>
              <TableCell className="hidden text-right md:table-cell">{c._count.environments}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
