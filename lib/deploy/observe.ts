/**
 * What runs on the clusters for a service in an environment: the live state
 * of a release's rollout, the revision history merged with Wharf's releases
 * (so a change made with kubectl shows up as an out-of-band revision), pods
 * with their last events. Bounded reads, cluster by cluster.
 */
import { AppsV1Api, CoreV1Api, type CoreV1Event, type KubernetesObject, type V1Pod } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { toYaml, toYamlDocuments } from "@/lib/yaml";
import { AppError } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { readCluster, readClusters } from "@/lib/kube/fanout";
import { namespaceName } from "@/lib/provisioning/manifests";
import { getRun } from "@/lib/provisioning/engine";
import { builtBy } from "@/lib/ci/built-by";
import { serviceOrThrow } from "./specs";
import { configSummary, releaseTargets, ZReleaseTargets } from "./releases";
import { deliveryRecords } from "@/lib/config/delivery-values";
import { maskSecrets } from "@/lib/config/delivery-render";
import { deploymentOf, driftOf, imageOf, lastAppliedReleases, templateMatches } from "./drift";
import { selectorLabels } from "./render";
import type { EnvKind } from "./spec";

async function releaseOrThrow(ctx: Ctx, releaseId: string) {
  const release = await db().release.findUnique({
    where: { id: releaseId },
    include: { service: { include: { project: { select: { id: true, slug: true, name: true } } } } },
  });
  if (!release) throw new AppError("NOT_FOUND", "This release does not exist.");
  authorize(ctx, "deploy.read", projectResource(release.service.project.id));
  return release;
}

function eventLine(e: CoreV1Event, seq: number) {
  return {
    // ISO text sorts as time does (Date#toString starts with the weekday).
    at: new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).toISOString(),
    /** Position in the list: events of the same second are listed in the order they were recorded. */
    seq,
    type: e.type ?? "Normal",
    reason: e.reason ?? "",
    object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
    message: e.message ?? "",
    count: e.count ?? 1,
  };
}

/** A release with its steps and, per cluster, the Deployment's state and recent events (for the live page). */
export async function getRelease(ctx: Ctx, releaseId: string) {
  const release = await releaseOrThrow(ctx, releaseId);
  const run = release.runId ? await getRun(release.runId) : null;
  const targets = releaseTargets(release);
  const ns = namespaceName(release.service.project.slug, release.environment);
  // Where this is the release Wharf last applied, a cluster that runs something else has drifted from it.
  const applied = (await lastAppliedReleases([release.serviceId], release.environment)).filter((a) => a.id === release.id);
  const live = await Promise.all(
    targets.map((t) =>
      readCluster(
        t.clusterId,
        `release:${release.id}`,
        async (conn) => {
          const d = await conn
            .api(AppsV1Api)
            .readNamespacedDeployment({ name: release.service.slug, namespace: ns })
            .catch(() => null);
          const events = await conn.api(CoreV1Api).listNamespacedEvent({ namespace: ns });
          const mine = events.items.filter((e) => e.involvedObject.name?.startsWith(release.service.slug)).map(eventLine);
          const newest = (list: ReturnType<typeof eventLine>[], n: number) => list.sort(byNewest).slice(0, n);
          // The Deployment's events tell the rollout, the ReplicaSets' and pods' why it struggles: a few of each.
          const of = (kind: string, n: number) =>
            newest(
              mine.filter((e) => e.object.startsWith(`${kind}/`)),
              n,
            );
          const rollout = [...of("Deployment", 4), ...of("ReplicaSet", 3)];
          const pods = of("Pod", 3);
          const drift = driftOf(
            applied.find((a) => a.clusterId === t.clusterId),
            d ?? undefined,
          );
          return {
            drift: drift ? drift.differences : null,
            deployment: d
              ? {
                  image: d.spec?.template.spec?.containers[0]?.image ?? "",
                  revision: d.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "",
                  replicas: d.spec?.replicas ?? 0,
                  updated: d.status?.updatedReplicas ?? 0,
                  ready: d.status?.readyReplicas ?? 0,
                  available: d.status?.availableReplicas ?? 0,
                  conditions: (d.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? "", message: c.message ?? "" })),
                }
              : null,
            events: newest([...rollout, ...pods], 10),
          };
        },
        { ttlMs: 1000 },
      ),
    ),
  );
  // The CI run whose image this release deploys (GitFlow promotion): its number, commit and ref.
  const builtByRun = await builtBy(release.ciRunId);
  return { release, run, builtBy: builtByRun, namespace: ns, live };
}

/** Releases that reached the clusters (not waiting for approval, rejected or cancelled). */
const STARTED = new Set(["queued", "progressing", "succeeded", "failed", "rolled_back"]);
const IN_FLIGHT = new Set(["queued", "progressing"]);

/** A release's Deployment for a cluster (rendering does not depend on the cluster: another target's will do). */
function renderedDeployment(release: { id: string; manifests: unknown }, clusterId: string) {
  const parsed = ZReleaseTargets.safeParse(release.manifests);
  if (!parsed.success) return undefined;
  const target = parsed.data.find((t) => t.clusterId === clusterId) ?? parsed.data[0];
  return target ? deploymentOf(target.objects as KubernetesObject[]) : undefined;
}

/** Whether a release was made for a cluster (a restore targets one cluster only). */
function releaseTargetsOn(release: { manifests: unknown }, clusterId: string) {
  const parsed = ZReleaseTargets.safeParse(release.manifests);
  return parsed.success && parsed.data.some((t) => t.clusterId === clusterId);
}

/**
 * Releases of a service in an environment, merged with each cluster's Deployment revisions. A ReplicaSet
 * belongs to the release whose pod template it runs (the one its `wharf.dev/release` annotation names when
 * that matches, else the newest that rendered the same template: a rollback reuses the ReplicaSet of the
 * release it went back to); one no release rendered is out-of-band (kubectl set image, edit). Each cluster
 * also says whether it drifted from the release Wharf last applied there.
 */
export async function getHistory(ctx: Ctx, serviceId: string, environment: EnvKind) {
  const service = await serviceOrThrow(serviceId);
  authorize(ctx, "deploy.read", projectResource(service.project.id));
  const [releases, applied, env] = await Promise.all([
    db().release.findMany({ where: { serviceId, environment }, orderBy: { number: "desc" }, take: 100 }),
    lastAppliedReleases([serviceId], environment),
    db().environment.findUnique({
      where: { projectId_kind: { projectId: service.project.id, kind: environment } },
      include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } },
    }),
  ]);
  const ns = namespaceName(service.project.slug, environment);
  const selector = Object.entries(selectorLabels({ project: service.project, service }))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const started = releases.filter((r) => STARTED.has(r.status));
  const reads = await readClusters(
    (env?.clusters ?? []).map((c) => c.cluster.id),
    `revisions:${ns}:${service.slug}`,
    async (conn) => {
      const [d, rs] = await Promise.all([
        conn
          .api(AppsV1Api)
          .readNamespacedDeployment({ name: service.slug, namespace: ns })
          .catch(() => null),
        conn.api(AppsV1Api).listNamespacedReplicaSet({ namespace: ns, labelSelector: selector }),
      ]);
      return { deployment: d, replicaSets: rs.items };
    },
  );
  const clusters = reads.map((read) => {
    if (!read.ok) return read;
    const clusterId = read.clusterId;
    const { deployment: d, replicaSets } = read.value;
    const current = d?.metadata?.annotations?.["deployment.kubernetes.io/revision"];
    const revisions = replicaSets
      .filter((r) => !d || r.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid))
      .map((r) => {
        const hinted = Number(r.metadata?.annotations?.["wharf.dev/release"] ?? r.spec?.template?.metadata?.annotations?.["wharf.dev/release"] ?? 0);
        const matching = started.filter((x) => templateMatches(renderedDeployment(x, clusterId), r.spec?.template));
        const release = matching.find((x) => x.number === hinted) ?? matching[0];
        return {
          revision: Number(r.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? 0),
          name: r.metadata?.name ?? "",
          podTemplateHash: r.metadata?.labels?.["pod-template-hash"] ?? "",
          image: r.spec?.template?.spec?.containers[0]?.image ?? "",
          createdAt: r.metadata?.creationTimestamp ? new Date(r.metadata.creationTimestamp).toISOString() : "",
          replicas: r.status?.replicas ?? 0,
          current: r.metadata?.annotations?.["deployment.kubernetes.io/revision"] === current,
          releaseNumber: release?.number ?? null,
          // Not made by Wharf: no release of ours rendered this pod template (kubectl set image, edit).
          outOfBand: !release,
          changeCause: r.metadata?.annotations?.["kubernetes.io/change-cause"] ?? "",
        };
      })
      .sort((a, b) => b.revision - a.revision);
    const inFlight = releases
      .filter((x) => IN_FLIGHT.has(x.status))
      .map((x) => renderedDeployment(x, clusterId))
      .filter((x) => x !== undefined);
    const drift = driftOf(
      applied.find((a) => a.clusterId === clusterId),
      d ?? undefined,
      inFlight,
    );
    // What "restore" re-applies here: the newest release that succeeded on this cluster.
    const good = drift ? started.find((x) => x.status === "succeeded" && releaseTargetsOn(x, clusterId)) : undefined;
    const restore = good ? { id: good.id, number: good.number, tag: good.tag, specVersion: good.specVersion } : null;
    return { ...read, value: { revisions, drift: drift ? { ...drift, restore } : undefined, image: d ? imageOf(d) : null } };
  });
  const withClusters = releases.map((r) => {
    const parsed = ZReleaseTargets.safeParse(r.manifests);
    // "sandbox-east: application #3 (sandbox-east)": the config releases it carries, per cluster.
    return { ...r, clusterNames: parsed.success ? parsed.data.map((t) => t.clusterName) : [], configCarried: configSummary(deliveryRecords(r)) };
  });
  return { service, environment, releases: withClusters, clusters };
}

/** Two releases side by side: the spec each deployed, and the manifests per cluster, as YAML. */
export async function diffReleases(ctx: Ctx, aId: string, bId: string) {
  const [a, b] = await Promise.all([releaseOrThrow(ctx, aId), releaseOrThrow(ctx, bId)]);
  if (a.serviceId !== b.serviceId) throw new AppError("INVALID_INPUT", "Compare two releases of the same service.");
  const manifests = (r: typeof a) => releaseTargets(r);
  const clusters = [...new Set([...manifests(a), ...manifests(b)].map((m) => m.clusterName))].sort();
  // Secret values are sealed in the record: shown masked (the Secret's name changes with them).
  const yamlOf = (r: typeof a, cluster: string) => toYamlDocuments(maskSecrets(manifests(r).find((m) => m.clusterName === cluster)?.objects ?? []));
  return {
    a: { id: a.id, number: a.number, image: a.image, environment: a.environment, specVersion: a.specVersion },
    b: { id: b.id, number: b.number, image: b.image, environment: b.environment, specVersion: b.specVersion },
    spec: { a: toYaml(a.spec), b: toYaml(b.spec) },
    /** The config releases each carries, per cluster ("sandbox-east: application #3 (sandbox-east), app.yaml #1"). */
    config: { a: configSummary(deliveryRecords(a)), b: configSummary(deliveryRecords(b)) },
    manifests: clusters.map((c) => ({ cluster: c, a: yamlOf(a, c), b: yamlOf(b, c) })),
  };
}

/** Newest first; timestamps have whole seconds, so ties go by the order the API listed them (oldest first). */
function byNewest(a: { at: string; seq: number }, b: { at: string; seq: number }) {
  return b.at.localeCompare(a.at) || b.seq - a.seq;
}

function podRow(p: V1Pod, events: CoreV1Event[]) {
  const statuses = p.status?.containerStatuses ?? [];
  const waiting = statuses.find((c) => c.state?.waiting)?.state?.waiting?.reason;
  const terminated = statuses.find((c) => c.state?.terminated)?.state?.terminated?.reason;
  return {
    name: p.metadata?.name ?? "",
    phase: p.metadata?.deletionTimestamp ? "Terminating" : (waiting ?? terminated ?? p.status?.phase ?? "Unknown"),
    ready: `${statuses.filter((c) => c.ready).length}/${p.spec?.containers.length ?? statuses.length}`,
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? "",
    createdAt: p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).toISOString() : "",
    image: p.spec?.containers[0]?.image ?? "",
    /** The ReplicaSet that replaces it when it goes. */
    replicaSet: p.metadata?.ownerReferences?.find((o) => o.kind === "ReplicaSet")?.name ?? "",
    events: events
      .filter((e) => e.involvedObject.name === p.metadata?.name)
      .map(eventLine)
      .sort(byNewest)
      .slice(0, 3),
  };
}

/** Pods of a service in an environment, per cluster, with their last events. */
/** The label selector of a service's pods (as rendered by ./render.ts), in the `k=v,k=v` form of the API. */
export function podSelector(c: { project: { slug: string }; service: { slug: string } }) {
  return Object.entries(selectorLabels(c))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** The clusters of a project's environment (none when it has no such environment), by name. */
export async function environmentClusters(projectId: string, environment: EnvKind) {
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId, kind: environment } },
    include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } },
  });
  return (env?.clusters ?? []).map((c) => ({ clusterId: c.cluster.id, cluster: c.cluster.name })).sort((a, b) => a.cluster.localeCompare(b.cluster));
}

export async function listPods(ctx: Ctx, serviceId: string, environment: EnvKind) {
  const service = await serviceOrThrow(serviceId);
  authorize(ctx, "deploy.read", projectResource(service.project.id));
  const clusters = await environmentClusters(service.project.id, environment);
  const ns = namespaceName(service.project.slug, environment);
  const selector = podSelector({ project: service.project, service });
  return readClusters(
    clusters.map((c) => c.clusterId),
    `pods:${ns}:${service.slug}`,
    async (conn) => {
      const [pods, events] = await Promise.all([
        conn.api(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: selector }),
        conn.api(CoreV1Api).listNamespacedEvent({ namespace: ns }),
      ]);
      return pods.items.map((p) => podRow(p, events.items)).sort((a, b) => a.name.localeCompare(b.name));
    },
    { ttlMs: 1000 },
  );
}
