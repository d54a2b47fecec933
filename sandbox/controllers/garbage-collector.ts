/**
 * Owner-reference garbage collection: background (dependents deleted once all
 * their owners are gone), foreground (`foregroundDeletion` finalizer: the owner
 * waits until its dependents are gone) and orphan (`orphan` finalizer: owner
 * references to the owner are removed from dependents).
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import type { Controller } from "./types.js";

function ignoreGone(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e) && (e.code === 404 || e.code === 409)) return;
    throw e;
  }
}

function grOfObject(store: Store, o: KObject): string | undefined {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
  void version;
  const t = store.registry.byKind(group, o.kind);
  return t ? `${t.group}/${t.plural}` : undefined;
}

function removeFinalizer(store: Store, gr: string, o: KObject, finalizer: string): void {
  ignoreGone(() => {
    const cur = store.get(gr, o.metadata.namespace, o.metadata.name ?? "");
    if (!cur || !cur.metadata.finalizers?.includes(finalizer)) return;
    cur.metadata.finalizers = cur.metadata.finalizers.filter((f) => f !== finalizer);
    store.update(gr, cur, { fieldManager: "garbage-collector" });
  });
}

function collectDependent(store: Store, gr: string, dep: KObject, goneUid: string, foreground: boolean): void {
  const remaining = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== goneUid && store.getByUid(r.uid));
  ignoreGone(() => {
    if (remaining.length === 0) {
      if (dep.metadata.deletionTimestamp && !foreground) return;
      store.delete(gr, dep.metadata.namespace, dep.metadata.name ?? "", { propagationPolicy: foreground ? "Foreground" : "Background" });
    } else if (remaining.length !== (dep.metadata.ownerReferences ?? []).length) {
      const cur = store.get(gr, dep.metadata.namespace, dep.metadata.name ?? "");
      if (!cur) return;
      cur.metadata.ownerReferences = remaining;
      store.update(gr, cur, { fieldManager: "garbage-collector" });
    }
  });
}

function finishForegroundIfDone(store: Store, ownerUid: string): void {
  const owner = store.getByUid(ownerUid);
  if (!owner || !owner.metadata.deletionTimestamp || !owner.metadata.finalizers?.includes("foregroundDeletion")) return;
  const blocking = store.dependentsOf(ownerUid);
  if (blocking.length > 0) return;
  const gr = grOfObject(store, owner);
  if (gr) removeFinalizer(store, gr, owner, "foregroundDeletion");
}

export const garbageCollector: Controller = {
  name: "garbage-collector",
  start({ store }) {
    return store.subscribe((ev) => {
      const o = ev.object;
      const uid = o.metadata.uid ?? "";
      if (ev.type === "DELETED") {
        for (const dep of store.dependentsOf(uid)) collectDependent(store, dep.gr, dep.object, uid, false);
        for (const ref of o.metadata.ownerReferences ?? []) finishForegroundIfDone(store, ref.uid);
        return;
      }
      const finalizers = o.metadata.finalizers ?? [];
      if (o.metadata.deletionTimestamp && finalizers.includes("orphan")) {
        for (const dep of store.dependentsOf(uid)) {
          ignoreGone(() => {
            const cur = store.get(dep.gr, dep.object.metadata.namespace, dep.object.metadata.name ?? "");
            if (!cur) return;
            cur.metadata.ownerReferences = (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
            if (cur.metadata.ownerReferences.length === 0) delete cur.metadata.ownerReferences;
            store.update(dep.gr, cur, { fieldManager: "garbage-collector" });
          });
        }
        removeFinalizer(store, ev.gr, o, "orphan");
        return;
      }
      if (o.metadata.deletionTimestamp && finalizers.includes("foregroundDeletion")) {
        for (const dep of store.dependentsOf(uid)) collectDependent(store, dep.gr, dep.object, uid, true);
        finishForegroundIfDone(store, uid);
        return;
      }
      if (ev.type === "ADDED" && o.metadata.ownerReferences?.length) {
        // a dependent whose owners are all gone already is collected at once
        const alive = o.metadata.ownerReferences.some((r) => store.getByUid(r.uid));
        if (!alive) ignoreGone(() => store.delete(ev.gr, o.metadata.namespace, o.metadata.name ?? "", { propagationPolicy: "Background" }));
      }
    });
  },
};
