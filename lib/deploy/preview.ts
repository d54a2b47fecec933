/**
 * What a release would change on each of its clusters, against what runs
 * there now (a bounded read per cluster, lib/kube/fanout.ts): the image, the
 * objects as Wharf writes them (live objects projected onto what the new and
 * the last applied release render, so the cluster's defaults and status are
 * not noise), what it prunes, and whether the cluster drifted from the
 * release Wharf last applied there. A cluster that does not answer says so in
 * its own part.
 */
import { ApiException, AppsV1Api, AutoscalingV2Api, CoreV1Api, PolicyV1Api, type KubernetesObject, type V1Deployment } from "@kubernetes/client-node";
import type { ClusterConnection } from "@/lib/kube/connection";
import { db } from "@/lib/db/client";
import { readClusters } from "@/lib/kube/fanout";
import { toYamlDocuments } from "@/lib/yaml";
import { deploymentDrift, describeChange, describeDifference, differences, imageOf, lastAppliedReleases, mergeShapes, projectOnto } from "./drift";
import { maskSecrets } from "@/lib/config/delivery-render";
import { releaseTargets } from "./releases";
import { PRUNABLE } from "./steps";
import type { EnvKind } from "./spec";

/** One cluster of a release, before it is applied. */
export interface ClusterPreview {
  cluster: string;
  clusterId: string;
  ok: boolean;
  /** Why the cluster could not be read. */
  error?: string;
  /** The release Wharf last applied on this cluster (null: none yet). */
  runs?: { id: string; number: number; tag: string; status: string } | null;
  /** How the cluster differs from that release (changed outside Wharf). */
  drift?: string[];
  /** The image running now (null: no Deployment) and the release's. */
  image?: { now: string | null; next: string };
  /** Objects the release deletes (the spec no longer has them). */
  prunes?: string[];
  /** What changes besides the image and the release's own annotations, in words ("Deployment replicas: 2 → 3"). */
  changes?: string[];
  /** The objects now (as Wharf writes them) and after, as YAML. */
  diff?: { before: string; after: string; changed: boolean };
}

const ORDER = ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"];

/** Fields every release changes (shown in the diff, not listed as changes) or that have a line of their own (the image). */
const EVERY_RELEASE = [
  "metadata.annotations.wharf.dev/release",
  "metadata.annotations.wharf.dev/release-id",
  "metadata.annotations.kubernetes.io/change-cause",
  "spec.template.spec.containers[app].image",
];

/** Typed reads (no API discovery first, unlike the generic object API): one GET per kind, in parallel. */
const READ: Record<string, (conn: ClusterConnection, ref: { name: string; namespace: string }) => Promise<object>> = {
  Deployment: (conn, ref) => conn.api(AppsV1Api).readNamespacedDeployment(ref),
  Service: (conn, ref) => conn.api(CoreV1Api).readNamespacedService(ref),
  HorizontalPodAutoscaler: (conn, ref) => conn.api(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler(ref),
  PodDisruptionBudget: (conn, ref) => conn.api(PolicyV1Api).readNamespacedPodDisruptionBudget(ref),
};

/** The object of this kind and name, or null when the cluster has none. */
async function readKind(conn: ClusterConnection, kind: { apiVersion: string; kind: string }, ref: { name: string; namespace: string }) {
  try {
    return { ...(await READ[kind.kind]!(conn, ref)), apiVersion: kind.apiVersion, kind: kind.kind } as KubernetesObject;
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return null;
    throw e;
  }
}
const byKind = (a: KubernetesObject, b: KubernetesObject) => ORDER.indexOf(a.kind ?? "") - ORDER.indexOf(b.kind ?? "");

export async function previewRelease(release: {
  id: string;
  serviceId: string;
  environment: EnvKind;
  image: string;
  manifests: unknown;
}): Promise<ClusterPreview[]> {
  const targets = releaseTargets(release);
  const applied = (await lastAppliedReleases([release.serviceId], release.environment)).filter((a) => a.id !== release.id);
  const appliedManifests = await db().release.findMany({
    where: { id: { in: [...new Set(applied.map((a) => a.id))] } },
    select: { id: true, manifests: true },
  });
  const reads = await readClusters(
    targets.map((t) => t.clusterId),
    `preview:${release.id}`,
    async (conn) => {
      const t = targets.find((x) => x.clusterId === conn.id)!;
      const deployment = t.objects.find((o) => o.kind === "Deployment")!;
      const kinds = [
        ...t.objects.map((o) => ({ apiVersion: o.apiVersion!, kind: o.kind! })),
        ...PRUNABLE.filter((p) => !t.objects.some((o) => o.kind === p.kind)),
      ].filter((k) => READ[k.kind]);
      const ref = { name: deployment.metadata!.name!, namespace: deployment.metadata!.namespace! };
      const live = await Promise.all(kinds.map((k) => readKind(conn, k, ref)));
      return live.filter((o): o is KubernetesObject => o !== null);
    },
  );
  return reads.map((read) => {
    const t = targets.find((x) => x.clusterId === read.clusterId)!;
    const base = { cluster: t.clusterName, clusterId: t.clusterId };
    if (!read.ok) return { ...base, ok: false, error: read.error };
    const last = applied.find((a) => a.clusterId === t.clusterId);
    const lastObjects = last
      ? (releaseTargets(appliedManifests.find((m) => m.id === last.id) ?? { id: last.id, manifests: [] }).find((x) => x.clusterId === t.clusterId)?.objects ??
        [])
      : [];
    const live = read.value;
    const liveDeployment = live.find((o) => o.kind === "Deployment") as V1Deployment | undefined;
    const prunes = live.filter((o) => !t.objects.some((n) => n.kind === o.kind) && o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "wharf");
    const shown = live.filter((o) => t.objects.some((n) => n.kind === o.kind) || prunes.includes(o));
    // An object neither release renders (pruned, from before Wharf knew it) is shown by its identity and spec.
    const bare = (o: KubernetesObject) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, labels: o.metadata?.labels },
      spec: (o as { spec?: unknown }).spec,
    });
    const before = shown.sort(byKind).map((o) =>
      projectOnto(
        o,
        mergeShapes(
          t.objects.find((n) => n.kind === o.kind),
          lastObjects.find((n) => n.kind === o.kind),
        ) ?? bare(o),
      ),
    );
    const changes = t.objects.flatMap((n) => {
      const now = before.find((b) => (b as KubernetesObject).kind === n.kind);
      if (!now) return [`${n.kind} ${n.metadata?.name}: new`];
      return differences(n, now)
        .filter((d) => !EVERY_RELEASE.includes(d.path))
        .map((d) => `${n.kind} ${describeChange(d)}`);
    });
    const beforeYaml = toYamlDocuments(before);
    const afterYaml = toYamlDocuments(maskSecrets([...t.objects].sort(byKind)));
    return {
      ...base,
      ok: true,
      runs: last ? { id: last.id, number: last.number, tag: last.tag, status: last.status } : null,
      drift: last?.deployment ? deploymentDrift(last.deployment, liveDeployment).map(describeDifference) : [],
      image: { now: liveDeployment ? imageOf(liveDeployment) : null, next: release.image },
      prunes: prunes.map((o) => `${o.kind} ${o.metadata?.name}`),
      changes,
      diff: { before: beforeYaml, after: afterYaml, changed: beforeYaml !== afterYaml },
    };
  });
}
