import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDuration, type TeamIncidentStats } from "@/lib/alerting/stats";

/** Managers' figures per team: open now; over the window, opened, mean time to acknowledge and to resolve. */
export function IncidentsTeamStats({ stats }: { stats: { days: number; teams: TeamIncidentStats[] } }) {
  return (
    <Card className="mb-6">
      <CardHeader>
        <CardTitle>Per team</CardTitle>
        <CardDescription>
          Incidents open now; over the last {stats.days} days, how many opened and the mean time from opening to acknowledgement (MTTA) and to resolution
          (MTTR).
        </CardDescription>
      </CardHeader>
      <CardContent>
        {stats.teams.length === 0 ? (
          <p className="text-sm text-muted-foreground">No incident in the last {stats.days} days.</p>
        ) : (
          <div className="overflow-x-auto">
            <Table aria-label="Incidents per team">
              <TableHeader>
                <TableRow>
                  <TableHead>Team</TableHead>
                  <TableHead className="text-right">Open</TableHead>
                  <TableHead className="text-right">Opened ({stats.days} d)</TableHead>
                  <TableHead className="text-right">MTTA</TableHead>
                  <TableHead className="text-right">MTTR</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {stats.teams.map((t) => (
                  <TableRow key={t.teamId} data-testid={`team-stats-${t.slug}`}>
                    <TableCell>{t.name}</TableCell>
                    <TableCell className="text-right tabular-nums">{t.open}</TableCell>
                    <TableCell className="text-right tabular-nums">{t.opened}</TableCell>
                    <TableCell className="text-right tabular-nums" title={`${t.acknowledged} acknowledged`}>
                      {formatDuration(t.mttaSeconds)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums" title={`${t.resolved} resolved`}>
                      {formatDuration(t.mttrSeconds)}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        )}
      </CardContent>
    </Card>
  );
}
