/**
 * Deployment controller, ported from kube-controller-manager's
 * pkg/controller/deployment (sync.go, rolling.go, recreate.go, progress.go
 * and deployment/util): one ReplicaSet per pod template named
 * `<deploy>-<pod-template-hash>`, revisions (`deployment.kubernetes.io/revision`,
 * reused and renumbered on undo), annotations copied to the new ReplicaSet,
 * RollingUpdate (maxSurge/maxUnavailable, ints or percentages) and Recreate,
 * proportional scaling, paused deployments, progress deadline
 * (ProgressDeadlineExceeded), minReadySeconds, revisionHistoryLimit cleanup,
 * ScalingReplicaSet events and status/conditions exactly as upstream writes
 * them, so `kubectl rollout status|history|undo` behave as on a real cluster.
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "./events.js";
import {
  arr,
  type Condition,
  controllerRef,
  getCondition,
  HASH_LABEL,
  int,
  isoNow,
  isPodTerminal,
  normalizedTemplate,
  nsKey,
  ownedBy,
  ownerRefTo,
  rec,
  scaledValue,
  splitKey,
  str,
  templateHash,
  WorkQueue,
} from "./kit.js";
import type { Controller } from "./types.js";

const REVISION = "deployment.kubernetes.io/revision";
const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
const DESIRED = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
const SKIP_COPY = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  REVISION_HISTORY,
  DESIRED,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);

// condition reasons (deploymentutil)
const NewRSAvailable = "NewReplicaSetAvailable";
const TimedOut = "ProgressDeadlineExceeded";

type RS = KObject;
type Deploy = KObject;

const replicasOf = (o: KObject): number => int(rec(o.spec).replicas, 1);
const specReplicas = (rs: RS): number => int(rec(rs.spec).replicas, 0);
const statusOf = (o: KObject) => rec(o.status);
const revisionOf = (rs: RS): number => Number(rs.metadata.annotations?.[REVISION] ?? "0") || 0;
const created = (o: KObject): number => Date.parse(o.metadata.creationTimestamp ?? "") || 0;
const byCreation = (a: RS, b: RS) => created(a) - created(b) || ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1);

function isRolling(d: Deploy): boolean {
  return str(rec(rec(d.spec).strategy).type, "RollingUpdate") === "RollingUpdate";
}

function resolveFenceposts(d: Deploy): [number, number] {
  const ru = rec(rec(rec(d.spec).strategy).rollingUpdate);
  const desired = replicasOf(d);
  const surge = scaledValue(ru.maxSurge ?? "25%", desired, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? "25%", desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}
function maxUnavailable(d: Deploy): number {
  if (!isRolling(d) || replicasOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], replicasOf(d));
}
function maxSurge(d: Deploy): number {
  return isRolling(d) ? resolveFenceposts(d)[0] : 0;
}

const sum = (rss: (RS | undefined)[], f: (rs: RS) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
const actual = (rs: RS) => int(statusOf(rs).replicas);
const ready = (rs: RS) => int(statusOf(rs).readyReplicas);
const available = (rs: RS) => int(statusOf(rs).availableReplicas);

function newCondition(type: string, status: Condition["status"], reason: string, message: string): Condition {
  const now = isoNow();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** deploymentutil.SetDeploymentCondition: no-op when status and reason match; keeps lastTransitionTime when status is unchanged. */
function setCondition(status: Record<string, unknown>, c: Condition): void {
  const conds = arr<Condition>(status.conditions);
  const cur = conds.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...conds.filter((x) => x.type !== c.type), c];
}
function removeCondition(status: Record<string, unknown>, type: string): void {
  const conds = arr<Condition>(status.conditions).filter((x) => x.type !== type);
  status.conditions = conds;
}

const hasProgressDeadline = (d: Deploy) => {
  const p = rec(d.spec).progressDeadlineSeconds;
  return typeof p === "number" && p !== 2147483647;
};

function deploymentComplete(d: Deploy, s: Record<string, unknown>): boolean {
  const r = replicasOf(d);
  return int(s.updatedReplicas) === r && int(s.replicas) === r && int(s.availableReplicas) === r && int(s.observedGeneration) >= (d.metadata.generation ?? 0);
}
function deploymentProgressing(d: Deploy, s: Record<string, unknown>): boolean {
  const o = statusOf(d);
  const oldOld = int(o.replicas) - int(o.updatedReplicas);
  const newOld = int(s.replicas) - int(s.updatedReplicas);
  return (
    int(s.updatedReplicas) > int(o.updatedReplicas) ||
    newOld < oldOld ||
    int(s.readyReplicas) > int(o.readyReplicas) ||
    int(s.availableReplicas) > int(o.availableReplicas)
  );
}
function deploymentTimedOut(d: Deploy, s: Record<string, unknown>): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, "Progressing");
  if (!c) return false;
  if (c.reason === NewRSAvailable) return false;
  if (c.reason === TimedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? "") || Date.now();
  return from + int(rec(d.spec).progressDeadlineSeconds) * 1000 < Date.now();
}

class DeploymentSync {
  constructor(
    private readonly store: Store,
    private readonly recorder: EventRecorder,
    private readonly queue: WorkQueue,
  ) {}

  sync(key: string): number | void {
    const [ns, name] = splitKey(key);
    const d = this.store.get("apps/deployments", ns, name);
    if (!d) return;
    const rsList = ownedBy(this.store, "apps/replicasets", d);
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    this.checkPausedConditions(d);
    if (rec(d.spec).paused === true) return this.scaleSync(d, rsList);
    if (this.isScalingEvent(d, rsList)) return this.scaleSync(d, rsList);
    return isRolling(d) ? this.rolloutRolling(d, rsList) : this.rolloutRecreate(d, rsList);
  }

  // ---------------------------------------------------------------- replica sets

  private findNew(d: Deploy, rsList: RS[]): RS | undefined {
    const want = normalizedTemplate(rec(d.spec).template);
    return [...rsList].sort(byCreation).find((rs) => normalizedTemplate(rec(rs.spec).template) === want);
  }

  private write(rs: RS): RS {
    const o = structuredClone(rs);
    delete o.metadata.resourceVersion;
    return this.store.update("apps/replicasets", o, { fieldManager: "kube-controller-manager" });
  }

  private writeDeployment(d: Deploy): Deploy {
    const o = structuredClone(d);
    delete o.metadata.resourceVersion;
    return this.store.update("apps/deployments", o, { fieldManager: "kube-controller-manager" });
  }

  private writeStatus(d: Deploy, status: Record<string, unknown>): void {
    const cur = this.store.get("apps/deployments", d.metadata.namespace, d.metadata.name ?? "");
    if (!cur || cur.metadata.uid !== d.metadata.uid) return;
    cur.status = status;
    delete cur.metadata.resourceVersion;
    this.store.update("apps/deployments", cur, { subresource: "status", fieldManager: "kube-controller-manager" });
  }

  /** Copies the deployment's annotations to the RS (minus the controller's own). */
  private copyAnnotations(d: Deploy, rs: RS): boolean {
    let changed = false;
    const ann = { ...(rs.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
      if (SKIP_COPY.has(k) || ann[k] === v) continue;
      ann[k] = v;
      changed = true;
    }
    rs.metadata.annotations = ann;
    return changed;
  }

  private setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
    const ann = { ...(rs.metadata.annotations ?? {}) };
    let changed = false;
    if (ann[DESIRED] !== String(desired)) {
      ann[DESIRED] = String(desired);
      changed = true;
    }
    if (ann[MAX_REPLICAS] !== String(max)) {
      ann[MAX_REPLICAS] = String(max);
      changed = true;
    }
    rs.metadata.annotations = ann;
    return changed;
  }

  private setNewRSAnnotations(d: Deploy, rs: RS, newRevision: number, exists: boolean): boolean {
    let changed = this.copyAnnotations(d, rs);
    const ann = rs.metadata.annotations ?? {};
    const hadRevision = ann[REVISION] !== undefined;
    const oldRevision = Number(ann[REVISION] ?? "0") || 0;
    if (oldRevision < newRevision) {
      ann[REVISION] = String(newRevision);
      changed = true;
      if (hadRevision) ann[REVISION_HISTORY] = ann[REVISION_HISTORY] ? `${ann[REVISION_HISTORY]},${oldRevision}` : String(oldRevision);
    }
    rs.metadata.annotations = ann;
    if (!exists && this.setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
    return changed;
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new RS (created when asked and
   * missing) and all old ones; syncs revisions and the deployment's revision.
   */
  private getAll(d: Deploy, rsList: RS[], createIfMissing: boolean): { newRS: RS | undefined; old: RS[]; d: Deploy } {
    let dep = d;
    const existing = this.findNew(dep, rsList);
    const old = rsList.filter((rs) => rs !== existing);
    const maxOld = old.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const newRevision = maxOld + 1;
    if (existing) {
      let rs = structuredClone(existing);
      const annChanged = this.setNewRSAnnotations(dep, rs, newRevision, true);
      const minReady = int(rec(dep.spec).minReadySeconds);
      const minReadyChanged = int(rec(rs.spec).minReadySeconds) !== minReady;
      if (minReadyChanged) rs.spec = { ...rec(rs.spec), minReadySeconds: minReady };
      if (annChanged || minReadyChanged) rs = this.write(rs);
      const rev = rs.metadata.annotations?.[REVISION] ?? "";
      let needsStatus = false;
      if (dep.metadata.annotations?.[REVISION] !== rev) {
        dep = this.writeDeployment({ ...dep, metadata: { ...dep.metadata, annotations: { ...dep.metadata.annotations, [REVISION]: rev } } });
      }
      const status = structuredClone(statusOf(dep));
      if (hasProgressDeadline(dep) && !getCondition(status, "Progressing")) {
        setCondition(status, newCondition("Progressing", "True", "FoundNewReplicaSet", `Found new replica set "${rs.metadata.name ?? ""}"`));
        needsStatus = true;
      }
      if (needsStatus) {
        this.writeStatus(dep, status);
        dep = this.store.get("apps/deployments", dep.metadata.namespace, dep.metadata.name ?? "") ?? dep;
      }
      return { newRS: rs, old, d: dep };
    }
    if (!createIfMissing) return { newRS: undefined, old, d: dep };

    const spec = rec(dep.spec);
    const collisions = int(statusOf(dep).collisionCount);
    const hash = templateHash(spec.template, collisions);
    const tpl = structuredClone(rec(spec.template));
    const tmd = rec(tpl.metadata);
    tmd.labels = { ...(tmd.labels as Record<string, string> | undefined), [HASH_LABEL]: hash };
    tpl.metadata = tmd;
    const sel = structuredClone(rec(spec.selector));
    sel.matchLabels = { ...(sel.matchLabels as Record<string, string> | undefined), [HASH_LABEL]: hash };
    const rsName = `${dep.metadata.name ?? ""}-${hash}`;
    const draft: RS = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: rsName,
        namespace: dep.metadata.namespace,
        labels: { ...(tmd.labels as Record<string, string>) },
        annotations: {},
        ownerReferences: [ownerRefTo(dep)],
      },
      spec: { replicas: 0, minReadySeconds: int(spec.minReadySeconds), selector: sel, template: tpl },
    };
    const allRSs = [...old, draft];
    const newReplicas = this.newRSNewReplicas(dep, allRSs, draft);
    (draft.spec as Record<string, unknown>).replicas = newReplicas;
    this.setNewRSAnnotations(dep, draft, newRevision, false);
    let createdRS: RS;
    try {
      createdRS = this.store.create("apps/replicasets", draft, { fieldManager: "kube-controller-manager" });
    } catch (e) {
      if (!(isStatusError(e) && e.code === 409)) throw e;
      const clash = this.store.get("apps/replicasets", dep.metadata.namespace, rsName);
      if (clash && controllerRef(clash)?.uid === dep.metadata.uid && normalizedTemplate(rec(clash.spec).template) === normalizedTemplate(spec.template)) {
        return { newRS: clash, old, d: dep };
      }
      // a hash collision: bump collisionCount and retry on the next sync
      this.writeStatus(dep, { ...structuredClone(statusOf(dep)), collisionCount: collisions + 1 });
      this.queue.add(nsKey(dep));
      return { newRS: undefined, old, d: dep };
    }
    if (newReplicas > 0) this.recorder.event(dep, "Normal", "ScalingReplicaSet", `Scaled up replica set ${rsName} from 0 to ${newReplicas}`);
    if (dep.metadata.annotations?.[REVISION] !== String(newRevision)) {
      dep = this.writeDeployment({ ...dep, metadata: { ...dep.metadata, annotations: { ...dep.metadata.annotations, [REVISION]: String(newRevision) } } });
    }
    if (hasProgressDeadline(dep)) {
      const status = structuredClone(statusOf(dep));
      setCondition(status, newCondition("Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${rsName}"`));
      this.writeStatus(dep, status);
      dep = this.store.get("apps/deployments", dep.metadata.namespace, dep.metadata.name ?? "") ?? dep;
    }
    return { newRS: createdRS, old, d: dep };
  }

  private newRSNewReplicas(d: Deploy, allRSs: RS[], newRS: RS): number {
    if (!isRolling(d)) return replicasOf(d);
    const surge = scaledValue(rec(rec(rec(d.spec).strategy).rollingUpdate).maxSurge ?? "25%", replicasOf(d), true);
    const current = sum(allRSs, specReplicas);
    const maxTotal = replicasOf(d) + surge;
    if (current >= maxTotal) return specReplicas(newRS);
    const up = Math.min(maxTotal - current, replicasOf(d) - specReplicas(newRS));
    return specReplicas(newRS) + up;
  }

  /** Scales an RS (and its replica annotations); records ScalingReplicaSet. Returns the updated RS. */
  private scaleRS(rs: RS, newScale: number, d: Deploy, op?: "up" | "down"): [boolean, RS] {
    const sizeChange = specReplicas(rs) !== newScale;
    const copy = structuredClone(rs);
    const annChange = this.setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChange && !annChange) return [false, rs];
    const oldScale = specReplicas(rs);
    copy.spec = { ...rec(copy.spec), replicas: newScale };
    const updated = this.write(copy);
    if (sizeChange) {
      const verb = op ?? (oldScale < newScale ? "up" : "down");
      this.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled ${verb} replica set ${rs.metadata.name ?? ""} from ${oldScale} to ${newScale}`);
    }
    return [sizeChange, updated];
  }

  private scaleAndRecord(rs: RS, newScale: number, d: Deploy): [boolean, RS] {
    if (specReplicas(rs) === newScale) return [false, rs];
    return this.scaleRS(rs, newScale, d, specReplicas(rs) < newScale ? "up" : "down");
  }

  // ---------------------------------------------------------------- strategies

  private rolloutRolling(d0: Deploy, rsList: RS[]): number | void {
    const got = this.getAll(d0, rsList, true);
    const d = got.d;
    let newRS = got.newRS;
    let old = got.old;
    if (!newRS) return this.syncRolloutStatus([...old], undefined, d);
    // scale up
    if (specReplicas(newRS) !== replicasOf(d)) {
      let target: number;
      if (specReplicas(newRS) > replicasOf(d)) target = replicasOf(d);
      else target = this.newRSNewReplicas(d, [...old, newRS], newRS);
      const [scaled, rs] = this.scaleAndRecord(newRS, target, d);
      newRS = rs;
      if (scaled) return this.syncRolloutStatus([...old, newRS], newRS, d);
    }
    // scale down
    const [scaledDown, updatedOld] = this.reconcileOld(
      [...old, newRS],
      old.filter((rs) => specReplicas(rs) > 0),
      old,
      newRS,
      d,
    );
    old = updatedOld;
    if (scaledDown) return this.syncRolloutStatus([...old, newRS], newRS, d);
    if (deploymentComplete(d, statusOf(d))) this.cleanup(old, d);
    return this.syncRolloutStatus([...old, newRS], newRS, d);
  }

  /** reconcileOldReplicaSets (unhealthy first, then by maxUnavailable). */
  private reconcileOld(allRSs: RS[], activeOld: RS[], allOld: RS[], newRS: RS, d: Deploy): [boolean, RS[]] {
    const replace = (list: RS[], rs: RS) => list.map((x) => (x.metadata.uid === rs.metadata.uid ? rs : x));
    let oldList = allOld;
    const oldPods = sum(activeOld, specReplicas);
    if (oldPods === 0) return [false, oldList];
    const allPods = sum(allRSs, specReplicas);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = specReplicas(newRS) - available(newRS);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return [false, oldList];

    // cleanupUnhealthyReplicas
    let active = [...activeOld].sort(byCreation);
    let cleaned = 0;
    for (let i = 0; i < active.length; i++) {
      const rs = active[i];
      if (cleaned >= maxScaledDown) break;
      if (specReplicas(rs) === 0 || specReplicas(rs) === available(rs)) continue;
      const down = Math.min(maxScaledDown - cleaned, specReplicas(rs) - available(rs));
      const [, upd] = this.scaleAndRecord(rs, specReplicas(rs) - down, d);
      cleaned += down;
      active[i] = upd;
      oldList = replace(oldList, upd);
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    const all = [...active, newRS];
    const availableCount = sum(all, available);
    let scaledDown = 0;
    if (availableCount > minAvailable) {
      const total = availableCount - minAvailable;
      active = [...active].sort(byCreation);
      for (const rs of active) {
        if (scaledDown >= total) break;
        if (specReplicas(rs) === 0) continue;
        const down = Math.min(specReplicas(rs), total - scaledDown);
        const [, upd] = this.scaleAndRecord(rs, specReplicas(rs) - down, d);
        scaledDown += down;
        oldList = replace(oldList, upd);
      }
    }
    return [cleaned + scaledDown > 0, oldList];
  }

  private rolloutRecreate(d0: Deploy, rsList: RS[]): number | void {
    let got = this.getAll(d0, rsList, false);
    let d = got.d;
    let old = got.old;
    let newRS = got.newRS;
    // scale down old replica sets
    let scaledDown = false;
    for (const rs of old.filter((x) => specReplicas(x) > 0)) {
      const [scaled, upd] = this.scaleAndRecord(rs, 0, d);
      if (scaled) scaledDown = true;
      old = old.map((x) => (x.metadata.uid === upd.metadata.uid ? upd : x));
    }
    if (scaledDown) return this.syncRolloutStatus([...old, ...(newRS ? [newRS] : [])], newRS, d);
    // wait until no old pod is running
    if (this.oldPodsRunning(newRS, old)) return this.syncRolloutStatus([...old, ...(newRS ? [newRS] : [])], newRS, d);
    if (!newRS) {
      got = this.getAll(d, ownedBy(this.store, "apps/replicasets", d), true);
      d = got.d;
      newRS = got.newRS;
      old = got.old;
    }
    if (newRS) {
      const [, upd] = this.scaleAndRecord(newRS, replicasOf(d), d);
      newRS = upd;
    }
    if (deploymentComplete(d, statusOf(d))) this.cleanup(old, d);
    return this.syncRolloutStatus([...old, ...(newRS ? [newRS] : [])], newRS, d);
  }

  private oldPodsRunning(newRS: RS | undefined, old: RS[]): boolean {
    if (sum(old, actual) > 0) return true;
    for (const rs of old) {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
      if (ownedBy(this.store, "/pods", rs).some((p) => !isPodTerminal(p))) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- scaling, pause

  private isScalingEvent(d: Deploy, rsList: RS[]): boolean {
    const { newRS, old } = this.getAll(d, rsList, false);
    for (const rs of [...old, ...(newRS ? [newRS] : [])]) {
      if (specReplicas(rs) === 0) continue;
      const desired = rs.metadata.annotations?.[DESIRED];
      if (desired === undefined) continue;
      if (Number(desired) !== replicasOf(d)) return true;
    }
    return false;
  }

  private checkPausedConditions(d: Deploy): void {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, "Progressing");
    if (cond?.reason === TimedOut) return;
    const pausedExists = cond?.reason === "DeploymentPaused";
    const paused = rec(d.spec).paused === true;
    let c: Condition | undefined;
    if (paused && !pausedExists) c = newCondition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
    else if (!paused && pausedExists) c = newCondition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed");
    if (!c) return;
    const status = structuredClone(statusOf(d));
    setCondition(status, c);
    this.writeStatus(d, status);
    const fresh = this.store.get("apps/deployments", d.metadata.namespace, d.metadata.name ?? "");
    if (fresh) Object.assign(d, fresh);
  }

  /** `sync`: scaling events and paused deployments (proportional scaling, no rollout). */
  private scaleSync(d0: Deploy, rsList: RS[]): number | void {
    const got = this.getAll(d0, rsList, false);
    const d = got.d;
    let newRS = got.newRS;
    let old = got.old;
    [newRS, old] = this.scale(d, newRS, old);
    if (rec(d.spec).paused === true) this.cleanup(old, d);
    return this.syncDeploymentStatus([...old, ...(newRS ? [newRS] : [])], newRS, d);
  }

  private scale(d: Deploy, newRS: RS | undefined, old: RS[]): [RS | undefined, RS[]] {
    const replace = (rs: RS) => {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) newRS = rs;
      old = old.map((x) => (x.metadata.uid === rs.metadata.uid ? rs : x));
    };
    // FindActiveOrLatest
    const sortedOld = [...old].sort(byCreation).reverse();
    const activeAll = [...sortedOld, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
    let single: RS | undefined;
    if (newRS || old.length) {
      if (activeAll.length === 0) single = newRS ?? sortedOld[0];
      else if (activeAll.length === 1) single = activeAll[0];
    }
    if (single) {
      if (specReplicas(single) !== replicasOf(d)) replace(this.scaleAndRecord(single, replicasOf(d), d)[1]);
      return [newRS, old];
    }
    if (
      newRS &&
      specReplicas(newRS) === replicasOf(d) &&
      newRS.metadata.annotations?.[DESIRED] === String(replicasOf(d)) &&
      available(newRS) === replicasOf(d)
    ) {
      for (const rs of old.filter((x) => specReplicas(x) > 0)) replace(this.scaleAndRecord(rs, 0, d)[1]);
      return [newRS, old];
    }
    if (!isRolling(d)) return [newRS, old];
    const all = [...old, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
    const allReplicas = sum(all, specReplicas);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - allReplicas;
    let op: "up" | "down" | undefined;
    if (toAdd > 0) {
      all.sort((a, b) => specReplicas(b) - specReplicas(a) || created(b) - created(a));
      op = "up";
    } else if (toAdd < 0) {
      all.sort((a, b) => specReplicas(b) - specReplicas(a) || created(a) - created(b));
      op = "down";
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = this.proportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.uid ?? "", specReplicas(rs) + p);
        added += p;
      } else sizes.set(rs.metadata.uid ?? "", specReplicas(rs));
    }
    all.forEach((rs, i) => {
      const uid = rs.metadata.uid ?? "";
      if (i === 0 && toAdd !== 0) sizes.set(uid, Math.max(0, (sizes.get(uid) ?? 0) + toAdd - added));
      replace(this.scaleRS(rs, sizes.get(uid) ?? 0, d, op)[1]);
    });
    return [newRS, old];
  }

  private proportion(rs: RS, d: Deploy, toAdd: number, added: number): number {
    if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    let fraction: number;
    if (replicasOf(d) === 0) fraction = -specReplicas(rs);
    else {
      const deploymentReplicas = replicasOf(d) + maxSurge(d);
      const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? NaN);
      const base = Number.isFinite(annotated) && annotated > 0 ? annotated : int(statusOf(d).replicas) || 1;
      fraction = Math.round((specReplicas(rs) * deploymentReplicas) / base) - specReplicas(rs);
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private cleanup(old: RS[], d: Deploy): void {
    const limit = rec(d.spec).revisionHistoryLimit;
    if (typeof limit !== "number") return;
    const cleanable = old.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if (actual(rs) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > int(statusOf(rs).observedGeneration)) continue;
      try {
        this.store.delete("apps/replicasets", rs.metadata.namespace, rs.metadata.name ?? "", { propagationPolicy: "Background" });
      } catch (e) {
        if (!(isStatusError(e) && e.code === 404)) throw e;
      }
    }
  }

  // ---------------------------------------------------------------- status

  private calculateStatus(allRSs: RS[], newRS: RS | undefined, d: Deploy): Record<string, unknown> {
    const availableReplicas = sum(allRSs, available);
    const total = sum(allRSs, specReplicas);
    const prev = statusOf(d);
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: sum(allRSs, actual),
      updatedReplicas: newRS ? actual(newRS) : 0,
      readyReplicas: sum(allRSs, ready),
      availableReplicas,
      unavailableReplicas: Math.max(0, total - availableReplicas),
      ...(prev.collisionCount !== undefined ? { collisionCount: prev.collisionCount } : {}),
      conditions: arr<Condition>(prev.conditions).map((c) => ({ ...c })),
    };
    if (availableReplicas >= replicasOf(d) - maxUnavailable(d))
      setCondition(status, newCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."));
    else setCondition(status, newCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."));
    return status;
  }

  private finishStatus(status: Record<string, unknown>, d: Deploy): Record<string, unknown> {
    // omitempty of the Go types
    for (const k of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"]) if (status[k] === 0) delete status[k];
    if (arr(status.conditions).length === 0) delete status.conditions;
    void d;
    return status;
  }

  private syncDeploymentStatus(allRSs: RS[], newRS: RS | undefined, d: Deploy): number | void {
    const status = this.finishStatus(this.calculateStatus(allRSs, newRS, d), d);
    if (!deepEqual(statusOf(d), status)) this.writeStatus(d, status);
  }

  private syncRolloutStatus(allRSs: RS[], newRS: RS | undefined, d: Deploy): number | void {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (!hasProgressDeadline(d)) removeCondition(status, "Progressing");
    const cur = getCondition(statusOf(d), "Progressing");
    const complete = int(status.replicas) === int(status.updatedReplicas) && cur?.reason === NewRSAvailable;
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        const msg = newRS
          ? `ReplicaSet "${newRS.metadata.name ?? ""}" has successfully progressed.`
          : `Deployment "${d.metadata.name ?? ""}" has successfully progressed.`;
        setCondition(status, newCondition("Progressing", "True", NewRSAvailable, msg));
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata.name ?? ""}" is progressing.` : `Deployment "${d.metadata.name ?? ""}" is progressing.`;
        const c = newCondition("Progressing", "True", "ReplicaSetUpdated", msg);
        if (cur) {
          if (cur.status === "True") c.lastTransitionTime = cur.lastTransitionTime;
          removeCondition(status, "Progressing");
        }
        setCondition(status, c);
      } else if (deploymentTimedOut(d, status)) {
        const msg = newRS
          ? `ReplicaSet "${newRS.metadata.name ?? ""}" has timed out progressing.`
          : `Deployment "${d.metadata.name ?? ""}" has timed out progressing.`;
        setCondition(status, newCondition("Progressing", "False", TimedOut, msg));
      }
    }
    // replica failures of the new RS surface on the deployment
    const failure = newRS ? getCondition(newRS.status, "ReplicaFailure") : undefined;
    if (failure?.status === "True") setCondition(status, newCondition("ReplicaFailure", "True", failure.reason ?? "FailedCreate", failure.message ?? ""));
    else removeCondition(status, "ReplicaFailure");
    const final = this.finishStatus(status, d);
    if (!deepEqual(statusOf(d), final)) {
      this.writeStatus(d, final);
      return;
    }
    // requeueStuckDeployment: wake up when the progress deadline passes
    const c = getCondition(final, "Progressing");
    if (!hasProgressDeadline(d) || !c || c.reason === TimedOut || deploymentComplete(d, final)) return;
    const from = Date.parse(c.lastUpdateTime ?? "") || Date.now();
    const left = from + int(rec(d.spec).progressDeadlineSeconds) * 1000 - Date.now();
    return Math.max(left, 0) + 50;
  }

  private syncStatusOnly(d: Deploy, rsList: RS[]): number | void {
    const { newRS, old, d: dep } = this.getAll(d, rsList, false);
    return this.syncDeploymentStatus([...old, ...(newRS ? [newRS] : [])], newRS, dep);
  }
}

export const deploymentController: Controller = {
  name: "deployment",
  start({ store, options }) {
    const recorder = new EventRecorder(store, "deployment-controller", options.events);
    // The queue and the syncer need each other: the queue's callback reaches the syncer once it exists.
    const holder: { syncer?: DeploymentSync } = {};
    const queue = new WorkQueue("deployment", (key) => holder.syncer?.sync(key));
    const syncer = new DeploymentSync(store, recorder, queue);
    holder.syncer = syncer;
    const stopDeploy = store.informer("apps/deployments", {
      add: (o) => queue.add(nsKey(o)),
      update: (o) => queue.add(nsKey(o)),
      delete: (o) => queue.add(nsKey(o)),
    });
    const stopOther = store.subscribe((ev) => {
      if (ev.gr === "apps/replicasets") {
        const ref = controllerRef(ev.object) ?? (ev.old ? controllerRef(ev.old) : undefined);
        if (ref?.kind === "Deployment") queue.add(`${ev.object.metadata.namespace ?? ""}/${ref.name}`);
      } else if (ev.gr === "/pods" && ev.type === "DELETED") {
        // Recreate waits for old pods to be gone
        const ref = controllerRef(ev.object);
        if (ref?.kind !== "ReplicaSet") return;
        const rs = store.get("apps/replicasets", ev.object.metadata.namespace, ref.name);
        const dref = rs ? controllerRef(rs) : undefined;
        if (dref?.kind === "Deployment") queue.add(`${ev.object.metadata.namespace ?? ""}/${dref.name}`);
      }
    });
    return () => {
      stopDeploy();
      stopOther();
      queue.stop();
    };
  },
};
