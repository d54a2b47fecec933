"use client";

/**
 * Alerts firing now, kept current: the server renders the first list, then
 * react-query reads `/api/alerts/firing` (same filters, same scope) every 5 s.
 */
import Link from "@/components/ui/link";
import { useQuery } from "@tanstack/react-query";
import { BellOff, Siren } from "lucide-react";
import { TimeAgo } from "@/components/shell/time-ago";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { matchersFromLabels } from "@/lib/alerting/silence-matchers";
import { AlertStatusBadge, IncidentStatusBadge, SeverityBadge } from "./alerts-badges";
import { SilenceDialog } from "./silence-dialog";

/** An alert as it crosses the wire (dates as ISO text). */
export interface WireAlert {
  id: string;
  alertname: string;
  severity: string;
  status: string;
  teamSlug: string;
  projectSlug: string;
  serviceSlug: string;
  environment: string;
  cluster: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  project: { slug: string; name: string } | null;
  incident: { number: number; status: string } | null;
}
export interface WireFiring {
  alerts: WireAlert[];
  total: number;
  groups: { team: string; severity: string; count: number }[];
}

/** Labels every alert carries in its own columns; the rest are shown as chips. */
const SHOWN_APART = new Set(["alertname", "severity", "team", "project", "service", "environment", "cluster"]);

export function FiringAlertsLive({
  initial,
  query,
  filtered,
  limit,
  silenceProjectId,
}: {
  initial: WireFiring;
  query: string;
  filtered: boolean;
  limit: number;
  /** A project's page, for someone who may silence its alerts: each alert offers the silence dialog with its labels. */
  silenceProjectId?: string;
}) {
  const { data, isError } = useQuery({
    queryKey: ["alerts-firing", query],
    queryFn: async (): Promise<WireFiring> => {
      const res = await fetch(`/api/alerts/firing${query ? `?${query}` : ""}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`alerts: ${res.status}`);
      return res.json();
    },
    initialData: initial,
    refetchInterval: 5_000,
  });
  const teams = [...new Set(data.groups.map((g) => g.team))];
  return (
    <div className="space-y-6">
      {isError && (
        <Alert variant="destructive">
          <AlertDescription>
            The list could not be refreshed; it shows what was firing at the last successful read. Wharf tries again every 5 seconds.
          </AlertDescription>
        </Alert>
      )}
      <section aria-label="Firing by team and severity" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {teams.map((team) => (
          <div key={team || "none"} className="rounded-lg border p-3" data-testid={`alerts-team-${team || "none"}`}>
            <div className="mb-2 truncate text-sm font-medium">{team || "No team (platform)"}</div>
            <div className="flex flex-wrap gap-2">
              {data.groups
                .filter((g) => g.team === team)
                .map((g) => (
                  <span key={g.severity} className="inline-flex items-center gap-1 text-sm">
                    <SeverityBadge severity={g.severity} /> <span className="font-semibold tabular-nums">{g.count}</span>
                  </span>
                ))}
            </div>
          </div>
        ))}
      </section>
      {data.alerts.length === 0 ? (
        <EmptyState
          icon={filtered ? BellOff : Siren}
          title={filtered ? "No firing alert matches these filters" : "Nothing is firing"}
          description={filtered ? "Clear a filter to see more." : "Alerts of your projects show up here while they fire, and leave when they resolve."}
        />
      ) : (
        <>
          <p className="text-sm text-muted-foreground" aria-live="polite">
            {data.total} firing{data.total > data.alerts.length ? `; the ${limit} oldest of the worst severity are shown, narrow with the filters` : ""}.
          </p>
          <ul className="divide-y rounded-lg border" aria-label="Firing alerts">
            {data.alerts.map((a) => (
              <AlertItem key={a.id} alert={a} silenceProjectId={silenceProjectId} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function AlertItem({ alert: a, showProject = true, silenceProjectId }: { alert: WireAlert; showProject?: boolean; silenceProjectId?: string }) {
  const extra = Object.entries(a.labels).filter(([k]) => !SHOWN_APART.has(k));
  const summary = a.annotations.summary || a.annotations.description || "";
  return (
    <li className="space-y-1.5 p-3" data-testid={`alert-${a.id}`}>
      <div className="flex flex-wrap items-center gap-2">
        <SeverityBadge severity={a.severity} />
        <span className="font-medium break-all">{a.alertname}</span>
        {a.status !== "firing" && <AlertStatusBadge status={a.status} />}
        <span className="text-sm text-muted-foreground">
          since <TimeAgo date={a.startsAt} />
        </span>
      </div>
      {summary && <p className="text-sm break-words">{summary}</p>}
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-muted-foreground">
        {showProject && a.project && (
          <Link className="underline-offset-4 hover:underline" href={`/projects/${a.project.slug}/alerts`}>
            {a.project.slug}
          </Link>
        )}
        {a.serviceSlug && <span>{a.serviceSlug}</span>}
        {a.environment && <span>{a.environment}</span>}
        {a.cluster && <span data-testid="alert-cluster">on {a.cluster}</span>}
        {a.teamSlug && <span>team {a.teamSlug}</span>}
        {a.incident && (
          <>
            <Link className="font-medium text-foreground underline-offset-4 hover:underline" href={`/incidents/${a.incident.number}`}>
              INC-{a.incident.number}
            </Link>
            <IncidentStatusBadge status={a.incident.status} />
            {/* Elsewhere than its project's page, "Silence…" opens the silence dialog on the incident page (?action=silence). */}
            {!silenceProjectId && (
              <Link className="underline-offset-4 hover:underline" href={`/incidents/${a.incident.number}?action=silence`}>
                Silence…
              </Link>
            )}
          </>
        )}
        {silenceProjectId && <SilenceDialog projectId={silenceProjectId} matchers={matchersFromLabels(a.labels)} trigger="Silence…" />}
      </div>
      {extra.length > 0 && (
        <div className="flex flex-wrap gap-1">
          {extra.map(([k, v]) => (
            <Badge key={k} variant="outline" className="max-w-full font-mono text-xs font-normal break-all whitespace-normal">
              {k}={v}
            </Badge>
          ))}
        </div>
      )}
    </li>
  );
}
