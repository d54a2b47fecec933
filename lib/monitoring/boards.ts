/**
 * The managers' platform boards (the Dashboards page): availability per
 * service and per team, the worst services this week, cluster capacity
 * (requested against allocatable) and quota used against quota per project.
 * Right: `dashboard.read` (managers, ops, admins).
 *
 * Availability of a service in an environment, over a range: the share of
 * the range's 5-minute steps with traffic at which its error ratio (5xx over
 * all requests, rate over 5 minutes, summed over its clusters) held its
 * objective (≤ spec.objectives.errorRatio, default 1%). Steps without traffic
 * count neither way; a service with no traffic in the range has none.
 * A team's availability is the traffic-weighted mean of its services'
 * (each weighted by the requests it served in the range).
 *
 * One query per figure kind across every project (grouped by cluster,
 * namespace and deployment), never one per project, each bounded by the
 * PromQL client's timeout. Capacity and quota come from the clusters' own
 * APIs through the bounded fan-out (nodes, pods, ResourceQuotas): the
 * sandbox's /metrics has node allocatable but no pod requests or quota
 * series, and the API is what kube-state-metrics would copy anyway; these
 * two figures then also work where monitoring is not set up.
 */
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { namespaceName } from "@/lib/provisioning/manifests";
import { readClusters } from "@/lib/kube/fanout";
import { cpuCores, memoryGi, parseQuantity } from "@/lib/kube/quantity";
import { queryRangeClusters, type ClusterSeries } from "./prom";
import { unsafeClusterSources } from "./sources";
import { errorObjectiveOf } from "./health";
import { monitoringStatus } from "./status";

export const BOARD_RANGES = { "24h": 24 * 3600, "7d": 7 * 24 * 3600, "30d": 30 * 24 * 3600 } as const;
export type BoardRange = keyof typeof BOARD_RANGES;
export const ZBoardQuery = z.object({
  range: z.enum(Object.keys(BOARD_RANGES) as [BoardRange, ...BoardRange[]], { message: "Choose 24h, 7d or 30d" }).default("7d"),
  environment: z.enum([...ENVIRONMENTS, "all"] as const, { message: `Choose all or one of ${ENVIRONMENTS.join(", ")}` }).default("all"),
});
export type TBoardQuery = z.input<typeof ZBoardQuery>;

/** Seconds between the availability steps. */
export const AVAILABILITY_STEP_SECONDS = 300;

/** Where a board's figure could not be read: the cluster (or source) and why. */
export interface BoardProblem {
  cluster: string;
  reason: string;
}

export interface ServiceAvailability {
  project: string;
  service: string;
  environment: string;
  team: string;
  teamName: string;
  /** The dashboard this figure links down to. */
  href: string;
  objective: number;
  /** Share of steps with traffic that held the objective (0-1). */
  availability: number;
  /** 5xx share of all requests in the range. */
  errorRatio: number;
  /** Requests served in the range (all clusters). */
  requests: number;
  /** Steps with traffic. */
  steps: number;
}

export interface TeamAvailability {
  team: string;
  name: string;
  availability: number;
  requests: number;
  services: number;
}

export type AvailabilityBoard =
  | { state: "not_configured"; message: string }
  | {
      state: "ok";
      range: BoardRange;
      environment: string;
      services: ServiceAvailability[];
      teams: TeamAvailability[];
      /** This week's worst services: lowest availability, then highest error ratio. */
      worst: ServiceAvailability[];
      /** Deployed services without any traffic in the range (no figure rather than a false 100%). */
      withoutTraffic: number;
      problems: BoardProblem[];
    };

export function projectDashboardHref(slug: string) {
  return `/projects/${slug}/monitoring`;
}

interface Target {
  project: string;
  service: string;
  environment: string;
  team: string;
  teamName: string;
  objective: number;
}

/** namespace -> deployment -> the service it runs (every project's services; specs read for their objective). */
async function unsafeTargets(environment: string) {
  const services = await db().service.findMany({
    where: { project: { lifecycle: { not: "archived" } } },
    select: {
      slug: true,
      project: { select: { slug: true, environments: { select: { kind: true } }, team: { select: { slug: true, name: true } } } },
      specs: { orderBy: { version: "desc" }, take: 1, select: { spec: true } },
    },
  });
  const byNs = new Map<string, Map<string, Target>>();
  for (const s of services) {
    for (const e of s.project.environments) {
      if (environment !== "all" && e.kind !== environment) continue;
      const ns = namespaceName(s.project.slug, e.kind);
      const m = byNs.get(ns) ?? new Map<string, Target>();
      m.set(s.slug, {
        project: s.project.slug,
        service: s.slug,
        environment: e.kind,
        team: s.project.team.slug,
        teamName: s.project.team.name,
        objective: errorObjectiveOf(s.specs[0]?.spec),
      });
      byNs.set(ns, m);
    }
  }
  return byNs;
}

/** Per (namespace, deployment): step time -> summed value over clusters. */
function sumByService(result: ClusterSeries[], problems: BoardProblem[]) {
  const out = new Map<string, Map<number, number>>();
  for (const c of result) {
    if (!c.ok) {
      if (!problems.some((p) => p.cluster === c.cluster)) problems.push({ cluster: c.cluster, reason: c.reason });
      continue;
    }
    for (const s of c.series) {
      const key = `${s.metric.namespace ?? ""}/${s.metric.deployment ?? ""}`;
      const m = out.get(key) ?? new Map<number, number>();
      for (const [t, v] of s.values) {
        const n = Number(v);
        if (Number.isFinite(n)) m.set(t, (m.get(t) ?? 0) + n);
      }
      out.set(key, m);
    }
  }
  return out;
}

async function computeAvailability(rangeSeconds: number, environment: string, now: Date) {
  const [targets, sources] = await Promise.all([unsafeTargets(environment), unsafeClusterSources()]);
  const range = { start: new Date(now.getTime() - rangeSeconds * 1000), end: now, stepSeconds: AVAILABILITY_STEP_SECONDS };
  const w = `${AVAILABILITY_STEP_SECONDS}s`;
  // Request series carry the pod, not its Deployment: the Deployment is the pod's name without `-<template hash>-<5 chars>`.
  const byDeployment = (selector: string) =>
    `sum by (cluster, namespace, deployment) (label_replace(rate(http_requests_total${selector}[${w}]), "deployment", "$1", "pod", "(.+)-[a-z0-9]+-[a-z0-9]{5}"))`;
  // Two queries for all projects at once: errors and all requests, by cluster, namespace and deployment.
  const [errors, totals] = await Promise.all([
    queryRangeClusters(sources, byDeployment(`{code=~"5.."}`), range),
    queryRangeClusters(sources, byDeployment(""), range),
  ]);
  const problems: BoardProblem[] = [];
  const errorSteps = sumByService(errors, problems);
  const totalSteps = sumByService(totals, problems);
  const services: ServiceAvailability[] = [];
  let deployed = 0;
  for (const [ns, deployments] of targets) {
    for (const [slug, t] of deployments) {
      const total = totalSteps.get(`${ns}/${slug}`);
      if (!total) continue;
      deployed++;
      const errs = errorSteps.get(`${ns}/${slug}`);
      let steps = 0;
      let held = 0;
      let requests = 0;
      let failed = 0;
      for (const [at, rate] of total) {
        if (rate <= 0) continue;
        const e = errs?.get(at) ?? 0;
        steps++;
        if (e / rate <= t.objective) held++;
        requests += rate * AVAILABILITY_STEP_SECONDS;
        failed += e * AVAILABILITY_STEP_SECONDS;
      }
      if (!steps) continue;
      services.push({
        ...t,
        href: projectDashboardHref(t.project),
        availability: held / steps,
        errorRatio: requests > 0 ? failed / requests : 0,
        requests: Math.round(requests),
        steps,
      });
    }
  }
  const withoutTraffic = deployed - services.length;
  services.sort((a, b) => a.availability - b.availability || b.errorRatio - a.errorRatio || a.project.localeCompare(b.project));
  return { services, problems, withoutTraffic };
}

/** Availability per service and team over the range, and this week's worst services. */
export async function availabilityBoard(ctx: Ctx, raw: TBoardQuery = {}, now: Date = new Date()): Promise<AvailabilityBoard> {
  authorize(ctx, "dashboard.read", platform);
  const input = ZBoardQuery.parse(raw);
  const status = await monitoringStatus(ctx);
  if (status.state === "not_configured") return { state: "not_configured", message: `${status.message} ${status.install}` };
  const main = await computeAvailability(BOARD_RANGES[input.range], input.environment, now);
  const week = input.range === "7d" ? main : await computeAvailability(BOARD_RANGES["7d"], input.environment, now);
  const teams = new Map<string, TeamAvailability & { weighted: number }>();
  for (const s of main.services) {
    const t = teams.get(s.team) ?? { team: s.team, name: s.teamName, availability: 0, requests: 0, services: 0, weighted: 0 };
    t.services++;
    t.requests += s.requests;
    t.weighted += s.availability * s.requests;
    teams.set(s.team, t);
  }
  return {
    state: "ok",
    range: input.range,
    environment: input.environment,
    services: main.services,
    teams: [...teams.values()]
      .map(({ weighted, ...t }) => ({ ...t, availability: t.requests > 0 ? weighted / t.requests : 1 }))
      .sort((a, b) => a.availability - b.availability || a.team.localeCompare(b.team)),
    worst: week.services.filter((s) => s.availability < 1 || s.errorRatio > s.objective).slice(0, 5),
    withoutTraffic: main.withoutTraffic,
    problems: [...main.problems, ...(week === main ? [] : week.problems.filter((p) => !main.problems.some((q) => q.cluster === p.cluster)))],
  };
}

export interface ClusterCapacity {
  cluster: string;
  clusterId: string;
  ok: true;
  cpu: { requested: number; allocatable: number };
  memoryGi: { requested: number; allocatable: number };
  /** The projects requesting the most CPU here, linking to their dashboards. */
  top: { project: string; href: string; cpu: number; memoryGi: number }[];
}

export interface ProjectQuota {
  project: string;
  href: string;
  team: string;
  /** Summed over the project's namespaces on every cluster that answered. */
  cpu: { used: number; hard: number };
  memoryGi: { used: number; hard: number };
  pods: { used: number; hard: number };
  /** The highest used/hard share of the three. */
  worst: number;
}

export interface ResourceBoard {
  capacity: (ClusterCapacity | { cluster: string; clusterId: string; ok: false; reason: string })[];
  quotas: ProjectQuota[];
  problems: BoardProblem[];
}

interface ClusterUsage {
  allocatable: { cpu: number; memoryGi: number };
  /** namespace -> requested CPU cores and memory GiB of its running pods. */
  requested: Record<string, { cpu: number; memoryGi: number }>;
  /** namespace -> summed hard/used of its ResourceQuotas. */
  quotas: Record<string, { cpu: [number, number]; memoryGi: [number, number]; pods: [number, number] }>;
}

/** What a pod asks the scheduler for: the sum of its containers' requests, or its largest init container's if higher. */
function podRequests(p: V1Pod) {
  const sum = (list: { resources?: { requests?: Record<string, string> } }[] | undefined) =>
    (list ?? []).reduce((a, c) => ({ cpu: a.cpu + cpuCores(c.resources?.requests?.cpu), memoryGi: a.memoryGi + memoryGi(c.resources?.requests?.memory) }), {
      cpu: 0,
      memoryGi: 0,
    });
  const main = sum(p.spec?.containers);
  const init = (p.spec?.initContainers ?? []).map((c) => sum([c]));
  return {
    cpu: Math.max(main.cpu, ...init.map((i) => i.cpu)),
    memoryGi: Math.max(main.memoryGi, ...init.map((i) => i.memoryGi)),
  };
}

const quotaPair = (hard: Record<string, string> | undefined, used: Record<string, string> | undefined, keys: string[], unit: (q: string) => number) => {
  const key = keys.find((k) => hard?.[k] !== undefined);
  return key ? ([unit(used?.[key] ?? "0"), unit(hard![key]!)] as [number, number]) : ([0, 0] as [number, number]);
};

/** Cluster capacity (requested against allocatable) and quota used against quota per project, from each cluster's API. */
export async function resourceBoard(ctx: Ctx): Promise<ResourceBoard> {
  authorize(ctx, "dashboard.read", platform);
  const clusters = await db().cluster.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } });
  const projects = await db().project.findMany({
    where: { lifecycle: { not: "archived" } },
    select: { slug: true, environments: { select: { kind: true } }, team: { select: { slug: true } } },
  });
  const projectOfNs = new Map<string, { slug: string; team: string }>();
  for (const p of projects) for (const e of p.environments) projectOfNs.set(namespaceName(p.slug, e.kind), { slug: p.slug, team: p.team.slug });

  const reads = await readClusters(
    clusters.map((c) => c.id),
    "board-usage",
    async (conn): Promise<ClusterUsage> => {
      const core = conn.api(CoreV1Api);
      const [nodes, pods, quotas] = await Promise.all([core.listNode(), core.listPodForAllNamespaces(), core.listResourceQuotaForAllNamespaces()]);
      const allocatable = { cpu: 0, memoryGi: 0 };
      for (const n of nodes.items) {
        if (n.spec?.unschedulable) continue;
        allocatable.cpu += cpuCores(n.status?.allocatable?.cpu);
        allocatable.memoryGi += memoryGi(n.status?.allocatable?.memory);
      }
      const requested: ClusterUsage["requested"] = {};
      for (const p of pods.items) {
        // Only pods holding a place on a node count against its allocatable.
        if (!p.spec?.nodeName || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
        const ns = p.metadata?.namespace ?? "";
        const r = podRequests(p);
        const acc = requested[ns] ?? { cpu: 0, memoryGi: 0 };
        acc.cpu += r.cpu;
        acc.memoryGi += r.memoryGi;
        requested[ns] = acc;
      }
      const q: ClusterUsage["quotas"] = {};
      for (const rq of quotas.items) {
        const ns = rq.metadata?.namespace ?? "";
        const hard = rq.status?.hard ?? rq.spec?.hard;
        const used = rq.status?.used;
        const acc = q[ns] ?? { cpu: [0, 0], memoryGi: [0, 0], pods: [0, 0] };
        const add = (a: [number, number], b: [number, number]) => [a[0] + b[0], a[1] + b[1]] as [number, number];
        acc.cpu = add(acc.cpu, quotaPair(hard, used, ["requests.cpu", "cpu"], cpuCores));
        acc.memoryGi = add(acc.memoryGi, quotaPair(hard, used, ["requests.memory", "memory"], memoryGi));
        acc.pods = add(acc.pods, quotaPair(hard, used, ["pods", "count/pods"], parseQuantity));
        q[ns] = acc;
      }
      return { allocatable, requested, quotas: q };
    },
  );

  const problems: BoardProblem[] = [];
  const capacity: ResourceBoard["capacity"] = [];
  const quotaByProject = new Map<string, ProjectQuota>();
  for (const r of reads) {
    if (!r.ok) {
      problems.push({ cluster: r.cluster, reason: r.error });
      capacity.push({ cluster: r.cluster, clusterId: r.clusterId, ok: false, reason: r.error });
      continue;
    }
    const u = r.value;
    const perProject = new Map<string, { cpu: number; memoryGi: number }>();
    let cpu = 0;
    let mem = 0;
    for (const [ns, req] of Object.entries(u.requested)) {
      cpu += req.cpu;
      mem += req.memoryGi;
      const p = projectOfNs.get(ns);
      if (!p) continue;
      const acc = perProject.get(p.slug) ?? { cpu: 0, memoryGi: 0 };
      acc.cpu += req.cpu;
      acc.memoryGi += req.memoryGi;
      perProject.set(p.slug, acc);
    }
    capacity.push({
      cluster: r.cluster,
      clusterId: r.clusterId,
      ok: true,
      cpu: { requested: cpu, allocatable: u.allocatable.cpu },
      memoryGi: { requested: mem, allocatable: u.allocatable.memoryGi },
      top: [...perProject.entries()]
        .sort((a, b) => b[1].cpu - a[1].cpu || b[1].memoryGi - a[1].memoryGi)
        .slice(0, 3)
        .map(([project, v]) => ({ project, href: projectDashboardHref(project), ...v })),
    });
    for (const [ns, q] of Object.entries(u.quotas)) {
      const p = projectOfNs.get(ns);
      if (!p) continue;
      const acc = quotaByProject.get(p.slug) ?? {
        project: p.slug,
        href: projectDashboardHref(p.slug),
        team: p.team,
        cpu: { used: 0, hard: 0 },
        memoryGi: { used: 0, hard: 0 },
        pods: { used: 0, hard: 0 },
        worst: 0,
      };
      acc.cpu = { used: acc.cpu.used + q.cpu[0], hard: acc.cpu.hard + q.cpu[1] };
      acc.memoryGi = { used: acc.memoryGi.used + q.memoryGi[0], hard: acc.memoryGi.hard + q.memoryGi[1] };
      acc.pods = { used: acc.pods.used + q.pods[0], hard: acc.pods.hard + q.pods[1] };
      quotaByProject.set(p.slug, acc);
    }
  }
  const share = (x: { used: number; hard: number }) => (x.hard > 0 ? x.used / x.hard : 0);
  const quotas = [...quotaByProject.values()]
    .map((q) => ({ ...q, worst: Math.max(share(q.cpu), share(q.memoryGi), share(q.pods)) }))
    .sort((a, b) => b.worst - a.worst || a.project.localeCompare(b.project));
  return { capacity, quotas, problems };
}
