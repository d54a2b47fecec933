import Link from "@/components/ui/link";
import { AlertTriangle, Rocket, Ticket } from "lucide-react";
import type { WatchBoards as TWatchBoards } from "@/lib/catalog/summary";
import { RelativeTime } from "@/components/shell/relative-time";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

function Figure({ value, label, testId }: { value: number; label: string; testId: string }) {
  return (
    <div className="flex items-baseline gap-2">
      <span className="text-3xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </span>
      <span className="text-sm text-muted-foreground">{label}</span>
    </div>
  );
}

function ageLabel(days: number) {
  return days === 0 ? "today" : days === 1 ? "1 day" : `${days} days`;
}

/** What managers watch, on their home: deliveries, failed releases and open tickets with their age. */
export function WatchBoards({ boards }: { boards: TWatchBoards }) {
  const { deliveries, failures, tickets } = boards;
  return (
    <div className="mb-6 grid gap-6 md:grid-cols-3">
      <Card className="min-w-0" aria-labelledby="board-deliveries">
        <CardHeader>
          <CardTitle id="board-deliveries" className="flex items-center gap-2">
            <Rocket className="size-4 text-muted-foreground" aria-hidden /> Deliveries this week
          </CardTitle>
          <CardDescription>Releases that succeeded in the last 7 days.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <Figure value={deliveries.count} label={`releases, ${deliveries.prod} to production`} testId="deliveries-count" />
          {deliveries.latest.length === 0 ? (
            <p className="text-sm text-muted-foreground">Nothing delivered this week yet.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {deliveries.latest.map((r) => (
                <li key={r.id} className="flex items-center justify-between gap-2">
                  <Link href={`/releases/${r.id}`} className="min-w-0 truncate hover:underline">
                    {r.title} <span className="text-muted-foreground">{r.tag}</span>
                  </Link>
                  <span className="shrink-0 text-xs text-muted-foreground">
                    {r.environment} · <RelativeTime date={r.at} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <Card className="min-w-0" aria-labelledby="board-failures">
        <CardHeader>
          <CardTitle id="board-failures" className="flex items-center gap-2">
            <AlertTriangle className="size-4 text-muted-foreground" aria-hidden /> Failed releases
          </CardTitle>
          <CardDescription>Releases that failed or were rolled back in the last 7 days; the latest below.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <Figure value={failures.count} label="this week" testId="failures-count" />
          {failures.latest.length === 0 ? (
            <p className="text-sm text-muted-foreground">No release has failed.</p>
          ) : (
            <ul className="space-y-2 text-sm">
              {failures.latest.map((r) => (
                <li key={r.id} className="min-w-0">
                  <div className="flex items-center justify-between gap-2">
                    <Link href={`/releases/${r.id}`} className="min-w-0 truncate hover:underline">
                      {r.title} <span className="text-muted-foreground">{r.tag}</span>
                    </Link>
                    <span className="shrink-0 text-xs text-muted-foreground">
                      {r.environment} · <RelativeTime date={r.at} />
                    </span>
                  </div>
                  {r.reason && (
                    <div className="truncate text-xs text-destructive" title={r.reason}>
                      {r.reason}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <Card className="min-w-0" aria-labelledby="board-tickets">
        <CardHeader>
          <CardTitle id="board-tickets" className="flex items-center gap-2">
            <Ticket className="size-4 text-muted-foreground" aria-hidden /> Open tickets
          </CardTitle>
          <CardDescription>Requests waiting for a decision, the longest waiting first.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <Figure value={tickets.open} label="waiting" testId="open-tickets-count" />
          <div className="flex flex-wrap gap-2 text-xs" aria-label="Open tickets by age">
            <Badge variant="outline">{tickets.ages.day} under a day</Badge>
            <Badge variant="outline">{tickets.ages.week} up to a week</Badge>
            <Badge variant={tickets.ages.older > 0 ? "destructive" : "outline"}>{tickets.ages.older} older</Badge>
          </div>
          {tickets.oldest.length > 0 && (
            <ul className="space-y-1 text-sm" aria-label="Longest waiting tickets">
              {tickets.oldest.map((t) => (
                <li key={t.number} className="flex items-center justify-between gap-2">
                  <Link href={`/tickets/${t.number}`} className="min-w-0 truncate hover:underline" title={t.title}>
                    #{t.number} {t.title}
                  </Link>
                  <span className="shrink-0 text-xs text-muted-foreground" title={t.createdAt.toISOString()}>
                    {ageLabel(t.ageDays)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
