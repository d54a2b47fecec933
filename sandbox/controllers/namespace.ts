/**
 * Namespace lifecycle: a `default` ServiceAccount in every namespace, and
 * termination (phase Terminating, every object in it deleted, then the
 * `kubernetes` finalizer removed so the namespace goes).
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { grOf } from "../core/types.js";
import type { Controller } from "./types.js";

function quiet(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e) && [403, 404, 409].includes(e.code)) return;
    throw e;
  }
}

function namespacedResources(store: Store): string[] {
  const seen = new Set<string>();
  for (const t of store.registry.all()) if (t.namespaced && !t.virtual) seen.add(grOf(t));
  return [...seen];
}

function ensureDefaultSA(store: Store, ns: KObject): void {
  const name = ns.metadata.name ?? "";
  if (ns.metadata.deletionTimestamp) return;
  if (store.get("/serviceaccounts", name, "default")) return;
  quiet(() =>
    store.create(
      "/serviceaccounts",
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: name } },
      { fieldManager: "kube-controller-manager" },
    ),
  );
}

function contentsOf(store: Store, ns: string): { gr: string; o: KObject }[] {
  const out: { gr: string; o: KObject }[] = [];
  for (const gr of namespacedResources(store)) for (const o of store.list(gr, { namespace: ns })) out.push({ gr, o });
  return out;
}

function terminate(store: Store, ns: KObject): void {
  const name = ns.metadata.name ?? "";
  for (const { gr, o } of contentsOf(store, name)) {
    if (o.metadata.deletionTimestamp) continue;
    quiet(() => store.delete(gr, name, o.metadata.name ?? "", { propagationPolicy: "Background" }));
  }
  finishIfEmpty(store, name);
}

function finishIfEmpty(store: Store, name: string): void {
  const ns = store.get("/namespaces", undefined, name);
  if (!ns?.metadata.deletionTimestamp) return;
  if (contentsOf(store, name).length > 0) return;
  const spec = (ns.spec ?? {}) as { finalizers?: string[] };
  if (!spec.finalizers?.includes("kubernetes")) return;
  ns.spec = { ...spec, finalizers: spec.finalizers.filter((f) => f !== "kubernetes") };
  quiet(() => store.update("/namespaces", ns, { fieldManager: "namespace-controller" }));
}

export const namespaceController: Controller = {
  name: "namespace",
  start({ store }) {
    for (const ns of store.list("/namespaces")) {
      if (ns.metadata.deletionTimestamp) terminate(store, ns);
      else ensureDefaultSA(store, ns);
    }
    return store.subscribe((ev) => {
      if (ev.gr === "/namespaces") {
        if (ev.type === "DELETED") return;
        if (ev.object.metadata.deletionTimestamp) terminate(store, ev.object);
        else if (ev.type === "ADDED") ensureDefaultSA(store, ev.object);
        return;
      }
      const ns = ev.object.metadata.namespace;
      if (!ns || ev.type !== "DELETED") return;
      const nsObj = store.get("/namespaces", undefined, ns);
      if (nsObj?.metadata.deletionTimestamp) finishIfEmpty(store, ns);
      else if (nsObj && ev.gr === "/serviceaccounts" && ev.object.metadata.name === "default") ensureDefaultSA(store, nsObj);
    });
  },
};
