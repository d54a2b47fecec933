/**
 * A default-scheduler: binds pending pods to nodes that pass the filter
 * plugins in upstream order (NodeUnschedulable, TaintToleration,
 * NodeAffinity/nodeSelector, NodeResourcesFit, PodTopologySpread,
 * InterPodAffinity) and scores the rest (least allocated, spread of a
 * workload's pods over nodes and zones). Unschedulable pods get the
 * PodScheduled=False condition and a FailedScheduling event with the real
 * message ("0/3 nodes are available: 3 Insufficient cpu. preemption: ...")
 * and are retried when pods go away, nodes change, or periodically.
 */
import { labelSelectorToRequirements, matchLabels, type LabelRequirement } from "../core/selectors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "./events.js";
import {
  arr,
  type Condition,
  controllerRef,
  isoNow,
  isPodTerminal,
  nsKey,
  type Obj,
  parseQuantity,
  podRequests,
  quietly,
  rec,
  splitKey,
  str,
  WorkQueue,
} from "./kit.js";
import type { Controller } from "./types.js";

interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  allocatable: Map<string, number>;
  used: Map<string, number>;
  pods: Set<string>;
  taints: { key: string; value?: string; effect: string }[];
  unschedulable: boolean;
}

interface PodInfo {
  key: string;
  namespace: string;
  node: string;
  labels: Record<string, string>;
  requests: Map<string, number>;
  owner?: string;
  terminating: boolean;
  antiAffinity: Obj[];
}

const HOSTNAME = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";
const RESOURCE_REASONS = /^(Insufficient |Too many pods)/;

function nodeInfo(n: KObject): NodeInfo {
  const alloc = new Map<string, number>();
  for (const [k, v] of Object.entries(rec(rec(n.status).allocatable))) alloc.set(k, parseQuantity(v));
  return {
    name: n.metadata.name ?? "",
    labels: n.metadata.labels ?? {},
    allocatable: alloc,
    used: new Map(),
    pods: new Set(),
    taints: arr<{ key: string; value?: string; effect: string }>(rec(n.spec).taints),
    unschedulable: rec(n.spec).unschedulable === true,
  };
}

function requiredAntiAffinity(p: KObject): Obj[] {
  return arr(rec(rec(rec(p.spec).affinity).podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution);
}

function podInfo(p: KObject): PodInfo {
  return {
    key: nsKey(p),
    namespace: p.metadata.namespace ?? "",
    node: str(rec(p.spec).nodeName),
    labels: p.metadata.labels ?? {},
    requests: podRequests(p),
    ...(controllerRef(p) ? { owner: controllerRef(p)?.uid } : {}),
    terminating: !!p.metadata.deletionTimestamp,
    antiAffinity: requiredAntiAffinity(p),
  };
}

function tolerates(tolerations: Obj[], taint: { key: string; value?: string; effect: string }): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function nodeSelectorTermMatches(term: Obj, labels: Record<string, string>): boolean {
  const exprs = arr(term.matchExpressions);
  if (exprs.length === 0 && arr(term.matchFields).length === 0) return false;
  for (const e of exprs) {
    const key = str(e.key);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const v = labels[key];
    const values = arr<string>(e.values);
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(v)) return false;
        break;
      case "NotIn":
        if (has && values.includes(v)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      case "Gt":
        if (!has || !(Number(v) > Number(values[0]))) return false;
        break;
      case "Lt":
        if (!has || !(Number(v) < Number(values[0]))) return false;
        break;
      default:
        return false;
    }
  }
  for (const f of arr(term.matchFields)) {
    if (f.key === "metadata.name" && f.operator === "In" && !arr<string>(f.values).includes(labels[HOSTNAME] ?? "")) return false;
  }
  return true;
}

function matchesNodeAffinity(pod: KObject, node: NodeInfo): boolean {
  const sel = rec(rec(pod.spec).nodeSelector) as Record<string, string>;
  for (const [k, v] of Object.entries(sel)) if (node.labels[k] !== v) return false;
  const required = rec(rec(rec(rec(pod.spec).affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution);
  const terms = arr(required.nodeSelectorTerms);
  if (terms.length > 0 && !terms.some((t) => nodeSelectorTermMatches(t, node.labels))) return false;
  return true;
}

function termSelector(term: Obj, pod: KObject): LabelRequirement[] {
  const reqs = labelSelectorToRequirements(rec(term.labelSelector) as Parameters<typeof labelSelectorToRequirements>[0]);
  for (const k of arr<string>(term.matchLabelKeys)) {
    const v = pod.metadata.labels?.[k];
    if (v !== undefined) reqs.push({ key: k, op: "=", value: v });
  }
  return reqs;
}

function termNamespaces(term: Obj, pod: KObject): Set<string> | "all" {
  if (term.namespaceSelector && Object.keys(rec(term.namespaceSelector)).length === 0) return "all";
  const list = arr<string>(term.namespaces);
  return new Set(list.length ? list : [pod.metadata.namespace ?? ""]);
}

class Scheduler {
  nodes = new Map<string, NodeInfo>();
  pods = new Map<string, PodInfo>();
  /** bound pods with required anti-affinity terms (checked against incoming pods) */
  private withAntiAffinity = new Set<string>();
  /** owner uid -> bound pod keys (spreading a workload's replicas) */
  private byOwner = new Map<string, Set<string>>();
  unschedulable = new Set<string>();
  readonly queue: WorkQueue;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly recorder: EventRecorder,
    private readonly retryMs: number,
  ) {
    this.queue = new WorkQueue("scheduler", (key) => this.schedule(key), 500);
  }

  // ---------------------------------------------------------------- cache

  private account(info: PodInfo, sign: 1 | -1): void {
    if (info.antiAffinity.length) {
      if (sign > 0) this.withAntiAffinity.add(info.key);
      else this.withAntiAffinity.delete(info.key);
    }
    if (info.owner) {
      let set = this.byOwner.get(info.owner);
      if (!set) {
        set = new Set();
        this.byOwner.set(info.owner, set);
      }
      if (sign > 0) set.add(info.key);
      else set.delete(info.key);
      if (set.size === 0) this.byOwner.delete(info.owner);
    }
    const n = this.nodes.get(info.node);
    if (!n) return;
    if (sign > 0) n.pods.add(info.key);
    else n.pods.delete(info.key);
    for (const [k, v] of info.requests) n.used.set(k, (n.used.get(k) ?? 0) + sign * v);
  }

  onPod(p: KObject | undefined, old: KObject | undefined): void {
    const key = p ? nsKey(p) : old ? nsKey(old) : "";
    const prev = this.pods.get(key);
    if (prev) {
      this.account(prev, -1);
      this.pods.delete(key);
    }
    if (p && str(rec(p.spec).nodeName) && !isPodTerminal(p)) {
      const info = podInfo(p);
      this.pods.set(key, info);
      this.account(info, 1);
    }
    if (p && this.needsScheduling(p)) {
      // our own Unschedulable status write must not trigger another attempt at once
      if (!this.unschedulable.has(key) || !old || !deepEqual(old.spec, p.spec)) this.queue.add(key);
    } else this.unschedulable.delete(key);
  }

  onNode(n: KObject | undefined, name: string): void {
    if (!n) this.nodes.delete(name);
    else {
      const info = nodeInfo(n);
      const prev = this.nodes.get(name);
      if (prev) {
        info.used = prev.used;
        info.pods = prev.pods;
      } else {
        for (const p of this.pods.values())
          if (p.node === name) {
            info.pods.add(p.key);
            for (const [k, v] of p.requests) info.used.set(k, (info.used.get(k) ?? 0) + v);
          }
      }
      this.nodes.set(name, info);
    }
    this.retryAll();
  }

  /** Something freed capacity or changed the topology: try the unschedulable pods again. */
  retryAll(): void {
    for (const k of this.unschedulable) this.queue.add(k);
  }

  startRetryLoop(): void {
    this.retryTimer = setInterval(() => this.retryAll(), this.retryMs);
    this.retryTimer.unref();
  }

  stop(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.queue.stop();
  }

  needsScheduling(p: KObject): boolean {
    const spec = rec(p.spec);
    return !spec.nodeName && str(spec.schedulerName, "default-scheduler") === "default-scheduler" && !p.metadata.deletionTimestamp && !isPodTerminal(p);
  }

  // ---------------------------------------------------------------- filters

  /** Reasons the node cannot take the pod (empty when it fits). First failing plugin wins, as upstream. */
  private filter(pod: KObject, req: Map<string, number>, node: NodeInfo): string[] {
    const tolerations = arr(rec(pod.spec).tolerations);
    if (node.unschedulable && !tolerates(tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })) return ["node(s) were unschedulable"];
    const taint = node.taints.find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(tolerations, t));
    if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`];
    if (!matchesNodeAffinity(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
    const reasons: string[] = [];
    if (node.pods.size + 1 > (node.allocatable.get("pods") ?? 110)) reasons.push("Too many pods");
    for (const [res, amount] of req) {
      if (amount <= 0) continue;
      const free = (node.allocatable.get(res) ?? 0) - (node.used.get(res) ?? 0);
      if (amount > free + 1e-9) reasons.push(`Insufficient ${res}`);
    }
    if (reasons.length) return reasons;
    const spread = this.spreadFilter(pod, node);
    if (spread) return [spread];
    const affinity = this.affinityFilter(pod, node);
    if (affinity) return [affinity];
    return [];
  }

  private podsMatching(namespaces: Set<string> | "all", reqs: LabelRequirement[], includeTerminating = true): PodInfo[] {
    const out: PodInfo[] = [];
    for (const p of this.pods.values()) {
      if (!includeTerminating && p.terminating) continue;
      if (namespaces !== "all" && !namespaces.has(p.namespace)) continue;
      if (matchLabels(reqs, p.labels)) out.push(p);
    }
    return out;
  }

  private spreadFilter(pod: KObject, node: NodeInfo): string | undefined {
    for (const c of arr(rec(pod.spec).topologySpreadConstraints)) {
      if (c.whenUnsatisfiable !== "DoNotSchedule") continue;
      const key = str(c.topologyKey);
      if (!(key in node.labels)) return "node(s) didn't match pod topology spread constraints (missing required label)";
      const reqs = termSelector(c, pod);
      const counts = new Map<string, number>();
      for (const n of this.nodes.values()) {
        if (!(key in n.labels)) continue;
        if (c.nodeAffinityPolicy !== "Ignore" && !matchesNodeAffinity(pod, n)) continue;
        counts.set(n.labels[key], counts.get(n.labels[key]) ?? 0);
      }
      for (const p of this.podsMatching(new Set([pod.metadata.namespace ?? ""]), reqs, false)) {
        const n = this.nodes.get(p.node);
        if (!n || !counts.has(n.labels[key] ?? "\u0000")) continue;
        counts.set(n.labels[key], (counts.get(n.labels[key]) ?? 0) + 1);
      }
      let min = Math.min(...counts.values());
      const minDomains = typeof c.minDomains === "number" ? c.minDomains : 1;
      if (counts.size < minDomains) min = 0;
      const self = matchLabels(reqs, pod.metadata.labels) ? 1 : 0;
      const here = counts.get(node.labels[key]) ?? 0;
      if (here + self - min > (typeof c.maxSkew === "number" ? c.maxSkew : 1)) return "node(s) didn't match pod topology spread constraints";
    }
    return undefined;
  }

  private affinityFilter(pod: KObject, node: NodeInfo): string | undefined {
    const aff = rec(rec(pod.spec).affinity);
    for (const term of arr(rec(aff.podAffinity).requiredDuringSchedulingIgnoredDuringExecution)) {
      const key = str(term.topologyKey);
      const reqs = termSelector(term, pod);
      const matching = this.podsMatching(termNamespaces(term, pod), reqs);
      if (matching.length === 0) {
        // the first pod of a group may land anywhere if it matches its own term
        if (matchLabels(reqs, pod.metadata.labels)) continue;
        return "node(s) didn't match pod affinity rules";
      }
      if (!(key in node.labels) || !matching.some((p) => this.nodes.get(p.node)?.labels[key] === node.labels[key]))
        return "node(s) didn't match pod affinity rules";
    }
    for (const term of arr(rec(aff.podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution)) {
      const key = str(term.topologyKey);
      if (!(key in node.labels)) continue;
      const matching = this.podsMatching(termNamespaces(term, pod), termSelector(term, pod));
      if (matching.some((p) => this.nodes.get(p.node)?.labels[key] === node.labels[key])) return "node(s) didn't match pod anti-affinity rules";
    }
    // existing pods' anti-affinity against the incoming pod
    for (const key of this.withAntiAffinity) {
      const p = this.pods.get(key);
      if (!p) continue;
      const other = this.nodes.get(p.node);
      if (!other) continue;
      for (const term of p.antiAffinity) {
        const key = str(term.topologyKey);
        const nsList = arr<string>(term.namespaces);
        if (!(nsList.length ? nsList : [p.namespace]).includes(pod.metadata.namespace ?? "")) continue;
        if (!matchLabels(labelSelectorToRequirements(rec(term.labelSelector) as Parameters<typeof labelSelectorToRequirements>[0]), pod.metadata.labels))
          continue;
        if (key in node.labels && other.labels[key] === node.labels[key]) return "node(s) didn't satisfy existing pods anti-affinity rules";
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- scoring

  private score(pod: KObject, req: Map<string, number>, node: NodeInfo): number {
    const owner = controllerRef(pod)?.uid;
    const cpuReq = req.get("cpu") || 0.1;
    const memReq = req.get("memory") || 200 * 1024 * 1024;
    const frac = (res: string, add: number) => {
      const a = node.allocatable.get(res) ?? 0;
      return a > 0 ? Math.max(0, (a - (node.used.get(res) ?? 0) - add) / a) : 0;
    };
    let s = 50 * (frac("cpu", cpuReq) + frac("memory", memReq));
    if (owner) {
      let onNode = 0;
      let inZone = 0;
      for (const key of this.byOwner.get(owner) ?? []) {
        const p = this.pods.get(key);
        if (!p) continue;
        if (p.node === node.name) onNode++;
        const n = this.nodes.get(p.node);
        if (n && n.labels[ZONE] !== undefined && n.labels[ZONE] === node.labels[ZONE]) inZone++;
      }
      s -= 20 * onNode + 8 * inZone;
    }
    // nodes with GPUs are kept for pods that ask for one
    if (!req.get("nvidia.com/gpu") && (node.allocatable.get("nvidia.com/gpu") ?? 0) > 0) s -= 15;
    for (const c of arr(rec(pod.spec).topologySpreadConstraints)) {
      if (c.whenUnsatisfiable === "DoNotSchedule") continue;
      const key = str(c.topologyKey);
      const reqs = termSelector(c, pod);
      let here = 0;
      for (const p of this.podsMatching(new Set([pod.metadata.namespace ?? ""]), reqs, false))
        if (this.nodes.get(p.node)?.labels[key] === node.labels[key]) here++;
      s -= 10 * here;
    }
    return s;
  }

  // ---------------------------------------------------------------- scheduling

  schedule(key: string): number | void {
    const [ns, name] = splitKey(key);
    const pod = this.store.get("/pods", ns, name);
    if (!pod || !this.needsScheduling(pod)) {
      this.unschedulable.delete(key);
      return;
    }
    const req = podRequests(pod);
    const failures = new Map<string, string[]>();
    let best: NodeInfo | undefined;
    let bestScore = -Infinity;
    const nodes = [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const n of nodes) {
      const why = this.filter(pod, req, n);
      if (why.length) {
        failures.set(n.name, why);
        continue;
      }
      const s = this.score(pod, req, n);
      if (s > bestScore + 1e-9 || (Math.abs(s - bestScore) <= 1e-9 && best && n.pods.size < best.pods.size)) {
        best = n;
        bestScore = s;
      }
    }
    if (best) return this.bind(pod, best);
    this.fail(pod, failures, nodes.length);
  }

  private bind(pod: KObject, node: NodeInfo): void {
    const cur = structuredClone(pod);
    cur.spec = { ...rec(cur.spec), nodeName: node.name };
    const status = rec(cur.status);
    const now = isoNow();
    const conds = arr<Condition>(status.conditions).filter((c) => c.type !== "PodScheduled");
    conds.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now });
    cur.status = { ...status, conditions: conds };
    delete cur.metadata.resourceVersion;
    const bound = quietly(() => this.store.update("/pods", cur, { keepStatus: true, fieldManager: "kube-scheduler", untracked: true }));
    if (!bound) return;
    this.unschedulable.delete(nsKey(pod));
    this.onPod(bound, pod);
    this.recorder.event(bound, "Normal", "Scheduled", `Successfully assigned ${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""} to ${node.name}`);
  }

  private fail(pod: KObject, failures: Map<string, string[]>, total: number): void {
    const counts = new Map<string, number>();
    const preempt = new Map<string, number>();
    for (const reasons of failures.values()) {
      for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
      const why = reasons.every((r) => RESOURCE_REASONS.test(r)) ? "No preemption victims found for incoming pod" : "Preemption is not helpful for scheduling";
      preempt.set(why, (preempt.get(why) ?? 0) + 1);
    }
    const list = (m: Map<string, number>) =>
      [...m]
        .map(([r, n]) => `${n} ${r}`)
        .sort()
        .join(", ");
    const message =
      total === 0
        ? "no nodes available to schedule pods"
        : `0/${total} nodes are available: ${list(counts)}. preemption: 0/${total} nodes are available: ${list(preempt)}.`;
    const key = nsKey(pod);
    this.unschedulable.add(key);
    const status = rec(pod.status);
    const prev = arr<Condition>(status.conditions).find((c) => c.type === "PodScheduled");
    const cond: Condition = {
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: prev?.status === "False" ? prev.lastTransitionTime : isoNow(),
      reason: "Unschedulable",
      message,
    };
    if (!prev || !deepEqual({ ...prev, lastTransitionTime: "" }, { ...cond, lastTransitionTime: "" })) {
      const cur = structuredClone(pod);
      cur.status = {
        ...status,
        phase: status.phase ?? "Pending",
        conditions: [...arr<Condition>(status.conditions).filter((c) => c.type !== "PodScheduled"), cond],
      };
      delete cur.metadata.resourceVersion;
      quietly(() => this.store.update("/pods", cur, { subresource: "status", fieldManager: "kube-scheduler", untracked: true }));
    }
    this.recorder.event(pod, "Warning", "FailedScheduling", message);
  }
}

export const schedulerController: Controller = {
  name: "scheduler",
  start({ store, options }) {
    const recorder = new EventRecorder(store, "default-scheduler", options.events);
    const s = new Scheduler(store, recorder, options.schedulerRetryMs);
    const stopNodes = store.informer("/nodes", {
      add: (n) => s.onNode(n, n.metadata.name ?? ""),
      update: (n) => s.onNode(n, n.metadata.name ?? ""),
      delete: (n) => s.onNode(undefined, n.metadata.name ?? ""),
    });
    const stopPods = store.informer("/pods", {
      add: (p) => s.onPod(p, undefined),
      update: (p, old) => {
        s.onPod(p, old);
        if (isPodTerminal(p) && !isPodTerminal(old)) s.retryAll();
      },
      delete: (p) => {
        s.onPod(undefined, p);
        s.retryAll();
      },
    });
    s.startRetryLoop();
    return () => {
      stopNodes();
      stopPods();
      s.stop();
    };
  },
};
