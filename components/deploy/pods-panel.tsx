"use client";

/**
 * A service's pods per cluster, polled every 3 s while the page is open, so a
 * killed pod is seen terminating and its replacement starting.
 */
import Link from "@/components/ui/link";
import { useQuery } from "@tanstack/react-query";
import { ScrollText } from "lucide-react";
import { Button } from "@/components/ui/button";
import { TimeAgo } from "@/components/shell/time-ago";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { listPods } from "@/lib/deploy/observe";
import { KillPodButton } from "./service-actions";
import { tagOfImage } from "@/lib/deploy/image";

type Env = "dev" | "test" | "staging" | "prod";
type PodsByCluster = Awaited<ReturnType<typeof listPods>>;

const POLL_MS = 3000;

export function PodsPanel({
  serviceId,
  environment,
  initial,
  canKill,
  logsHref = null,
}: {
  serviceId: string;
  environment: Env;
  initial: PodsByCluster;
  canKill: boolean;
  /** The service's logs page in this environment when the reader may read its logs (each pod links to it, filtered to that pod). */
  logsHref?: string | null;
}) {
  const { data, refetch } = useQuery({
    queryKey: ["pods", serviceId, environment],
    queryFn: async (): Promise<PodsByCluster> => {
      const res = await fetch(`/api/services/${serviceId}/pods?env=${environment}`);
      if (!res.ok) throw new Error(`pods: ${res.status}`);
      return res.json();
    },
    initialData: initial,
    refetchInterval: POLL_MS,
  });
  return (
    <div className="space-y-6">
      {data.map((c) => (
        <section key={c.clusterId} aria-label={`Pods on ${c.cluster}`}>
          <h3 className="mb-2 text-sm font-semibold">{c.cluster}</h3>
          {!c.ok ? (
            <p className="text-sm text-destructive">{c.error}</p>
          ) : c.value.length === 0 ? (
            <p className="text-sm text-muted-foreground">No pods.</p>
          ) : (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Pod</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>Ready</TableHead>
                  <TableHead>Restarts</TableHead>
                  <TableHead>Age</TableHead>
                  <TableHead>Node</TableHead>
                  <TableHead>Last event</TableHead>
                  <TableHead />
                </TableRow>
              </TableHeader>
              <TableBody>
                {c.value.map((p) => (
                  <TableRow key={p.name} data-testid={`pod-${p.name}`}>
                    <TableCell className="font-mono text-xs">
                      {p.name}
                      <div className="text-muted-foreground">{tagOfImage(p.image)}</div>
                    </TableCell>
                    <TableCell>
                      <StatusBadge status={p.phase} />
                    </TableCell>
                    <TableCell className="tabular-nums">{p.ready}</TableCell>
                    <TableCell className="tabular-nums">{p.restarts}</TableCell>
                    <TableCell className="text-xs">{p.createdAt ? <TimeAgo date={p.createdAt} /> : ""}</TableCell>
                    <TableCell className="text-xs">{p.node}</TableCell>
                    <TableCell className="max-w-xs text-xs whitespace-normal text-muted-foreground">
                      {p.events[0] ? `${p.events[0].reason}: ${p.events[0].message}` : ""}
                    </TableCell>
                    <TableCell className="space-x-1 whitespace-nowrap">
                      {logsHref && (
                        <Button asChild size="sm" variant="ghost">
                          <Link
                            href={`${logsHref}&cluster=${encodeURIComponent(c.cluster)}&pod=${encodeURIComponent(p.name)}`}
                            aria-label={`Logs of ${p.name} on ${c.cluster}`}
                          >
                            <ScrollText /> Logs
                          </Link>
                        </Button>
                      )}
                      {canKill && p.phase !== "Terminating" && (
                        <KillPodButton
                          serviceId={serviceId}
                          environment={environment}
                          clusterId={c.clusterId}
                          cluster={c.cluster}
                          pod={p.name}
                          replicaSet={p.replicaSet}
                          onKilled={() => void refetch()}
                        />
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </section>
      ))}
    </div>
  );
}
