"use client";

import Link from "@/components/ui/link";
import { useQuery } from "@tanstack/react-query";
import { TimeAgo } from "@/components/shell/time-ago";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { MatrixRow } from "@/lib/deploy/matrix";

type Matrix = {
  rows: (Omit<MatrixRow, "lastRelease"> & { lastRelease?: { id: string; number: number; status: string; tag: string; at: string | Date } })[];
  clusters: { name: string; ok: boolean; ms: number; error?: string }[];
  total: number;
  page: number;
  size: number;
  pages: number;
};

/** The Deployments page with the same filters on another page. */
function pageHref(query: string, page: number): string {
  const params = new URLSearchParams(query);
  if (page === 1) params.delete("page");
  else params.set("page", String(page));
  const s = params.toString();
  return s ? `/deployments?${s}` : "/deployments";
}

const TONE: Record<string, string> = {
  ready: "succeeded",
  progressing: "progressing",
  degraded: "failed",
  unreachable: "unreachable",
  "not-deployed": "planned",
};

/**
 * Services x environments x clusters, a page of services at a time, refreshed every 10 s; a cluster that
 * does not answer marks its own cells.
 */
export function MatrixTable({ initial, query, showProject }: { initial: Matrix; query: string; showProject: boolean }) {
  const { data } = useQuery({
    queryKey: ["matrix", query],
    queryFn: async (): Promise<Matrix> => {
      const res = await fetch(`/api/matrix?${query}`);
      if (!res.ok) throw new Error(`matrix: ${res.status}`);
      return res.json();
    },
    initialData: initial,
    refetchInterval: 10_000,
  });
  const down = data.clusters.filter((c) => !c.ok);
  return (
    <div className="space-y-3">
      {down.length > 0 && (
        <p className="text-sm text-destructive" data-testid="clusters-down">
          {down.map((c) => `${c.name}: ${c.error}`).join(" · ")}
        </p>
      )}
      <div className="rounded-md border">
        <Table>
          <TableHeader>
            <TableRow>
              {showProject && <TableHead>Project</TableHead>}
              <TableHead>Service</TableHead>
              <TableHead>Environment</TableHead>
              <TableHead>Clusters</TableHead>
              <TableHead>Last release</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.rows.map((r) => (
              <TableRow key={`${r.serviceId}-${r.environment}`} data-testid={`matrix-${r.projectSlug}-${r.service}-${r.environment}`}>
                {showProject && (
                  <TableCell>
                    <Link className="hover:underline" href={`/projects/${r.projectSlug}`}>
                      {r.projectName}
                    </Link>
                  </TableCell>
                )}
                <TableCell>
                  <Link className="font-medium hover:underline" href={`/projects/${r.projectSlug}/services/${r.service}?env=${r.environment}`}>
                    {r.service}
                  </Link>
                </TableCell>
                <TableCell>{r.environment}</TableCell>
                <TableCell className="min-w-56 whitespace-normal">
                  <div className="flex flex-wrap gap-2">
                    {r.cells.map((c) => (
                      <span
                        key={c.clusterId}
                        className="inline-flex flex-wrap items-center gap-2 rounded-md border px-2 py-1 text-xs"
                        title={c.error}
                        data-testid={`cell-${c.cluster}`}
                      >
                        <span className="font-medium">{c.cluster}</span>
                        {c.tag && <span className="font-mono">{c.tag}</span>}
                        {c.desired !== undefined && (
                          <span className="tabular-nums text-muted-foreground">
                            {c.ready}/{c.desired}
                          </span>
                        )}
                        <StatusBadge status={TONE[c.status] ?? c.status} label={c.status} />
                        {c.drift && (
                          <Badge variant="warning" title={`Changed outside Wharf: ${c.drift.differences.join("; ")}`} data-testid="drift">
                            drifted from #{c.drift.release.number}
                          </Badge>
                        )}
                      </span>
                    ))}
                  </div>
                </TableCell>
                <TableCell className="text-sm">
                  {r.lastRelease ? (
                    <>
                      <Link className="hover:underline" href={`/releases/${r.lastRelease.id}`}>
                        #{r.lastRelease.number} {r.lastRelease.tag} · {r.lastRelease.status} · <TimeAgo date={r.lastRelease.at} />
                      </Link>
                      {r.cells.some((c) => c.drift) && (
                        <div className="text-xs">
                          <Link className="text-warning-foreground underline" href={`/projects/${r.projectSlug}/services/${r.service}?env=${r.environment}`}>
                            {r.cells
                              .filter((c) => c.drift)
                              .map((c) => c.cluster)
                              .join(", ")}{" "}
                            drifted: see and restore
                          </Link>
                        </div>
                      )}
                    </>
                  ) : (
                    <span className="text-muted-foreground">never deployed</span>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <nav className="flex items-center justify-between text-sm" aria-label="Pagination">
        <span className="text-muted-foreground" data-testid="matrix-count">
          {data.total === 0
            ? "No services"
            : data.page > data.pages
              ? `Page ${data.page} is past the last page; ${data.total} services in all`
              : `Services ${(data.page - 1) * data.size + 1}–${Math.min(data.page * data.size, data.total)} of ${data.total}`}
        </span>
        <div className="flex gap-2">
          <Button asChild={data.page > 1} variant="outline" size="sm" disabled={data.page <= 1}>
            {data.page > 1 ? <Link href={pageHref(query, data.page - 1)}>Previous</Link> : <span>Previous</span>}
          </Button>
          <span className="self-center text-muted-foreground">
            Page {data.page} of {data.pages}
          </span>
          <Button asChild={data.page < data.pages} variant="outline" size="sm" disabled={data.page >= data.pages}>
            {data.page < data.pages ? <Link href={pageHref(query, data.page + 1)}>Next</Link> : <span>Next</span>}
          </Button>
        </div>
      </nav>
    </div>
  );
}
