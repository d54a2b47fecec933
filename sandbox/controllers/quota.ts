/**
 * ResourceQuota: the quota controller keeps `status.hard`/`status.used`
 * current, and the ResourceQuota admission plugin refuses creations that
 * would exceed a quota with the API server's messages:
 *   pods "x" is forbidden: exceeded quota: q, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2
 *   pods "x" is forbidden: failed quota: q: must specify limits.cpu for: app; limits.memory for: app
 * Tracked: pods, cpu/memory requests and limits (also plain `cpu`/`memory`),
 * ephemeral storage, extended resources as `requests.<name>` (e.g.
 * `requests.nvidia.com/gpu`), `count/<resource>[.<group>]` for every kind and
 * the legacy object counts (services, configmaps, secrets, ...).
 * Quota scopes (BestEffort, NotBestEffort, Terminating, NotTerminating) are honoured.
 */
import { forbidden } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject, ResourceType } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import {
  arr,
  containersOf,
  formatQuantity,
  initContainersOf,
  isBinaryQuantity,
  isPodTerminal,
  parseQuantity,
  podRequests,
  quietly,
  rec,
  WorkQueue,
} from "./kit.js";
import type { Controller } from "./types.js";

const LEGACY_COUNTS: Record<string, string> = {
  "/services": "services",
  "/configmaps": "configmaps",
  "/secrets": "secrets",
  "/resourcequotas": "resourcequotas",
  "/replicationcontrollers": "replicationcontrollers",
  "/persistentvolumeclaims": "persistentvolumeclaims",
};
const COMPUTE_REQUIRED = ["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"];
const NATIVE = new Set(["cpu", "memory", "ephemeral-storage", "pods", "storage"]);

function countName(gr: string): string {
  const [group, plural] = gr.split("/");
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

function isBestEffort(pod: KObject): boolean {
  return [...containersOf(pod), ...initContainersOf(pod)].every(
    (c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0,
  );
}
function isTerminating(pod: KObject): boolean {
  const a = rec(pod.spec).activeDeadlineSeconds;
  return typeof a === "number" && a >= 0;
}

/** Quota usage of one object (base units). */
export function usageOf(gr: string, o: KObject): Map<string, number> {
  const u = new Map<string, number>([[countName(gr), 1]]);
  if (LEGACY_COUNTS[gr]) u.set(LEGACY_COUNTS[gr], 1);
  if (gr === "/services") {
    const spec = rec(o.spec);
    if (spec.type === "LoadBalancer") u.set("services.loadbalancers", 1);
    if (spec.type === "NodePort" || spec.type === "LoadBalancer") u.set("services.nodeports", arr(spec.ports).length);
  }
  if (gr !== "/pods" || isPodTerminal(o)) return u;
  u.set("pods", 1);
  const req = podRequests(o, "requests");
  const lim = podRequests(o, "limits");
  for (const [k, v] of req) {
    if (k === "cpu" || k === "memory" || k === "ephemeral-storage") {
      u.set(k, v);
      u.set(`requests.${k}`, v);
    } else if (!NATIVE.has(k) && k.includes("/")) u.set(`requests.${k}`, v);
  }
  for (const [k, v] of lim) if (k === "cpu" || k === "memory" || k === "ephemeral-storage") u.set(`limits.${k}`, v);
  return u;
}

function scopesMatch(quota: KObject, gr: string, o: KObject): boolean {
  const spec = rec(quota.spec);
  const scopes = [...arr<string>(spec.scopes), ...arr(rec(spec.scopeSelector).matchExpressions).map((e) => String(e.scopeName))];
  if (scopes.length === 0) return true;
  if (gr !== "/pods") return false;
  return scopes.every((s) => {
    switch (s) {
      case "BestEffort":
        return isBestEffort(o);
      case "NotBestEffort":
        return !isBestEffort(o);
      case "Terminating":
        return isTerminating(o);
      case "NotTerminating":
        return !isTerminating(o);
      default:
        return true;
    }
  });
}

function fmt(key: string, v: number, hard: unknown): string {
  if (key.includes("memory") || key.includes("storage")) return formatQuantity(v, isBinaryQuantity(hard) || v % (1024 * 1024) === 0);
  return formatQuantity(v);
}

/** Current usage in `ns` for the keys of `hard`, optionally matching the quota's scopes. */
function computeUsed(store: Store, quota: KObject, keys: string[]): Map<string, number> {
  const ns = quota.metadata.namespace ?? "";
  const used = new Map<string, number>(keys.map((k) => [k, 0]));
  const wanted = new Set(keys);
  const grs = new Set<string>();
  for (const k of keys) {
    if (k.startsWith("count/")) {
      const [plural, ...group] = k.slice(6).split(".");
      grs.add(`${group.join(".")}/${plural}`);
    } else if (Object.values(LEGACY_COUNTS).includes(k) || k.startsWith("services.")) {
      grs.add(Object.entries(LEGACY_COUNTS).find(([, v]) => v === k)?.[0] ?? "/services");
    } else grs.add("/pods");
  }
  for (const gr of grs) {
    let items: readonly KObject[];
    try {
      items = store.listRaw(gr, { namespace: ns });
    } catch {
      continue;
    }
    for (const o of items) {
      if (!scopesMatch(quota, gr, o)) continue;
      for (const [k, v] of usageOf(gr, o)) if (wanted.has(k)) used.set(k, (used.get(k) ?? 0) + v);
    }
  }
  return used;
}

function pretty(keys: string[], m: Map<string, number>, hard: Record<string, unknown>): string {
  return [...keys]
    .sort()
    .map((k) => `${k}=${fmt(k, m.get(k) ?? 0, hard[k])}`)
    .join(",");
}

function syncQuota(store: Store, ns: string): void {
  for (const q of store.list("/resourcequotas", { namespace: ns })) {
    const hard = rec(rec(q.spec).hard);
    const keys = Object.keys(hard);
    const used = computeUsed(store, q, keys);
    const status = { hard: { ...hard }, used: Object.fromEntries(keys.map((k) => [k, fmt(k, used.get(k) ?? 0, hard[k])])) };
    if (deepEqual(rec(q.status), status)) continue;
    const cur = { ...q, status };
    delete cur.metadata.resourceVersion;
    quietly(() => store.update("/resourcequotas", cur, { subresource: "status", fieldManager: "resourcequota-controller" }));
  }
}

export const resourceQuotaController: Controller = {
  name: "resourcequota",
  start({ store }) {
    const queue = new WorkQueue("resourcequota", (ns) => syncQuota(store, ns));
    const withQuota = new Map<string, number>();
    const stopQuotas = store.informer("/resourcequotas", {
      add: (q) => {
        const ns = q.metadata.namespace ?? "";
        withQuota.set(ns, (withQuota.get(ns) ?? 0) + 1);
        queue.add(ns);
      },
      update: (q, old) => {
        if (!deepEqual(q.spec, old.spec)) queue.add(q.metadata.namespace ?? "");
      },
      delete: (q) => {
        const ns = q.metadata.namespace ?? "";
        const n = (withQuota.get(ns) ?? 1) - 1;
        if (n <= 0) withQuota.delete(ns);
        else withQuota.set(ns, n);
      },
    });
    const stopAll = store.subscribe((ev) => {
      const ns = ev.object.metadata.namespace;
      if (!ns || !withQuota.has(ns) || ev.gr === "/resourcequotas" || ev.gr === "/events") return;
      if (ev.type === "MODIFIED" && ev.gr === "/pods" && deepEqual(usageOf(ev.gr, ev.object), usageOf(ev.gr, ev.old as KObject))) return;
      if (ev.type === "MODIFIED" && ev.gr !== "/pods" && ev.gr !== "/services") return;
      queue.add(ns);
    });
    const removeHook = store.addAdmissionHook({
      name: "ResourceQuota",
      operations: ["CREATE"],
      admit(req) {
        if (req.subresource || !req.object || !req.namespace || !withQuota.has(req.namespace)) return;
        const obj = req.object;
        const t: ResourceType = req.type;
        for (const q of store.list("/resourcequotas", { namespace: req.namespace })) {
          if (!scopesMatch(q, req.gr, obj)) continue;
          const hard = rec(rec(q.spec).hard);
          const usage = usageOf(req.gr, obj);
          const relevant = Object.keys(hard).filter((k) => usage.has(k) || (req.gr === "/pods" && COMPUTE_REQUIRED.includes(k)));
          if (relevant.length === 0) continue;
          if (req.gr === "/pods") {
            const required = relevant.filter((k) => COMPUTE_REQUIRED.includes(k));
            const missing = new Map<string, string[]>();
            for (const c of [...containersOf(obj), ...initContainersOf(obj)]) {
              const cu = new Set<string>();
              const r = c.resources?.requests ?? {};
              const l = c.resources?.limits ?? {};
              if (r.cpu !== undefined) cu.add("cpu").add("requests.cpu");
              if (r.memory !== undefined) cu.add("memory").add("requests.memory");
              if (l.cpu !== undefined) cu.add("limits.cpu");
              if (l.memory !== undefined) cu.add("limits.memory");
              for (const k of required) if (!cu.has(k)) missing.set(k, [...(missing.get(k) ?? []), c.name]);
            }
            if (missing.size) {
              const parts = [...missing.keys()].sort().map((k) => `${k} for: ${[...new Set(missing.get(k))].sort().join(",")}`);
              throw forbidden(t, req.name, `failed quota: ${q.metadata.name ?? ""}: must specify ${parts.join("; ")}`);
            }
          }
          const keys = relevant.filter((k) => (usage.get(k) ?? 0) !== 0);
          if (keys.length === 0) continue;
          const used = computeUsed(store, q, keys);
          const exceeded = keys.filter((k) => (used.get(k) ?? 0) + (usage.get(k) ?? 0) > parseQuantity(hard[k]) + 1e-9);
          if (exceeded.length) {
            const hardMap = new Map(exceeded.map((k) => [k, parseQuantity(hard[k])]));
            throw forbidden(
              t,
              req.name,
              `exceeded quota: ${q.metadata.name ?? ""}, requested: ${pretty(exceeded, usage, hard)}, used: ${pretty(exceeded, used, hard)}, limited: ${pretty(exceeded, hardMap, hard)}`,
            );
          }
        }
      },
    });
    return () => {
      removeHook();
      stopQuotas();
      stopAll();
      queue.stop();
    };
  },
};
