import Link from "@/components/ui/link";
import type { AvailabilityBoard, BoardRange, ServiceAvailability } from "@/lib/monitoring/boards";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";

const pct = (r: number, digits = 2) => `${(r * 100).toFixed(digits)}%`;
const RANGES: { value: BoardRange; label: string }[] = [
  { value: "24h", label: "24 h" },
  { value: "7d", label: "7 d" },
  { value: "30d", label: "30 d" },
];

/** The range picker: links, so the board is a plain server render and the range is in the URL. */
export function BoardRangePicker({ range, environment }: { range: BoardRange; environment: string }) {
  return (
    <nav aria-label="Availability range" className="flex gap-1">
      {RANGES.map((r) => (
        <Link
          key={r.value}
          href={`/dashboards?range=${r.value}${environment !== "all" ? `&env=${environment}` : ""}`}
          aria-current={r.value === range ? "page" : undefined}
          className={cn(
            "rounded-md border px-2.5 py-1 text-sm",
            r.value === range ? "bg-primary text-primary-foreground" : "hover:bg-accent hover:text-accent-foreground",
          )}
        >
          {r.label}
        </Link>
      ))}
    </nav>
  );
}

function ServiceRows({ rows, label }: { rows: ServiceAvailability[]; label: string }) {
  return (
    <Table aria-label={label}>
      <TableHeader>
        <TableRow>
          <TableHead>Service</TableHead>
          <TableHead className="text-right">Availability</TableHead>
          <TableHead className="text-right">Error ratio</TableHead>
          <TableHead className="hidden text-right sm:table-cell">Objective</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((s) => (
          <TableRow key={`${s.project}/${s.service}/${s.environment}`}>
            <TableCell>
              <Link href={s.href} className="font-medium underline-offset-4 hover:underline">
                {s.project}/{s.service}
              </Link>
              <span className="text-muted-foreground"> · {s.environment}</span>
            </TableCell>
            <TableCell className={cn("text-right tabular-nums", s.availability < 0.99 && "text-destructive")}>{pct(s.availability)}</TableCell>
            <TableCell className="text-right tabular-nums">{pct(s.errorRatio)}</TableCell>
            <TableCell className="hidden text-right tabular-nums sm:table-cell">≤ {pct(s.objective, 1)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Availability per service and team, and the week's worst services. */
export function AvailabilityBoards({ board }: { board: AvailabilityBoard }) {
  if (board.state !== "ok") {
    return (
      <Card>
        <CardHeader>
          <CardTitle>Availability</CardTitle>
        </CardHeader>
        <CardContent>
          <p className="text-sm text-muted-foreground">{board.message}</p>
        </CardContent>
      </Card>
    );
  }
  const problems = board.problems.length ? (
    <p role="status" className="text-sm text-destructive">
      Incomplete: {board.problems.map((p) => `${p.cluster}: ${p.reason}`).join("; ")}
    </p>
  ) : null;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card className="lg:col-span-2">
        <CardHeader>
          <CardTitle>Availability per service</CardTitle>
          <CardDescription>
            The share of the range&apos;s 5-minute steps with traffic at which the service&apos;s error ratio (5xx over all requests, summed over its clusters)
            held its objective (the spec&apos;s error-ratio objective, 1% by default). Steps without traffic count neither way.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          {problems}
          {board.services.length ? (
            <ServiceRows rows={board.services} label="Availability per service" />
          ) : (
            <p className="text-sm text-muted-foreground">No service served traffic in this range.</p>
          )}
          {board.withoutTraffic > 0 && (
            <p className="text-sm text-muted-foreground">
              {board.withoutTraffic} deployed service{board.withoutTraffic === 1 ? "" : "s"} had no traffic in this range (no figure rather than a false 100%).
            </p>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Availability per team</CardTitle>
          <CardDescription>Each team&apos;s services, weighted by the requests each served in the range.</CardDescription>
        </CardHeader>
        <CardContent>
          {board.teams.length ? (
            <Table aria-label="Availability per team">
              <TableHeader>
                <TableRow>
                  <TableHead>Team</TableHead>
                  <TableHead className="text-right">Availability</TableHead>
                  <TableHead className="text-right">Services</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {board.teams.map((t) => (
                  <TableRow key={t.team}>
                    <TableCell>
                      <Link href={`/teams/${t.team}`} className="font-medium underline-offset-4 hover:underline">
                        {t.name}
                      </Link>
                    </TableCell>
                    <TableCell className={cn("text-right tabular-nums", t.availability < 0.99 && "text-destructive")}>{pct(t.availability)}</TableCell>
                    <TableCell className="text-right tabular-nums">{t.services}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : (
            <p className="text-sm text-muted-foreground">No team&apos;s services served traffic in this range.</p>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Worst services this week</CardTitle>
          <CardDescription>The last 7 days: lowest availability first, then highest error ratio. Each links to the project&apos;s dashboard.</CardDescription>
        </CardHeader>
        <CardContent>
          {board.worst.length ? (
            <ServiceRows rows={board.worst} label="Worst services this week" />
          ) : (
            <p className="text-sm text-muted-foreground">Every service with traffic held its objective this week.</p>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
