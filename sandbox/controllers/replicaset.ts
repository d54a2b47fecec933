/**
 * ReplicaSet controller (kube-controller-manager's replicaset-controller):
 * creates pods from the template up to spec.replicas (SuccessfulCreate /
 * FailedCreate events, ReplicaFailure condition when admission refuses),
 * deletes surplus pods preferring unscheduled, pending, not-ready, newest
 * ones (SuccessfulDelete), and keeps status (replicas, fullyLabeled, ready,
 * available after minReadySeconds, observedGeneration) current.
 */
import { isStatusError } from "../core/errors.js";
import { labelSelectorToRequirements, matchLabels } from "../core/selectors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "./events.js";
import {
  arr,
  type Condition,
  controllerRef,
  getCondition,
  int,
  isoNow,
  isPodActive,
  isPodReady,
  nsKey,
  ownedBy,
  ownerRefTo,
  podAvailability,
  rec,
  splitKey,
  WorkQueue,
} from "./kit.js";
import type { Controller } from "./types.js";

const BURST = 500;

/** Pods of a pod template as the controller creates them. */
export function podFromTemplate(
  owner: KObject,
  template: unknown,
  extra: { name?: string; generateName?: string; labels?: Record<string, string>; spec?: Record<string, unknown> } = {},
): KObject {
  const tpl = rec(template);
  const md = rec(tpl.metadata);
  const spec = structuredClone(rec(tpl.spec));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(extra.name ? { name: extra.name } : { generateName: extra.generateName ?? `${owner.metadata.name ?? ""}-` }),
      namespace: owner.metadata.namespace,
      labels: { ...(md.labels as Record<string, string> | undefined), ...extra.labels },
      ...(md.annotations ? { annotations: { ...(md.annotations as Record<string, string>) } } : {}),
      ...(Array.isArray(md.finalizers) ? { finalizers: [...(md.finalizers as string[])] } : {}),
      ownerReferences: [ownerRefTo(owner)],
    },
    spec: { ...spec, ...extra.spec },
  };
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Sort order of controller.ActivePodsWithRanks: the first pods are deleted first. */
export function deletionOrder(pods: KObject[], all: KObject[]): KObject[] {
  const perNode = new Map<string, number>();
  for (const p of all) {
    const n = String(rec(p.spec).nodeName ?? "");
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const key = (p: KObject) => {
    const node = String(rec(p.spec).nodeName ?? "");
    const ready = isPodReady(p);
    const readySince = Date.parse(getCondition(p.status, "Ready")?.lastTransitionTime ?? "") || 0;
    const restarts = arr(rec(p.status).containerStatuses).reduce((n, c) => n + int(c.restartCount), 0);
    return {
      assigned: node ? 1 : 0,
      phase: phaseRank[String(rec(p.status).phase ?? "Pending")] ?? 0,
      ready: ready ? 1 : 0,
      rank: node ? (perNode.get(node) ?? 0) : 0,
      readySince,
      restarts,
      created: Date.parse(p.metadata.creationTimestamp ?? "") || 0,
      name: p.metadata.name ?? "",
    };
  };
  return [...pods].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x.assigned !== y.assigned) return x.assigned - y.assigned;
    if (x.phase !== y.phase) return x.phase - y.phase;
    if (x.ready !== y.ready) return x.ready - y.ready;
    if (x.rank !== y.rank) return y.rank - x.rank;
    if (x.ready && y.ready && x.readySince !== y.readySince) return y.readySince - x.readySince;
    if (x.restarts !== y.restarts) return y.restarts - x.restarts;
    if (x.created !== y.created) return y.created - x.created;
    return x.name < y.name ? 1 : -1;
  });
}

function syncReplicaSet(store: Store, recorder: EventRecorder, key: string, failures: Map<string, number>): number | void {
  const [ns, name] = splitKey(key);
  const rs = store.get("apps/replicasets", ns, name);
  if (!rs) {
    failures.delete(key);
    return;
  }
  const spec = rec(rs.spec);
  const want = int(spec.replicas, 1);
  const minReady = int(spec.minReadySeconds);
  const owned = ownedBy(store, "/pods", rs);
  let active = owned.filter(isPodActive);
  let failure: Condition | undefined;
  let requeue: number | undefined;

  if (!rs.metadata.deletionTimestamp) {
    const diff = active.length - want;
    if (diff < 0) {
      const n = Math.min(-diff, BURST);
      for (let i = 0; i < n; i++) {
        try {
          const pod = store.create("/pods", podFromTemplate(rs, spec.template), { fieldManager: "kube-controller-manager", untracked: true });
          recorder.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name ?? ""}`);
          failures.delete(key);
        } catch (e) {
          if (!isStatusError(e)) throw e;
          const msg = e.status.message;
          recorder.event(rs, "Warning", "FailedCreate", `Error creating: ${msg}`);
          failure = { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: msg, lastTransitionTime: isoNow() };
          const attempt = (failures.get(key) ?? 0) + 1;
          failures.set(key, attempt);
          requeue = Math.min(1000 * 2 ** Math.min(attempt - 1, 5), 30_000);
          break;
        }
      }
    } else if (diff > 0) {
      for (const p of deletionOrder(active, active).slice(0, diff)) {
        try {
          store.delete("/pods", ns, p.metadata.name ?? "", {});
          recorder.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name ?? ""}`);
        } catch (e) {
          if (!(isStatusError(e) && e.code === 404)) throw e;
        }
      }
    }
    active = ownedBy(store, "/pods", rs).filter(isPodActive);
  }

  const tplLabels = rec(rec(spec.template).metadata).labels as Record<string, string> | undefined;
  const tplReqs = labelSelectorToRequirements({ matchLabels: tplLabels ?? {} });
  let ready = 0;
  let available = 0;
  let nextAvailable = Infinity;
  for (const p of active) {
    if (isPodReady(p)) ready++;
    const [ok, left] = podAvailability(p, minReady);
    if (ok) available++;
    else if (left > 0) nextAvailable = Math.min(nextAvailable, left);
  }
  const old = rec(rs.status);
  const conditions = arr<Condition>(old.conditions).filter((c) => c.type !== "ReplicaFailure");
  const prevFailure = getCondition(old, "ReplicaFailure");
  if (failure) conditions.push(prevFailure && prevFailure.message === failure.message ? prevFailure : failure);
  const status: Record<string, unknown> = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => matchLabels(tplReqs, p.metadata.labels)).length,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 1,
    ...(conditions.length ? { conditions } : {}),
  };
  // the API omits zero counts (omitempty), except replicas
  for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]) if (status[k] === 0) delete status[k];
  if (!deepEqual(old, status)) {
    const cur = { ...rs, status };
    delete cur.metadata.resourceVersion;
    store.update("apps/replicasets", cur, { subresource: "status", fieldManager: "kube-controller-manager" });
  }
  if (nextAvailable !== Infinity) requeue = Math.min(requeue ?? Infinity, nextAvailable + 20);
  return requeue;
}

export const replicaSetController: Controller = {
  name: "replicaset",
  start({ store, options }) {
    const recorder = new EventRecorder(store, "replicaset-controller", options.events);
    const failures = new Map<string, number>();
    const queue = new WorkQueue("replicaset", (key) => syncReplicaSet(store, recorder, key, failures));
    const stopRS = store.informer("apps/replicasets", {
      add: (o) => queue.add(nsKey(o)),
      update: (o) => queue.add(nsKey(o)),
      delete: (o) => queue.add(nsKey(o)),
    });
    const stopPods = store.subscribe((ev) => {
      if (ev.gr !== "/pods") return;
      const ref = controllerRef(ev.object) ?? (ev.old ? controllerRef(ev.old) : undefined);
      if (ref?.kind === "ReplicaSet") queue.add(`${ev.object.metadata.namespace ?? ""}/${ref.name}`);
    });
    return () => {
      stopRS();
      stopPods();
      queue.stop();
    };
  },
};
