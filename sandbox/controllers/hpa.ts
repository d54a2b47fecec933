/**
 * HorizontalPodAutoscaler (autoscaling/v2) controller, after
 * pkg/controller/podautoscaler: every sync period it reads the simulated
 * usage of the target's pods (the same model as metrics.k8s.io), computes
 * the replica count for Resource metrics (Utilization or AverageValue;
 * default cpu 80%) with the 10% tolerance and the missing/unready pod
 * rules, applies behavior (stabilisation windows, default scale-down window
 * 5 minutes, rate-limit policies), scales Deployments/StatefulSets/ReplicaSets
 * and writes status (currentReplicas, desiredReplicas, currentMetrics,
 * lastScaleTime) with the AbleToScale / ScalingActive / ScalingLimited
 * conditions and SuccessfulRescale events as upstream words them.
 */
import { labelSelectorToRequirements } from "../core/selectors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "./events.js";
import { arr, type Condition, containersOf, int, isoNow, isPodReady, nsKey, type Obj, parseQuantity, quietly, rec, splitKey, str, WorkQueue } from "./kit.js";
import type { ResolvedSimulationOptions } from "./options.js";
import { containerProfile, cpuMillis, memoryBytes, runningInstance } from "./simulation.js";
import type { Controller } from "./types.js";

const TOLERANCE = 0.1;
const TARGET_GR: Record<string, string> = { Deployment: "apps/deployments", StatefulSet: "apps/statefulsets", ReplicaSet: "apps/replicasets" };

interface Rec {
  replicas: number;
  at: number;
}
interface ScaleEvent {
  delta: number;
  at: number;
}

interface MetricResult {
  replicas: number;
  status: Obj;
  description: string;
}

class MetricError extends Error {}

function setCond(status: Obj, type: string, s: "True" | "False", reason: string, message: string): void {
  const conds = arr<Condition>(status.conditions);
  const prev = conds.find((c) => c.type === type);
  const c: Condition = { type, status: s, lastTransitionTime: prev && prev.status === s ? prev.lastTransitionTime : isoNow(), reason, message };
  status.conditions = [...conds.filter((x) => x.type !== type), c].sort(
    (a, b) => ["AbleToScale", "ScalingActive", "ScalingLimited"].indexOf(a.type) - ["AbleToScale", "ScalingActive", "ScalingLimited"].indexOf(b.type),
  );
}

class HPAController {
  private recs = new Map<string, Rec[]>();
  private events = new Map<string, { up: ScaleEvent[]; down: ScaleEvent[] }>();

  constructor(
    private readonly store: Store,
    private readonly recorder: EventRecorder,
    private readonly options: ResolvedSimulationOptions,
  ) {}

  forget(key: string): void {
    this.recs.delete(key);
    this.events.delete(key);
  }

  sync(key: string): number | void {
    const [ns, name] = splitKey(key);
    const hpa = this.store.get("autoscaling/horizontalpodautoscalers", ns, name);
    if (!hpa) {
      this.forget(key);
      return;
    }
    const period = this.options.hpaSyncPeriodMs;
    const spec = rec(hpa.spec);
    const ref = rec(spec.scaleTargetRef);
    const oldStatus = rec(hpa.status);
    const status: Obj = { ...structuredClone(oldStatus) };
    const minR = int(spec.minReplicas, 1);
    const maxR = int(spec.maxReplicas, 1);
    const gr = TARGET_GR[str(ref.kind)];
    const target = gr ? this.store.get(gr, ns, str(ref.name)) : undefined;
    if (!target) {
      const msg = `the HPA controller was unable to get the target's current scale: ${gr ? `${gr.split("/")[1]}.apps "${str(ref.name)}" not found` : `no matches for kind "${str(ref.kind)}" in group "${str(ref.apiVersion).split("/")[0]}"`}`;
      this.recorder.event(hpa, "Warning", "FailedGetScale", msg.replace("the HPA controller was unable to get the target's current scale: ", ""));
      setCond(status, "AbleToScale", "False", "FailedGetScale", msg);
      this.write(hpa, status);
      return period;
    }
    const current = int(rec(target.spec).replicas, 1);
    status.currentReplicas = current; // the target's scale spec, as upstream reports it
    status.observedGeneration = hpa.metadata.generation ?? 1;
    let desired: number;
    let reason = "";
    let metricsStatus: Obj[] | undefined;
    if (current === 0 && minR !== 0) {
      desired = 0;
      setCond(status, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
    } else if (current > maxR) {
      desired = maxR;
      reason = "Current number of replicas above Spec.MaxReplicas";
    } else if (current < minR) {
      desired = minR;
      reason = "Current number of replicas below Spec.MinReplicas";
    } else {
      let proposal = 0;
      const results: Obj[] = [];
      const descriptions: string[] = [];
      const metrics = arr(spec.metrics).length
        ? arr(spec.metrics)
        : [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }];
      let firstError: string | undefined;
      for (const m of metrics) {
        try {
          const r = this.computeMetric(m, target, current);
          results.push(r.status);
          descriptions.push(r.description);
          proposal = Math.max(proposal, r.replicas);
        } catch (e) {
          if (!(e instanceof MetricError)) throw e;
          firstError ??= e.message;
          results.push({ type: str(m.type, "Resource"), resource: { name: str(rec(m.resource).name, "cpu"), current: {} } });
        }
      }
      metricsStatus = results;
      if (firstError && proposal === 0) {
        const resName = str(rec(metrics[0].resource).name, "cpu");
        this.recorder.event(hpa, "Warning", "FailedGetResourceMetric", firstError);
        this.recorder.event(
          hpa,
          "Warning",
          "FailedComputeMetricsReplicas",
          `invalid metrics (1 invalid out of ${metrics.length}), first error is: failed to get ${resName} resource metric value: ${firstError}`,
        );
        setCond(
          status,
          "ScalingActive",
          "False",
          "FailedGetResourceMetric",
          `the HPA was unable to compute the replica count: failed to get ${resName} resource metric value: ${firstError}`,
        );
        status.currentMetrics = results;
        status.desiredReplicas = current;
        this.write(hpa, status);
        return period;
      }
      setCond(
        status,
        "ScalingActive",
        "True",
        "ValidMetricFound",
        `the HPA was able to successfully calculate a replica count from ${descriptions[0] ?? "cpu resource utilization (percentage of request)"}`,
      );
      desired = this.normalize(key, hpa, status, current, proposal, minR, maxR);
      if (desired > current) reason = `${descriptions[0] ?? "cpu resource utilization (percentage of request)"} above target`;
      else if (desired < current) reason = "All metrics below target";
    }
    if (metricsStatus) status.currentMetrics = metricsStatus;
    status.desiredReplicas = desired;
    if (desired !== current && !(current === 0 && minR !== 0)) {
      const cur = structuredClone(target);
      cur.spec = { ...rec(cur.spec), replicas: desired };
      delete cur.metadata.resourceVersion;
      const ok = quietly(() => this.store.update(gr as string, cur, { fieldManager: "horizontal-pod-autoscaler" }));
      if (ok) {
        this.recorder.event(hpa, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${reason}`);
        setCond(status, "AbleToScale", "True", "SucceededRescale", `the HPA controller was able to update the target scale to ${desired}`);
        status.lastScaleTime = isoNow();
        const ev = this.events.get(key) ?? { up: [], down: [] };
        (desired > current ? ev.up : ev.down).push({ delta: Math.abs(desired - current), at: Date.now() });
        this.events.set(key, ev);
      }
    }
    this.write(hpa, status);
    return period;
  }

  private write(hpa: KObject, status: Obj): void {
    if (deepEqual(rec(hpa.status), status)) return;
    const cur = { ...hpa, status };
    delete cur.metadata.resourceVersion;
    quietly(() => this.store.update("autoscaling/horizontalpodautoscalers", cur, { subresource: "status", fieldManager: "horizontal-pod-autoscaler" }));
  }

  /** GetResourceReplicas for one metric spec. */
  private computeMetric(m: Obj, target: KObject, current: number): MetricResult {
    if (str(m.type, "Resource") !== "Resource" && str(m.type) !== "ContainerResource")
      throw new MetricError(`unable to get metric ${str(m.type)}: no custom metrics API (the sandbox serves resource metrics only)`);
    const res = rec(m.resource ?? m.containerResource);
    const resName = str(res.name, "cpu");
    const tgt = rec(res.target);
    const ns = target.metadata.namespace ?? "";
    const sel = rec(target.spec).selector as Parameters<typeof labelSelectorToRequirements>[0];
    const pods = this.store
      .list("/pods", { namespace: ns, labels: labelSelectorToRequirements(sel) })
      .filter((p) => !p.metadata.deletionTimestamp && rec(p.status).phase !== "Failed" && rec(p.status).phase !== "Succeeded");
    if (pods.length === 0)
      throw new MetricError(
        `failed to get ${resName} utilization: unable to get metrics for resource ${resName}: no metrics returned from resource metrics API`,
      );
    const now = Date.now();
    const usage = new Map<string, number>();
    const requests = new Map<string, number>();
    const unready = new Set<string>();
    const missing = new Set<string>();
    for (const p of pods) {
      const name = p.metadata.name ?? "";
      let req = 0;
      for (const c of containersOf(p)) {
        if (m.containerResource && c.name !== str(res.container)) continue;
        const q = c.resources?.requests?.[resName];
        if (q === undefined && tgt.type === "Utilization")
          throw new MetricError(`failed to get ${resName} utilization: missing request for ${resName} in container ${c.name} of Pod ${name}`);
        req += resName === "cpu" ? parseQuantity(q ?? "0") * 1000 : parseQuantity(q ?? "0");
      }
      requests.set(name, req);
      if (rec(p.status).phase !== "Running") {
        missing.add(name);
        continue;
      }
      let u = 0;
      for (const c of containersOf(p)) {
        if (m.containerResource && c.name !== str(res.container)) continue;
        const prof = containerProfile(p, c, this.store);
        const inst = runningInstance(p, c.name);
        u += resName === "cpu" ? cpuMillis(prof, inst, now) : memoryBytes(prof, inst, now);
      }
      if (resName === "cpu" && !isPodReady(p)) {
        unready.add(name);
        continue;
      }
      usage.set(name, u);
    }
    if (usage.size === 0 && unready.size === 0)
      throw new MetricError(`failed to get ${resName} utilization: did not receive metrics for targeted pods (pods might be unready)`);
    const description = tgt.type === "Utilization" ? `${resName} resource utilization (percentage of request)` : `${resName} resource`;
    const sumOf = (m2: Map<string, number>, keys: Iterable<string>) => [...keys].reduce((n, k) => n + (m2.get(k) ?? 0), 0);
    const fmtValue = (v: number) => (resName === "cpu" ? `${Math.round(v)}m` : `${Math.round(v)}`);

    if (tgt.type === "Utilization") {
      const targetUtil = int(tgt.averageUtilization, 80);
      const ratioOf = (metrics: Map<string, number>) => {
        const req = sumOf(requests, metrics.keys());
        const use = sumOf(metrics, metrics.keys());
        return {
          ratio: req > 0 ? (use * 100) / req / targetUtil : 0,
          util: req > 0 ? Math.floor((use * 100) / req) : 0,
          avg: metrics.size ? use / metrics.size : 0,
        };
      };
      const base = ratioOf(usage);
      const statusOut = { type: "Resource", resource: { name: resName, current: { averageUtilization: base.util, averageValue: fmtValue(base.avg) } } };
      let replicas: number;
      const scaleUpWithUnready = unready.size > 0 && base.ratio > 1;
      if (!scaleUpWithUnready && missing.size === 0) {
        replicas = Math.abs(1 - base.ratio) <= TOLERANCE ? current : Math.ceil(base.ratio * usage.size);
      } else {
        const metrics = new Map(usage);
        if (missing.size) for (const name of missing) metrics.set(name, base.ratio < 1 ? ((requests.get(name) ?? 0) * Math.max(100, targetUtil)) / 100 : 0);
        if (scaleUpWithUnready) for (const name of unready) metrics.set(name, 0);
        const next = ratioOf(metrics);
        if (Math.abs(1 - next.ratio) <= TOLERANCE || (base.ratio < 1 && next.ratio > 1) || (base.ratio > 1 && next.ratio < 1)) replicas = current;
        else {
          replicas = Math.ceil(next.ratio * metrics.size);
          if ((next.ratio < 1 && replicas > current) || (next.ratio > 1 && replicas < current)) replicas = current;
        }
      }
      return { replicas, status: statusOut, description };
    }
    // AverageValue
    const targetAvg = resName === "cpu" ? parseQuantity(tgt.averageValue) * 1000 : parseQuantity(tgt.averageValue);
    const use = sumOf(usage, usage.keys());
    const ratio = targetAvg > 0 ? use / (targetAvg * Math.max(1, current)) : 0;
    const replicas = Math.abs(1 - ratio) <= TOLERANCE ? current : Math.ceil(use / targetAvg);
    return {
      replicas,
      status: { type: "Resource", resource: { name: resName, current: { averageValue: fmtValue(usage.size ? use / usage.size : 0) } } },
      description,
    };
  }

  /** normalizeDesiredReplicasWithBehaviors: stabilisation, then rate limits and min/max. */
  private normalize(key: string, hpa: KObject, status: Obj, current: number, proposal: number, minR: number, maxR: number): number {
    const behavior = rec(rec(hpa.spec).behavior);
    const up = rec(behavior.scaleUp);
    const down = rec(behavior.scaleDown);
    const upWindow = typeof up.stabilizationWindowSeconds === "number" ? up.stabilizationWindowSeconds * 1000 : 0;
    const downWindow = typeof down.stabilizationWindowSeconds === "number" ? down.stabilizationWindowSeconds * 1000 : this.options.hpaDownscaleStabilizationMs;
    const now = Date.now();
    const list = (this.recs.get(key) ?? []).filter((r) => now - r.at <= Math.max(upWindow, downWindow));
    let upRec = proposal;
    let downRec = proposal;
    for (const r of list) {
      if (now - r.at < upWindow) upRec = Math.min(upRec, r.replicas);
      if (now - r.at < downWindow) downRec = Math.max(downRec, r.replicas);
    }
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    list.push({ replicas: proposal, at: now });
    this.recs.set(key, list);
    if (stabilized !== proposal) {
      if (proposal >= current)
        setCond(
          status,
          "AbleToScale",
          "True",
          "ScaleUpStabilized",
          "recent recommendations were lower than current one, applying the lowest recent recommendation",
        );
      else
        setCond(
          status,
          "AbleToScale",
          "True",
          "ScaleDownStabilized",
          "recent recommendations were higher than current one, applying the highest recent recommendation",
        );
    } else setCond(status, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");

    const ev = this.events.get(key) ?? { up: [], down: [] };
    const limit = (rules: Obj, events: ScaleEvent[], dir: 1 | -1): number => {
      if (rules.selectPolicy === "Disabled") return current;
      const policies = arr(rules.policies).length
        ? arr(rules.policies)
        : dir > 0
          ? [
              { type: "Pods", value: 4, periodSeconds: 15 },
              { type: "Percent", value: 100, periodSeconds: 15 },
            ]
          : [{ type: "Percent", value: 100, periodSeconds: 15 }];
      const pickMin = rules.selectPolicy === "Min";
      let result = dir > 0 ? (pickMin ? Infinity : -Infinity) : pickMin ? -Infinity : Infinity;
      for (const p of policies) {
        const periodMs = int(p.periodSeconds, 15) * 1000;
        const changed = events.filter((e) => now - e.at <= periodMs).reduce((n, e) => n + e.delta, 0);
        const start = current - dir * changed;
        const v = int(p.value);
        let proposed: number;
        if (p.type === "Pods") proposed = start + dir * v;
        else proposed = dir > 0 ? Math.ceil(start * (1 + v / 100)) : Math.floor(start * (1 - v / 100));
        if (dir > 0) result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
        else result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
      }
      return dir > 0 ? Math.max(result, current) : Math.min(result, current);
    };
    let desired = stabilized;
    let reason = "DesiredWithinRange";
    let message = "the desired count is within the acceptable range";
    if (desired > current) {
      const upLimit = Math.min(limit(up, ev.up, 1), maxR);
      if (desired > upLimit) {
        if (upLimit === maxR) {
          reason = "TooManyReplicas";
          message = "the desired replica count is more than the maximum replica count";
        } else {
          reason = "ScaleUpLimit";
          message = "the desired replica count is increasing faster than the maximum scale rate";
        }
        desired = upLimit;
      }
    } else if (desired < current) {
      const downLimit = Math.max(limit(down, ev.down, -1), minR);
      if (desired < downLimit) {
        if (downLimit === minR) {
          reason = "TooFewReplicas";
          message = "the desired replica count is less than the minimum replica count";
        } else {
          reason = "ScaleDownLimit";
          message = "the desired replica count is decreasing faster than the maximum scale rate";
        }
        desired = downLimit;
      }
    }
    if (desired > maxR) {
      desired = maxR;
      reason = "TooManyReplicas";
      message = "the desired replica count is more than the maximum replica count";
    } else if (desired < minR) {
      desired = minR;
      reason = "TooFewReplicas";
      message = "the desired replica count is less than the minimum replica count";
    }
    setCond(status, "ScalingLimited", desired === stabilized ? "False" : "True", reason, message);
    return desired;
  }
}

export const hpaController: Controller = {
  name: "horizontal-pod-autoscaler",
  start({ store, options }) {
    const recorder = new EventRecorder(store, "horizontal-pod-autoscaler", options.events);
    const c = new HPAController(store, recorder, options);
    const queue = new WorkQueue("hpa", (key) => c.sync(key));
    const stop = store.informer("autoscaling/horizontalpodautoscalers", {
      add: (o) => queue.add(nsKey(o)),
      update: (o, old) => {
        if (!deepEqual(o.spec, old.spec)) queue.add(nsKey(o));
      },
      delete: (o) => c.forget(nsKey(o)),
    });
    return () => {
      stop();
      queue.stop();
    };
  },
};
