/**
 * The two step kinds of a release, per cluster: apply the rendered objects
 * (server-side apply as wharf, pruning the autoscaler, budget or service the
 * spec no longer has), then follow the rollout until the Deployment is
 * complete, or fail with the cluster's reason: progress deadline exceeded,
 * pods crash-looping, an image that cannot be pulled.
 */
import { z } from "zod";
import { AppsV1Api, CoreV1Api, PatchStrategy, type KubernetesObject, type V1Deployment, type V1Pod } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { applyObjects, deleteObject, readObject } from "@/lib/kube/apply";
import type { ClusterConnection } from "@/lib/kube/connection";
import { ClusterError, describeClusterFailure } from "@/lib/kube/gateway";
import { FinalStepError, defineStepKind } from "@/lib/provisioning/registry";
import { unsealForApply } from "@/lib/config/delivery-values";
import { pruneConfigObjects } from "@/lib/config/delivery-prune";

const ZObjects = z.array(
  z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) }),
);

/** Kinds a spec may stop having; gone from the manifests, they go from the cluster. */
export const PRUNABLE = [
  { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget" },
  { apiVersion: "v1", kind: "Service" },
];

export const releaseApplyStep = defineStepKind({
  kind: "release-apply",
  label: "Apply",
  needsCluster: true,
  spec: z.object({ releaseId: z.string(), objects: ZObjects }),
  async run({ releaseId, objects }, { cluster }) {
    await db().release.updateMany({ where: { id: releaseId, status: "queued" }, data: { status: "progressing", startedAt: new Date() } });
    // Secret values are sealed in the release's record and this step's spec; they are opened only here.
    const applied = await applyObjects(cluster!, unsealForApply(objects as KubernetesObject[]));
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    const pruned: string[] = [];
    for (const kind of PRUNABLE) {
      if (objects.some((o) => o.kind === kind.kind)) continue;
      const ref = { ...kind, metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace } };
      const existing = await readObject(cluster!, ref);
      if (existing?.metadata?.labels?.["app.kubernetes.io/managed-by"] === "wharf" && (await deleteObject(cluster!, ref)) === "deleted") pruned.push(kind.kind);
    }
    pruned.push(...(await pruneConfigObjects(cluster!, releaseId, deployment.metadata.namespace!)));
    return { applied, pruned };
  },
});

interface RolloutState {
  done: boolean;
  summary: { replicas: number; updated: number; ready: number; available: number; revision: string };
  failure?: string;
}

function cond(d: V1Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** Why the new pods are not coming up, if the cluster says so. */
function podFailure(pods: V1Pod[]): string | undefined {
  for (const pod of pods) {
    for (const cs of pod.status?.containerStatuses ?? []) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && ["ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"].includes(waiting.reason)) {
        return `pod ${pod.metadata?.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
      }
      if (waiting?.reason === "CrashLoopBackOff" && (cs.restartCount ?? 0) >= 2) {
        const last = cs.lastState?.terminated;
        return `pod ${pod.metadata?.name}: CrashLoopBackOff, ${cs.restartCount} restarts${last ? ` (last exit: ${last.reason ?? "Error"}, code ${last.exitCode})` : ""}`;
      }
    }
  }
  return undefined;
}

export async function rolloutState(conn: ClusterConnection, namespace: string, name: string): Promise<RolloutState> {
  const apps = conn.api(AppsV1Api);
  const d = await apps.readNamespacedDeployment({ name, namespace });
  const replicas = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const revision = d.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "";
  const summary = { replicas, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, revision };
  const progressing = cond(d, "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return { done: false, summary, failure: `ProgressDeadlineExceeded: ${progressing.message ?? "the rollout made no progress"}` };
  }
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  if (
    observed &&
    summary.updated === replicas &&
    summary.available === replicas &&
    (s.replicas ?? 0) === replicas &&
    progressing?.reason === "NewReplicaSetAvailable"
  ) {
    return { done: true, summary };
  }
  // The new ReplicaSet's pods tell why a rollout is stuck long before the deadline does.
  const rsList = await apps.listNamespacedReplicaSet({
    namespace,
    labelSelector: Object.entries(d.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  });
  const current = rsList.items.find(
    (rs) =>
      rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] === revision && rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid),
  );
  const hash = current?.metadata?.labels?.["pod-template-hash"];
  if (hash) {
    const pods = await conn.api(CoreV1Api).listNamespacedPod({ namespace, labelSelector: `pod-template-hash=${hash}` });
    const failure = podFailure(pods.items);
    if (failure) return { done: false, summary, failure };
  }
  return { done: false, summary };
}

export const releaseRolloutStep = defineStepKind({
  kind: "release-rollout",
  label: "Rollout",
  needsCluster: true,
  spec: z.object({ releaseId: z.string(), namespace: z.string(), name: z.string(), deadlineSeconds: z.number().int().positive() }),
  async run({ namespace, name, deadlineSeconds }, { cluster }) {
    const conn = cluster!;
    // Past the Deployment's own deadline plus a margin, the rollout is failed whatever the cluster says.
    const giveUpAt = Date.now() + (deadlineSeconds + 60) * 1000;
    let last: RolloutState | undefined;
    for (;;) {
      try {
        last = await rolloutState(conn, namespace, name);
      } catch (e) {
        const err = e instanceof ClusterError ? e : describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "", e, conn.timeoutMs);
        throw err; // unreachable: the engine retries with backoff
      }
      if (last.failure) throw new FinalStepError(last.failure);
      if (last.done) return { ...last.summary };
      if (Date.now() > giveUpAt) {
        throw new FinalStepError(
          `The rollout did not complete within ${deadlineSeconds + 60} s: ${last.summary.updated}/${last.summary.replicas} updated, ${last.summary.available} available.`,
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  },
});

/** A rolling restart, as `kubectl rollout restart` does it. */
export const restartStep = defineStepKind({
  kind: "workload-restart",
  label: "Rolling restart",
  needsCluster: true,
  spec: z.object({ namespace: z.string(), name: z.string(), at: z.string() }),
  async run({ namespace, name, at }, { cluster }) {
    // Not server-side apply: the restart stamp is kubectl's field, not part of the spec Wharf owns.
    await cluster!.objects.patch(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } },
      } as KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    return { restartedAt: at };
  },
});

/** The chaos action: delete one pod and let its ReplicaSet replace it. */
export const podKillStep = defineStepKind({
  kind: "pod-kill",
  label: "Kill pod",
  needsCluster: true,
  spec: z.object({ namespace: z.string(), pod: z.string() }),
  async run({ namespace, pod }, { cluster }) {
    const outcome = await deleteObject(cluster!, { apiVersion: "v1", kind: "Pod", metadata: { name: pod, namespace } });
    return { pod, outcome };
  },
});
