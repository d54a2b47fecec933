"use client";

import Link from "@/components/ui/link";
import { useInfiniteQuery, type InfiniteData } from "@tanstack/react-query";
import { GitBranch, Loader2, Tag } from "lucide-react";
import { listRunsAction } from "@/lib/ci/actions";
import type { RunRow, RunsPage } from "@/lib/ci/history";
import { TimeAgo } from "@/components/shell/time-ago";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/** What one page of the list carries to the browser. */
export type RunsChunk = Pick<RunsPage, "runs" | "nextCursor" | "active">;

/** How often the list asks again while a run on it is not over. */
const REFRESH_MS = 3_000;

/** The react-query key of a project's runs list; invalidate it (by its first two parts) after starting a run. */
export const runsKey = (slug: string, filters: Record<string, string>) => ["ci-runs", slug, filters] as const;

/** "45 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

const EXPLAINED = new Set(["queued", "pending", "failed", "cancelled"]);

function RunStatus({ run }: { run: RunRow }) {
  const explain = EXPLAINED.has(run.status) && run.reason;
  return (
    <div className="max-w-64 space-y-1 whitespace-normal">
      <span title={explain ? run.reason : undefined}>
        <StatusBadge status={run.status} />
      </span>
      {explain && (
        <p className="line-clamp-2 text-xs text-muted-foreground" data-testid="run-reason">
          {run.reason}
        </p>
      )}
    </div>
  );
}

/**
 * A project's runs, newest first, with Load more; while a run shown is not
 * over the list asks again every few seconds (and stops once all are done).
 */
export function RunsTable({ slug, filters, initial }: { slug: string; filters: Record<string, string>; initial: RunsChunk }) {
  const query = useInfiniteQuery({
    queryKey: runsKey(slug, filters),
    queryFn: async ({ pageParam }): Promise<RunsChunk> => {
      const r = await listRunsAction({ projectSlug: slug, ...filters, ...(pageParam ? { cursor: pageParam } : {}) });
      if (!r.ok) throw new Error(r.error.message);
      return { runs: r.data.runs, nextCursor: r.data.nextCursor, active: r.data.active };
    },
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    initialData: { pages: [initial], pageParams: [0] } satisfies InfiniteData<RunsChunk, number>,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.active) ? REFRESH_MS : false),
  });
  const runs = query.data.pages.flatMap((p) => p.runs);
  const base = `/projects/${slug}/builds`;
  return (
    <div className="space-y-3">
      <div className="rounded-md border">
        <Table aria-label="Runs">
          <TableHeader>
            <TableRow>
              <TableHead className="w-16">Run</TableHead>
              <TableHead>Service</TableHead>
              <TableHead>Branch or tag</TableHead>
              <TableHead>Commit</TableHead>
              <TableHead className="hidden md:table-cell">Author</TableHead>
              <TableHead className="hidden sm:table-cell">Trigger</TableHead>
              <TableHead>Started</TableHead>
              <TableHead>Duration</TableHead>
              <TableHead>Status</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {runs.map((r) => (
              <TableRow key={r.id} className="align-top" data-testid={`run-${r.number}`}>
                <TableCell>
                  <Link className="font-mono font-medium hover:underline" href={`${base}/${r.number}`}>
                    #{r.number}
                  </Link>
                </TableCell>
                <TableCell>{r.service}</TableCell>
                <TableCell>
                  <span className="inline-flex items-center gap-1 font-mono text-xs">
                    {r.refKind === "tag" ? <Tag className="size-3" aria-label="tag" /> : <GitBranch className="size-3" aria-label="branch" />}
                    {r.ref}
                  </span>
                </TableCell>
                <TableCell className="max-w-72 min-w-40 whitespace-normal">
                  {r.commitSha ? (
                    <span className="font-mono text-xs">{r.commitSha.slice(0, 7)}</span>
                  ) : (
                    <span className="text-xs text-muted-foreground">head</span>
                  )}{" "}
                  <span className="line-clamp-1 text-xs text-muted-foreground" title={r.title}>
                    {r.title || "—"}
                  </span>
                </TableCell>
                <TableCell className="hidden max-w-48 truncate text-xs md:table-cell" title={r.author}>
                  {r.author.replace(/\s*<[^>]*>$/, "") || "—"}
                </TableCell>
                <TableCell className="hidden text-xs sm:table-cell">{r.trigger}</TableCell>
                <TableCell className="text-xs">
                  <TimeAgo date={r.startedAt ?? r.createdAt} />
                </TableCell>
                <TableCell className="text-xs tabular-nums">{formatDuration(r.durationMs)}</TableCell>
                <TableCell>
                  <RunStatus run={r} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-muted-foreground">
        <span aria-live="polite">
          {runs.length} run{runs.length === 1 ? "" : "s"} shown
          {query.data.pages.some((p) => p.active) && " · refreshing while runs are active"}
        </span>
        {query.error && <span className="text-destructive">{query.error.message}</span>}
        {query.hasNextPage && (
          <Button variant="outline" size="sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage && <Loader2 className="animate-spin" />} Load more
          </Button>
        )}
      </div>
    </div>
  );
}
