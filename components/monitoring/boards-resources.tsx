import Link from "@/components/ui/link";
import type { ResourceBoard } from "@/lib/monitoring/boards";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";

const share = (used: number, total: number) => (total > 0 ? used / total : 0);
const num = (n: number) => (n >= 10 ? Math.round(n).toLocaleString("en") : n.toFixed(2).replace(/\.?0+$/, ""));

function Meter({ label, used, total, unit }: { label: string; used: number; total: number; unit: string }) {
  const s = share(used, total);
  return (
    <div className="space-y-1">
      <div className="flex justify-between gap-2 text-sm">
        <span>{label}</span>
        <span className={cn("tabular-nums", s >= 0.9 && "text-destructive")}>
          {num(used)} / {num(total)} {unit} ({Math.round(s * 100)}%)
        </span>
      </div>
      <Progress value={Math.min(100, s * 100)} aria-label={`${label}: ${Math.round(s * 100)}%`} />
    </div>
  );
}

function Figure({ used, hard, unit }: { used: number; hard: number; unit: string }) {
  if (hard <= 0) return <span className="text-muted-foreground">no quota</span>;
  const s = share(used, hard);
  return (
    <span className={cn("tabular-nums", s >= 0.9 && "text-destructive")}>
      {num(used)}/{num(hard)}
      {unit} <span className="text-muted-foreground">({Math.round(s * 100)}%)</span>
    </span>
  );
}

/** Cluster capacity (requested against allocatable) and quota used against quota per project. */
export function ResourceBoards({ board }: { board: ResourceBoard }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card>
        <CardHeader>
          <CardTitle>Cluster capacity</CardTitle>
          <CardDescription>
            CPU and memory requested by the pods placed on each cluster against its schedulable nodes&apos; allocatable, read from the cluster.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-5">
          {!board.capacity.length && <p className="text-sm text-muted-foreground">No cluster is registered.</p>}
          {board.capacity.map((c) =>
            c.ok ? (
              <section key={c.cluster} className="space-y-2" aria-label={`Capacity of ${c.cluster}`}>
                <h3 className="font-medium">{c.cluster}</h3>
                <Meter label="CPU requested" used={c.cpu.requested} total={c.cpu.allocatable} unit="cores" />
                <Meter label="Memory requested" used={c.memoryGi.requested} total={c.memoryGi.allocatable} unit="GiB" />
                {c.top.length > 0 && (
                  <p className="text-xs text-muted-foreground">
                    Most CPU:{" "}
                    {c.top.map((t, i) => (
                      <span key={t.project}>
                        {i > 0 && ", "}
                        <Link href={t.href} className="underline-offset-4 hover:underline">
                          {t.project}
                        </Link>{" "}
                        ({num(t.cpu)} cores)
                      </span>
                    ))}
                  </p>
                )}
              </section>
            ) : (
              <section key={c.cluster} aria-label={`Capacity of ${c.cluster}`} className="rounded-md border border-destructive/40 p-3 text-sm">
                <h3 className="font-medium">{c.cluster}</h3>
                <p className="text-destructive">Cannot be read: {c.reason}</p>
              </section>
            ),
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Quota used per project</CardTitle>
          <CardDescription>Each project&apos;s ResourceQuotas summed over its namespaces on every cluster; fullest first.</CardDescription>
        </CardHeader>
        <CardContent>
          {board.quotas.length ? (
            <Table aria-label="Quota used per project">
              <TableHeader>
                <TableRow>
                  <TableHead>Project</TableHead>
                  <TableHead className="text-right">CPU</TableHead>
                  <TableHead className="text-right">Memory</TableHead>
                  <TableHead className="hidden text-right sm:table-cell">Pods</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {board.quotas.map((q) => (
                  <TableRow key={q.project}>
                    <TableCell>
                      <Link href={q.href} className="font-medium underline-offset-4 hover:underline">
                        {q.project}
                      </Link>
                    </TableCell>
                    <TableCell className="text-right">
                      <Figure used={q.cpu.used} hard={q.cpu.hard} unit="" />
                    </TableCell>
                    <TableCell className="text-right">
                      <Figure used={q.memoryGi.used} hard={q.memoryGi.hard} unit=" GiB" />
                    </TableCell>
                    <TableCell className="hidden text-right sm:table-cell">
                      <Figure used={q.pods.used} hard={q.pods.hard} unit="" />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : (
            <p className="text-sm text-muted-foreground">No project has a quota on a cluster that answered.</p>
          )}
          {board.problems.length > 0 && (
            <p role="status" className="mt-3 text-sm text-destructive">
              Incomplete: {board.problems.map((p) => `${p.cluster}: ${p.reason}`).join("; ")}
            </p>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
