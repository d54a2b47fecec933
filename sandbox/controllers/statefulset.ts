/**
 * StatefulSet controller: pods `<name>-0..n-1` created in order (each waits
 * for the previous to be Running and Ready under OrderedReady, all at once
 * under Parallel), scaled down from the highest ordinal, rolling updates in
 * reverse ordinal order honouring `partition`, and status (replicas,
 * readyReplicas, availableReplicas, currentReplicas, updatedReplicas,
 * currentRevision, updateRevision) as `kubectl rollout status sts/x` reads it.
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "./events.js";
import { controllerRef, int, isPodReady, isPodTerminal, nsKey, ownedBy, podAvailability, rec, splitKey, str, templateHash, WorkQueue } from "./kit.js";
import { podFromTemplate } from "./replicaset.js";
import type { Controller } from "./types.js";

const REV_LABEL = "controller-revision-hash";

function ordinalOf(sts: KObject, pod: KObject): number {
  const m = new RegExp(`^${(sts.metadata.name ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d+)$`).exec(pod.metadata.name ?? "");
  return m ? Number(m[1]) : -1;
}

const runningReady = (p: KObject) => rec(p.status).phase === "Running" && isPodReady(p) && !p.metadata.deletionTimestamp;

function sync(store: Store, recorder: EventRecorder, key: string): number | void {
  const [ns, name] = splitKey(key);
  const sts = store.get("apps/statefulsets", ns, name);
  if (!sts || sts.metadata.deletionTimestamp) return;
  const spec = rec(sts.spec);
  const replicas = int(spec.replicas, 1);
  const parallel = spec.podManagementPolicy === "Parallel";
  const strategy = rec(spec.updateStrategy);
  const partition = int(rec(strategy.rollingUpdate).partition);
  const minReady = int(spec.minReadySeconds);
  const updateRevision = `${name}-${templateHash(spec.template)}`;
  const pods = ownedBy(store, "/pods", sts);
  const byOrd = new Map<number, KObject>();
  for (const p of pods) {
    const o = ordinalOf(sts, p);
    if (o >= 0) byOrd.set(o, p);
  }
  const event = (verb: "create" | "delete", pod: string) =>
    recorder.event(sts, "Normal", verb === "create" ? "SuccessfulCreate" : "SuccessfulDelete", `${verb} Pod ${pod} in StatefulSet ${name} successful`);
  const create = (ord: number): boolean => {
    const podName = `${name}-${ord}`;
    try {
      const pod = podFromTemplate(sts, spec.template, {
        name: podName,
        labels: { [REV_LABEL]: updateRevision, "statefulset.kubernetes.io/pod-name": podName, "apps.kubernetes.io/pod-index": String(ord) },
        spec: { hostname: podName, ...(spec.serviceName ? { subdomain: spec.serviceName } : {}) },
      });
      store.create("/pods", pod, { fieldManager: "kube-controller-manager", untracked: true });
      event("create", podName);
      return true;
    } catch (e) {
      if (!isStatusError(e)) throw e;
      if (e.code !== 409) recorder.event(sts, "Warning", "FailedCreate", `create Pod ${podName} in StatefulSet ${name} failed error: ${e.status.message}`);
      return false;
    }
  };
  const remove = (p: KObject) => {
    try {
      store.delete("/pods", ns, p.metadata.name ?? "", {});
      event("delete", p.metadata.name ?? "");
    } catch (e) {
      if (!(isStatusError(e) && e.code === 404)) throw e;
    }
  };

  let blocked = false;
  for (let ord = 0; ord < replicas; ord++) {
    const p = byOrd.get(ord);
    if (!p) {
      create(ord);
      if (!parallel) {
        blocked = true;
        break;
      }
      continue;
    }
    if (isPodTerminal(p) && !p.metadata.deletionTimestamp) {
      remove(p);
      blocked = true;
      if (!parallel) break;
      continue;
    }
    if (!parallel && !runningReady(p)) {
      blocked = true;
      break;
    }
  }
  // scale down: highest ordinal first, one at a time unless Parallel
  const condemned = [...byOrd.entries()].filter(([o]) => o >= replicas).sort((a, b) => b[0] - a[0]);
  if (!blocked && condemned.length) {
    if (parallel) {
      for (const [, p] of condemned) if (!p.metadata.deletionTimestamp) remove(p);
    } else if (!condemned.some(([, p]) => p.metadata.deletionTimestamp)) remove(condemned[0][1]);
    blocked = true;
  }
  // rolling update: highest ordinal with an old revision, once every pod is Running and Ready
  if (!blocked && str(strategy.type, "RollingUpdate") === "RollingUpdate") {
    const current = [...byOrd.entries()].filter(([o]) => o < replicas);
    if (current.every(([, p]) => runningReady(p))) {
      const stale = current.filter(([o, p]) => o >= partition && p.metadata.labels?.[REV_LABEL] !== updateRevision).sort((a, b) => b[0] - a[0]);
      if (stale.length) remove(stale[0][1]);
    }
  }

  const after = ownedBy(store, "/pods", sts).filter((p) => ordinalOf(sts, p) >= 0);
  const old = rec(sts.status);
  let ready = 0;
  let available = 0;
  let updated = 0;
  let nextAvailable = Infinity;
  const revisions = new Map<string, number>();
  for (const p of after) {
    if (runningReady(p)) {
      ready++;
      const [ok, left] = podAvailability(p, minReady);
      if (ok) available++;
      else if (left > 0) nextAvailable = Math.min(nextAvailable, left);
    }
    if (p.metadata.deletionTimestamp) continue;
    const rev = p.metadata.labels?.[REV_LABEL] ?? "";
    revisions.set(rev, (revisions.get(rev) ?? 0) + 1);
    if (rev === updateRevision) updated++;
  }
  let currentRevision = str(old.currentRevision, updateRevision);
  if (updated === replicas && ready === replicas && after.length === replicas) currentRevision = updateRevision;
  const status: Record<string, unknown> = {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas: after.length,
    ...(ready ? { readyReplicas: ready } : {}),
    currentReplicas: revisions.get(currentRevision) ?? 0,
    ...(updated ? { updatedReplicas: updated } : {}),
    currentRevision,
    updateRevision,
    collisionCount: 0,
    availableReplicas: available,
  };
  if (status.currentReplicas === 0) delete status.currentReplicas;
  if (!deepEqual(old, status)) {
    const cur = { ...sts, status };
    delete cur.metadata.resourceVersion;
    store.update("apps/statefulsets", cur, { subresource: "status", fieldManager: "kube-controller-manager" });
  }
  if (nextAvailable !== Infinity) return nextAvailable + 20;
}

export const statefulSetController: Controller = {
  name: "statefulset",
  start({ store, options }) {
    const recorder = new EventRecorder(store, "statefulset-controller", options.events);
    const queue = new WorkQueue("statefulset", (key) => sync(store, recorder, key));
    const stopSts = store.informer("apps/statefulsets", { add: (o) => queue.add(nsKey(o)), update: (o) => queue.add(nsKey(o)), delete: () => undefined });
    const stopPods = store.subscribe((ev) => {
      if (ev.gr !== "/pods") return;
      const ref = controllerRef(ev.object);
      if (ref?.kind === "StatefulSet") queue.add(`${ev.object.metadata.namespace ?? ""}/${ref.name}`);
    });
    return () => {
      stopSts();
      stopPods();
      queue.stop();
    };
  },
};
