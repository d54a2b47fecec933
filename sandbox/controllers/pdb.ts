/**
 * PodDisruptionBudgets: the disruption controller's status (expectedPods,
 * currentHealthy, desiredHealthy, disruptionsAllowed, the DisruptionAllowed
 * condition) and the eviction subresource's check, refusing with the API
 * server's 429 "Cannot evict pod as it would violate the pod's disruption
 * budget." and its DisruptionBudget cause.
 */
import { StatusError } from "../core/errors.js";
import { labelSelectorToRequirements, matchLabels } from "../core/selectors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { type Condition, controllerRef, getCondition, int, isoNow, isPodReady, isPodTerminal, quietly, rec, scaledValue, str, WorkQueue } from "./kit.js";
import type { Controller } from "./types.js";

function podsOf(store: Store, pdb: KObject): KObject[] {
  const sel = rec(pdb.spec).selector as Parameters<typeof labelSelectorToRequirements>[0] | undefined;
  if (!sel) return [];
  const reqs = labelSelectorToRequirements(sel);
  return store.listRaw("/pods", { namespace: pdb.metadata.namespace ?? "", labels: reqs }).filter((p) => !isPodTerminal(p));
}

/** Replicas the pods' controllers want (scale of Deployments, StatefulSets, ReplicaSets). */
function expectedCount(store: Store, pods: KObject[]): number {
  const owners = new Map<string, number>();
  let loose = 0;
  for (const p of pods) {
    const ref = controllerRef(p);
    if (!ref) {
      loose++;
      continue;
    }
    let owner = store.getByUid(ref.uid);
    let uid = ref.uid;
    if (owner?.kind === "ReplicaSet") {
      const dref = controllerRef(owner);
      const dep = dref ? store.getByUid(dref.uid) : undefined;
      if (dep && dref) {
        owner = dep;
        uid = dref.uid;
      }
    }
    if (!owners.has(uid)) owners.set(uid, owner ? int(rec(owner.spec).replicas, 1) : 1);
  }
  return [...owners.values()].reduce((a, b) => a + b, 0) + loose;
}

export function pdbStatus(store: Store, pdb: KObject): Record<string, unknown> {
  const spec = rec(pdb.spec);
  const pods = podsOf(store, pdb);
  const healthy = pods.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp).length;
  let expected: number;
  let desired: number;
  if (spec.minAvailable !== undefined && typeof spec.minAvailable === "number") {
    expected = pods.length;
    desired = spec.minAvailable;
  } else if (spec.minAvailable !== undefined) {
    expected = expectedCount(store, pods);
    desired = scaledValue(spec.minAvailable, expected, true);
  } else if (spec.maxUnavailable !== undefined) {
    expected = expectedCount(store, pods);
    desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected, true));
  } else {
    expected = pods.length;
    desired = 0;
  }
  const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
  const prev = rec(pdb.status);
  const prevCond = getCondition(prev, "DisruptionAllowed");
  const ok = allowed > 0;
  const cond: Condition = {
    type: "DisruptionAllowed",
    status: ok ? "True" : "False",
    reason: ok ? "SufficientPods" : "InsufficientPods",
    message: "",
    observedGeneration: pdb.metadata.generation ?? 1,
    lastTransitionTime: prevCond && prevCond.status === (ok ? "True" : "False") ? prevCond.lastTransitionTime : isoNow(),
  };
  return {
    observedGeneration: pdb.metadata.generation ?? 1,
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: [cond],
  };
}

function syncPDBs(store: Store, ns: string): void {
  for (const pdb of store.list("policy/poddisruptionbudgets", { namespace: ns })) {
    const status = pdbStatus(store, pdb);
    if (deepEqual(rec(pdb.status), status)) continue;
    const cur = { ...pdb, status };
    delete cur.metadata.resourceVersion;
    quietly(() => store.update("policy/poddisruptionbudgets", cur, { subresource: "status", fieldManager: "disruption-controller" }));
  }
}

export const disruptionController: Controller = {
  name: "disruption",
  start({ store }) {
    const queue = new WorkQueue("disruption", (ns) => syncPDBs(store, ns));
    const withPDB = new Set<string>();
    const stopPDB = store.informer("policy/poddisruptionbudgets", {
      add: (p) => {
        withPDB.add(p.metadata.namespace ?? "");
        queue.add(p.metadata.namespace ?? "");
      },
      update: (p, old) => {
        if (!deepEqual(p.spec, old.spec)) queue.add(p.metadata.namespace ?? "");
      },
      delete: () => undefined,
    });
    const stopPods = store.subscribe((ev) => {
      const ns = ev.object.metadata.namespace ?? "";
      if (!withPDB.has(ns)) return;
      if (ev.gr === "/pods" || ev.gr === "apps/deployments" || ev.gr === "apps/statefulsets") queue.add(ns);
    });
    const removeHook = store.addAdmissionHook({
      name: "Eviction",
      resources: ["/pods"],
      operations: ["CREATE"],
      admit(req) {
        if (req.subresource !== "eviction" || !req.oldObject) return;
        const pod = req.oldObject;
        const phase = str(rec(pod.status).phase);
        if (phase === "Succeeded" || phase === "Failed" || phase === "Pending" || pod.metadata.deletionTimestamp) return;
        const pdbs = store.list("policy/poddisruptionbudgets", { namespace: pod.metadata.namespace ?? "" }).filter((b) => {
          const sel = rec(b.spec).selector as Parameters<typeof labelSelectorToRequirements>[0] | undefined;
          const reqs = sel ? labelSelectorToRequirements(sel) : [];
          return reqs.length > 0 && matchLabels(reqs, pod.metadata.labels);
        });
        if (pdbs.length === 0) return;
        if (pdbs.length > 1)
          throw new StatusError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        const pdb = pdbs[0];
        const status = pdbStatus(store, pdb);
        const policy = str(rec(pdb.spec).unhealthyPodEvictionPolicy, "IfHealthyBudget");
        if (!isPodReady(pod)) {
          if (policy === "AlwaysAllow" || int(status.currentHealthy) >= int(status.desiredHealthy)) return;
        }
        if (int(status.disruptionsAllowed) <= 0) {
          throw new StatusError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
            causes: [
              {
                reason: "DisruptionBudget",
                message: `The disruption budget ${pdb.metadata.name ?? ""} needs ${int(status.desiredHealthy)} healthy pods and has ${int(status.currentHealthy)} currently`,
              },
            ],
          });
        }
        if (req.dryRun) return;
        const cur = {
          ...pdb,
          status: {
            ...status,
            disruptionsAllowed: int(status.disruptionsAllowed) - 1,
            disruptedPods: { ...(rec(rec(pdb.status).disruptedPods) as Record<string, string>), [pod.metadata.name ?? ""]: isoNow() },
          },
        };
        delete cur.metadata.resourceVersion;
        quietly(() => store.update("policy/poddisruptionbudgets", cur, { subresource: "status", fieldManager: "kube-apiserver" }));
      },
    });
    return () => {
      removeHook();
      stopPDB();
      stopPods();
      queue.stop();
    };
  },
};
