/**
 * Endpoints controller: for every Service with a selector, an Endpoints
 * object of the same name whose subset lists ready pods in `addresses` and
 * not-ready ones in `notReadyAddresses` (terminating pods drop out unless
 * publishNotReadyAddresses), with target ports resolved (named ports through
 * the containers' ports).
 */
import { labelSelectorToRequirements, matchLabels } from "../core/selectors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { arr, containersOf, isoNow, isPodReady, isPodTerminal, nsKey, type Obj, quietly, rec, splitKey, str, WorkQueue } from "./kit.js";
import type { Controller } from "./types.js";

function resolvePort(pod: KObject, target: unknown, proto: string): number | undefined {
  if (typeof target === "number") return target;
  if (typeof target === "string" && /^\d+$/.test(target)) return Number(target);
  for (const c of containersOf(pod)) for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === proto) return p.containerPort;
  return undefined;
}

function syncService(store: Store, key: string): void {
  const [ns, name] = splitKey(key);
  const svc = store.get("/services", ns, name);
  const existing = store.get("/endpoints", ns, name);
  const selector = rec(rec(svc?.spec).selector) as Record<string, string>;
  if (!svc || Object.keys(selector).length === 0 || rec(svc.spec).type === "ExternalName") {
    // only endpoints we manage go away with their service
    if (existing && existing.metadata.labels?.["endpoints.kubernetes.io/managed-by"] === "endpoint-controller" && !svc)
      quietly(() => store.delete("/endpoints", ns, name));
    return;
  }
  const reqs = labelSelectorToRequirements({ matchLabels: selector });
  const publishNotReady = rec(svc.spec).publishNotReadyAddresses === true;
  const ports = arr(rec(svc.spec).ports);
  // pods grouped by their resolved port set (upstream repacks subsets the same way)
  const subsets = new Map<string, { ports: Obj[]; addresses: Obj[]; notReadyAddresses: Obj[] }>();
  const pods = store.listRaw("/pods", { namespace: ns, labels: reqs }).filter((p) => matchLabels(reqs, p.metadata.labels));
  for (const p of pods) {
    const ip = str(rec(p.status).podIP);
    if (!ip || isPodTerminal(p)) continue;
    if (p.metadata.deletionTimestamp && !publishNotReady) continue;
    const epPorts: Obj[] = [];
    for (const sp of ports) {
      const proto = str(sp.protocol, "TCP");
      const port = resolvePort(p, sp.targetPort ?? sp.port, proto);
      if (port === undefined) continue;
      epPorts.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: proto, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const pk = JSON.stringify(epPorts);
    const s = subsets.get(pk) ?? { ports: epPorts, addresses: [], notReadyAddresses: [] };
    const addr = { ip, nodeName: str(rec(p.spec).nodeName), targetRef: { kind: "Pod", namespace: ns, name: p.metadata.name, uid: p.metadata.uid } };
    if (isPodReady(p) || publishNotReady) s.addresses.push(addr);
    else s.notReadyAddresses.push(addr);
    subsets.set(pk, s);
  }
  const byIP = (a: Obj, b: Obj) => (str(a.ip) < str(b.ip) ? -1 : 1);
  const out = [...subsets.values()].map((s) => ({
    ...(s.addresses.length ? { addresses: s.addresses.sort(byIP) } : {}),
    ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses.sort(byIP) } : {}),
    ...(s.ports.length ? { ports: s.ports } : {}),
  }));
  const labels = { ...(svc.metadata.labels ?? {}), "endpoints.kubernetes.io/managed-by": "endpoint-controller" };
  if (!existing) {
    quietly(() =>
      store.create(
        "/endpoints",
        {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: { name, namespace: ns, labels, annotations: { "endpoints.kubernetes.io/last-change-trigger-time": isoNow() } },
          ...(out.length ? { subsets: out } : {}),
        },
        { fieldManager: "kube-controller-manager" },
      ),
    );
    return;
  }
  const same = deepEqual(existing.subsets ?? [], out) && deepEqual(existing.metadata.labels ?? {}, labels);
  if (same) return;
  const cur: KObject = {
    ...existing,
    metadata: { ...existing.metadata, labels, annotations: { ...existing.metadata.annotations, "endpoints.kubernetes.io/last-change-trigger-time": isoNow() } },
  };
  if (out.length) cur.subsets = out;
  else delete cur.subsets;
  delete cur.metadata.resourceVersion;
  quietly(() => store.update("/endpoints", cur, { fieldManager: "kube-controller-manager" }));
}

export const endpointsController: Controller = {
  name: "endpoints",
  start({ store }) {
    const queue = new WorkQueue("endpoints", (key) => syncService(store, key));
    // services by namespace, to map pod changes to services cheaply
    const services = new Map<string, Map<string, Record<string, string>>>();
    const track = (svc: KObject, gone = false) => {
      const ns = svc.metadata.namespace ?? "";
      const m = services.get(ns) ?? new Map<string, Record<string, string>>();
      if (gone) m.delete(svc.metadata.name ?? "");
      else m.set(svc.metadata.name ?? "", rec(rec(svc.spec).selector) as Record<string, string>);
      services.set(ns, m);
      queue.add(nsKey(svc));
    };
    const stopSvc = store.informer("/services", { add: (s) => track(s), update: (s) => track(s), delete: (s) => track(s, true) });
    const onPod = (p: KObject | undefined) => {
      if (!p) return;
      const m = services.get(p.metadata.namespace ?? "");
      if (!m) return;
      for (const [name, sel] of m) {
        if (Object.keys(sel).length === 0) continue;
        if (matchLabels(labelSelectorToRequirements({ matchLabels: sel }), p.metadata.labels)) queue.add(`${p.metadata.namespace ?? ""}/${name}`);
      }
    };
    const stopPods = store.subscribe((ev) => {
      if (ev.gr === "/pods") {
        onPod(ev.object);
        if (ev.old && ev.old.metadata.labels !== ev.object.metadata.labels) onPod(ev.old);
      } else if (ev.gr === "/endpoints" && ev.type === "DELETED") {
        // recreated when its service still exists
        queue.add(nsKey(ev.object));
      }
    });
    return () => {
      stopSvc();
      stopPods();
      queue.stop();
    };
  },
};
