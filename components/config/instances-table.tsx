"use client";

/**
 * The instances of a config working copy, as the config service recorded
 * them: which release each holds, whether it is a gray instance, and (in the
 * gray release editor) whether the rule being edited selects it now. One
 * react-query entry per working copy and rule, read from /api/config/instances.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { TimeAgo } from "@/components/shell/time-ago";
import type { TSetRef } from "@/lib/config/schemas";
import type { TGrayRule } from "@/lib/config/gray-rule";

export interface InstanceRow {
  ip: string;
  pod: string;
  labels: Record<string, string>;
  cluster: string;
  release: { number: number; gray: boolean } | null;
  latest: boolean;
  matchesGray: boolean;
  matchesRule?: boolean;
  lastSeenAt: string | Date;
}

export interface InstancesData {
  instances: InstanceRow[];
  onLatest: number;
  total: number;
  latestNumber: number | null;
  matching?: number;
}

export function instancesUrl(ref: TSetRef, rule?: TGrayRule | null) {
  const q = new URLSearchParams({ namespaceId: ref.namespaceId, environment: ref.environment, cluster: ref.cluster });
  if (ref.serviceId) q.set("serviceId", ref.serviceId);
  if (rule) q.set("rule", JSON.stringify(rule));
  return `/api/config/instances?${q}`;
}

/** The instances of a working copy; with `rule`, which of them it selects; polled every `pollMs` while `poll` says so. */
export function useConfigInstances(
  ref: TSetRef,
  opts: { rule?: TGrayRule | null; initial?: InstancesData; poll?: (data: InstancesData | undefined) => number | false } = {},
) {
  return useQuery({
    queryKey: ["config-instances", ref.namespaceId, ref.serviceId, ref.environment, ref.cluster, opts.rule ? JSON.stringify(opts.rule) : null],
    queryFn: async (): Promise<InstancesData> => {
      const res = await fetch(instancesUrl(ref, opts.rule));
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { message?: string } | null;
        throw new Error(body?.message ?? `The instances could not be read (${res.status}).`);
      }
      return (await res.json()) as InstancesData;
    },
    initialData: opts.initial,
    placeholderData: keepPreviousData,
    refetchInterval: opts.poll ? (q) => opts.poll!(q.state.data) : false,
  });
}

/** Labels every pod of a Wharf service carries (which service, which ReplicaSet): folded away so a rule's labels stand out. */
const BOOKKEEPING = /^(wharf\.dev\/|app\.kubernetes\.io\/|pod-template-hash$)/;

function LabelBadges({ labels }: { labels: Record<string, string> }) {
  const all = Object.entries(labels);
  const shown = all.filter(([k]) => !BOOKKEEPING.test(k));
  const folded = all.length - shown.length;
  if (!all.length) return <span className="text-xs text-muted-foreground">none</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {shown.map(([k, v]) => (
        <Badge key={k} variant="outline" className="font-mono text-xs whitespace-nowrap">
          {k}={v}
        </Badge>
      ))}
      {folded > 0 && (
        <Badge
          variant="secondary"
          className="text-xs"
          title={all.map(([k, v]) => `${k}=${v}`).join("\n")}
          aria-label={`${folded} more label${folded === 1 ? "" : "s"}: ${all
            .filter(([k]) => BOOKKEEPING.test(k))
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`}
        >
          +{folded}
        </Badge>
      )}
    </span>
  );
}

function identity(i: InstanceRow) {
  return i.pod ? i.pod : i.ip;
}

export function InstancesTable({ instances, showRule = false, caption }: { instances: InstanceRow[]; showRule?: boolean; caption: string }) {
  return (
    <div className="rounded-md border">
      <Table aria-label={caption}>
        <TableHeader>
          <TableRow>
            <TableHead>Instance</TableHead>
            <TableHead>Labels</TableHead>
            <TableHead>Cluster</TableHead>
            <TableHead>Release</TableHead>
            {showRule && <TableHead>This rule</TableHead>}
            <TableHead className="text-right">Last seen</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {instances.map((i) => (
            <TableRow key={`${i.cluster}/${i.ip}`} data-testid={`instance-${i.ip}`}>
              <TableCell className="font-mono text-xs">
                {identity(i)}
                {i.pod && <span className="block text-muted-foreground">{i.ip}</span>}
              </TableCell>
              <TableCell className="max-w-64">
                <LabelBadges labels={i.labels} />
              </TableCell>
              <TableCell>{i.cluster}</TableCell>
              <TableCell>
                <span className="flex flex-wrap items-center gap-1">
                  {i.release ? <span>#{i.release.number}</span> : <span className="text-muted-foreground">unknown</span>}
                  {i.release?.gray && <Badge className="bg-warning text-warning-foreground">gray</Badge>}
                  {i.latest ? (
                    <Badge variant="secondary">latest</Badge>
                  ) : (
                    !i.release?.gray && (
                      <Badge variant="outline" className="border-warning">
                        behind
                      </Badge>
                    )
                  )}
                </span>
              </TableCell>
              {showRule && (
                <TableCell data-testid="rule-match">
                  {i.matchesRule ? <Badge>selected</Badge> : <span className="text-xs text-muted-foreground">not selected</span>}
                </TableCell>
              )}
              <TableCell className="text-right text-xs whitespace-nowrap">
                <TimeAgo date={i.lastSeenAt} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
