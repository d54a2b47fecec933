/**
 * The generic in-memory object store of one cluster: every resource type goes
 * through the same create/update/delete/list/watch code. Extension points for
 * part 2 (controllers, quota, kubelet):
 *  - `subscribe(listener)`: every committed change, delivered in order after
 *    the write (controllers react here; an informer-like `informer()` too);
 *  - `addAdmissionHook(hook)`: runs on create/update/delete before validation
 *    and commit; may mutate the object or throw a StatusError to refuse.
 *  - `watch(...)`: synchronous fan-out used by HTTP watches.
 */
import { randomUUID } from "node:crypto";
import { alreadyExists, badRequest, conflict, expired, forbidden, invalid, notFound, StatusError } from "./errors.js";
import type { FieldRequirement, LabelRequirement } from "./selectors.js";
import { matchFields, matchLabels } from "./selectors.js";
import { TypeRegistry } from "./registry.js";
import type { DefaultsContext, FieldError, KObject, ManagedFieldsEntry, ResourceType } from "./types.js";
import { apiVersionOf, grOf } from "./types.js";
import { validateMeta } from "./validation.js";
import { trackUpdate } from "../patch/fields.js";
import { clone, deepEqual } from "../patch/util.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed change. `object` is the new state (the last state for DELETED). */
export interface StoreEvent {
  type: WatchEventType;
  gr: string;
  resourceVersion: number;
  object: KObject;
  /** The state before the change (MODIFIED and DELETED). */
  old?: KObject;
}

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE";

/** Who is making a request (from authentication, after impersonation). */
export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  operation: AdmissionOperation;
  type: ResourceType;
  gr: string;
  namespace: string | undefined;
  name: string;
  subresource?: string;
  /** The object being written (mutable: mutating hooks change it in place). Absent on DELETE. */
  object?: KObject;
  /** The stored object on UPDATE and DELETE. */
  oldObject?: KObject;
  dryRun: boolean;
  user?: UserInfo;
  store: Store;
}

/**
 * An admission hook. Part 2 registers ResourceQuota enforcement here:
 * `store.addAdmissionHook({ name: "quota", resources: ["/pods"], operations: ["CREATE"], admit(req) { ... throw forbidden(...) } })`.
 */
export interface AdmissionHook {
  name: string;
  /** Group resources ("/pods", "apps/deployments"); all when absent. */
  resources?: string[];
  operations?: AdmissionOperation[];
  admit(req: AdmissionRequest): void;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Field manager for managedFields (operation Update). */
  fieldManager?: string;
  /** Server-side apply computed managedFields itself: keep the object's. */
  preserveManagedFields?: boolean;
  subresource?: string;
  user?: UserInfo;
  /** Internal writers (controllers) may create objects with a status. */
  keepStatus?: boolean;
  /**
   * A write by the simulated control plane (kubelet, scheduler, controllers
   * writing pods) that records no managedFields entry: managedFields stay as
   * they were. Keeps pods as small as the benchmark needs (see README).
   */
  untracked?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  user?: UserInfo;
}

export interface ListOptions {
  namespace?: string;
  labels?: LabelRequirement[];
  fields?: FieldRequirement[];
}

export interface DeleteResult {
  object: KObject;
  /** True when the object is gone; false when deletion waits for finalizers. */
  deleted: boolean;
}

export type StoreListener = (ev: StoreEvent) => void;

export interface InformerHandlers {
  add?: (obj: KObject) => void;
  update?: (obj: KObject, old: KObject) => void;
  delete?: (obj: KObject) => void;
}

export interface StoreSnapshot {
  resourceVersion: number;
  objects: Record<string, KObject[]>;
}

/** Go drops empty maps and lists of ObjectMeta (omitempty); so do we. */
function pruneEmptyMeta(o: KObject): void {
  const md = o.metadata as Record<string, unknown>;
  for (const k of ["labels", "annotations", "finalizers", "ownerReferences", "managedFields"]) {
    const v = md[k];
    if (v === null || (Array.isArray(v) && v.length === 0) || (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)) delete md[k];
  }
}

const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

function keyOf(ns: string | undefined, name: string): string {
  return `${ns ?? ""}/${name}`;
}

const now = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** Everything but metadata and status: what `generation` tracks. */
function specPart(o: KObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function comparable(o: KObject): unknown {
  const c = clone(o);
  delete c.metadata.resourceVersion;
  delete c.metadata.managedFields;
  return c;
}

/** The objects of one group resource, with the indexes lists use. */
class Bucket {
  readonly all = new Map<string, KObject>();
  readonly byNs = new Map<string, Map<string, KObject>>();
  /** label key -> value -> object keys (equality selectors) */
  readonly byLabel = new Map<string, Map<string, Set<string>>>();
  private sortedAll?: string[];
  private sortedNs = new Map<string, string[]>();

  get size(): number {
    return this.all.size;
  }

  get(key: string): KObject | undefined {
    return this.all.get(key);
  }

  has(key: string): boolean {
    return this.all.has(key);
  }

  set(key: string, o: KObject, prev: KObject | undefined): void {
    const ns = o.metadata.namespace ?? "";
    if (prev) this.unindexLabels(key, prev.metadata.labels);
    else {
      this.sortedAll = undefined;
      this.sortedNs.delete(ns);
    }
    this.all.set(key, o);
    let m = this.byNs.get(ns);
    if (!m) {
      m = new Map();
      this.byNs.set(ns, m);
    }
    m.set(key, o);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      let vals = this.byLabel.get(k);
      if (!vals) {
        vals = new Map();
        this.byLabel.set(k, vals);
      }
      let keys = vals.get(v);
      if (!keys) {
        keys = new Set();
        vals.set(v, keys);
      }
      keys.add(key);
    }
  }

  delete(key: string): void {
    const o = this.all.get(key);
    if (!o) return;
    const ns = o.metadata.namespace ?? "";
    this.all.delete(key);
    const m = this.byNs.get(ns);
    m?.delete(key);
    if (m && m.size === 0) this.byNs.delete(ns);
    this.unindexLabels(key, o.metadata.labels);
    this.sortedAll = undefined;
    this.sortedNs.delete(ns);
  }

  clear(): void {
    this.all.clear();
    this.byNs.clear();
    this.byLabel.clear();
    this.sortedAll = undefined;
    this.sortedNs.clear();
  }

  private unindexLabels(key: string, labels: Record<string, string> | undefined): void {
    for (const [k, v] of Object.entries(labels ?? {})) {
      const vals = this.byLabel.get(k);
      const keys = vals?.get(v);
      keys?.delete(key);
      if (keys && keys.size === 0) vals?.delete(v);
      if (vals && vals.size === 0) this.byLabel.delete(k);
    }
  }

  /** Keys in etcd order, narrowed by namespace and equality label requirements. */
  keys(namespace: string | undefined, labels: LabelRequirement[] | undefined): string[] {
    let candidates: Set<string> | undefined;
    for (const r of labels ?? []) {
      if (r.op !== "=") continue;
      const set = this.byLabel.get(r.key)?.get(r.value);
      if (!set) return [];
      if (!candidates || set.size < candidates.size) candidates = set;
    }
    if (candidates) {
      const out = [...candidates];
      if (namespace !== undefined) return out.filter((k) => k.startsWith(`${namespace}/`)).sort();
      return out.sort();
    }
    if (namespace !== undefined) {
      let sorted = this.sortedNs.get(namespace);
      if (!sorted) {
        sorted = [...(this.byNs.get(namespace)?.keys() ?? [])].sort();
        this.sortedNs.set(namespace, sorted);
      }
      return sorted;
    }
    this.sortedAll ??= [...this.all.keys()].sort();
    return this.sortedAll;
  }

  values(): IterableIterator<KObject> {
    return this.all.values();
  }
}

/** Serialised JSON of stored objects (stored objects are never mutated, so identity is the cache key). */
const jsonCache = new WeakMap<object, string>();
const bufferCache = new WeakMap<object, Buffer>();
const itemBufferCache = new WeakMap<object, Buffer>();

export class Store {
  readonly registry: TypeRegistry;
  private data = new Map<string, Bucket>();
  private uidIndex = new Map<string, { gr: string; key: string }>();
  /** owner uid -> dependents "gr|key" */
  private ownerIndex = new Map<string, Set<string>>();
  private rv = 0;
  private history: StoreEvent[] = [];
  private readonly historyLimit: number;
  /** Events at or below this RV are no longer in history. */
  private compactedRV = 0;
  private watchers = new Set<StoreListener>();
  private listeners = new Set<StoreListener>();
  private pending: StoreEvent[] = [];
  private draining = false;
  private admission: AdmissionHook[] = [];
  private gracefulDeletion = new Map<string, (obj: KObject, opts: DeleteOptions) => number>();
  private nextIP = 10;
  private nextNodePort = 30000;

  constructor(opts: { registry?: TypeRegistry; historyLimit?: number } = {}) {
    this.registry = opts.registry ?? new TypeRegistry();
    this.historyLimit = opts.historyLimit ?? 5000;
  }

  // ---------------------------------------------------------------- reads

  /** The current global resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch may resume from. */
  get oldestWatchableRV(): number {
    return this.compactedRV;
  }

  typeOf(gr: string): ResourceType {
    const t = this.registry.byGR(gr);
    if (!t) throw new StatusError(404, "NotFound", `the server could not find the requested resource`, {});
    return t;
  }

  get(gr: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.data.get(gr)?.get(keyOf(namespace, name));
    return o ? clone(o) : undefined;
  }

  /** Like get, but throws the real NotFound. */
  mustGet(gr: string, namespace: string | undefined, name: string): KObject {
    const o = this.get(gr, namespace, name);
    if (!o) throw notFound(this.typeOf(gr), name);
    return o;
  }

  getByUid(uid: string): KObject | undefined {
    const ref = this.uidIndex.get(uid);
    if (!ref) return undefined;
    const o = this.data.get(ref.gr)?.get(ref.key);
    return o ? clone(o) : undefined;
  }

  /** Objects sorted by namespace then name (etcd key order); copies the caller may change. */
  list(gr: string, opts: ListOptions = {}): KObject[] {
    return this.listRaw(gr, opts).map((o) => clone(o));
  }

  /**
   * Like list, but the stored objects themselves: READ-ONLY (never mutate
   * them). For hot read paths (HTTP lists, RBAC, metrics) that only serialise
   * or inspect. Served from the namespace and label indexes.
   */
  listRaw(gr: string, opts: ListOptions = {}): readonly KObject[] {
    const bucket = this.data.get(gr);
    if (!bucket) return [];
    const out: KObject[] = [];
    for (const k of bucket.keys(opts.namespace, opts.labels)) {
      const o = bucket.get(k) as KObject;
      if (opts.labels && !matchLabels(opts.labels, o.metadata.labels)) continue;
      if (opts.fields && !matchFields(opts.fields, o)) continue;
      out.push(o);
    }
    return out;
  }

  /** Like jsonOf, as UTF-8 bytes (list responses are assembled from these). */
  jsonBufferOf(o: KObject): Buffer {
    let b = bufferCache.get(o);
    if (b === undefined) {
      b = Buffer.from(this.jsonOf(o));
      bufferCache.set(o, b);
    }
    return b;
  }

  /**
   * JSON bytes of a stored object as an item of a list of a built-in kind:
   * without `apiVersion` and `kind`, which the API server leaves out there
   * (kubernetes/kubernetes#3030; custom resources keep them).
   */
  jsonItemBufferOf(o: KObject): Buffer {
    let b = itemBufferCache.get(o);
    if (b === undefined) {
      b = Buffer.from(JSON.stringify({ ...o, apiVersion: undefined, kind: undefined }));
      itemBufferCache.set(o, b);
    }
    return b;
  }

  /** A stored object (or event copy) as JSON, cached per object identity. */
  jsonOf(o: KObject): string {
    let s = jsonCache.get(o);
    if (s === undefined) {
      s = JSON.stringify(o);
      jsonCache.set(o, s);
    }
    return s;
  }

  /** Dependents (by ownerReference uid) of an owner. */
  dependentsOf(ownerUid: string): { gr: string; object: KObject }[] {
    const out: { gr: string; object: KObject }[] = [];
    for (const ref of this.ownerIndex.get(ownerUid) ?? []) {
      const [gr, key] = ref.split("|");
      const o = this.data.get(gr)?.get(key);
      if (o) out.push({ gr, object: clone(o) });
    }
    return out;
  }

  /** Every stored group resource that has objects. */
  storedResources(): string[] {
    return [...this.data.keys()].filter((gr) => (this.data.get(gr)?.size ?? 0) > 0);
  }

  // ---------------------------------------------------------------- extension points

  /**
   * Graceful deletion for a group resource: `fn` returns the grace period in
   * seconds for a DELETE (0 = remove at once). With a grace period the object
   * gets deletionTimestamp/deletionGracePeriodSeconds and stays until a delete
   * with grace 0 (what a kubelet does for pods). Part 2 sets this for "/pods".
   */
  setGracefulDeletion(gr: string, fn: ((obj: KObject, opts: DeleteOptions) => number) | undefined): void {
    if (fn) this.gracefulDeletion.set(gr, fn);
    else this.gracefulDeletion.delete(gr);
  }

  addAdmissionHook(hook: AdmissionHook): () => void {
    this.admission.push(hook);
    return () => {
      this.admission = this.admission.filter((h) => h !== hook);
    };
  }

  /**
   * Every committed change, in commit order, delivered asynchronously (after
   * the writing call returns) so listeners may write to the store themselves.
   */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * An informer over one group resource: `add` for every existing object
   * first, then add/update/delete as changes are committed.
   */
  informer(gr: string, handlers: InformerHandlers, opts: ListOptions = {}): () => void {
    const matches = (o: KObject) =>
      (opts.namespace === undefined || (o.metadata.namespace ?? "") === opts.namespace) &&
      (!opts.labels || matchLabels(opts.labels, o.metadata.labels)) &&
      (!opts.fields || matchFields(opts.fields, o));
    const startRV = this.rv;
    for (const o of this.list(gr, opts)) handlers.add?.(o);
    return this.subscribe((ev) => {
      if (ev.gr !== gr || ev.resourceVersion <= startRV) return;
      const now = matches(ev.object);
      const before = ev.old ? matches(ev.old) : false;
      if (ev.type === "DELETED") {
        if (before || now) handlers.delete?.(ev.object);
      } else if (ev.type === "ADDED") {
        if (now) handlers.add?.(ev.object);
      } else if (now && before) handlers.update?.(ev.object, ev.old as KObject);
      else if (now) handlers.add?.(ev.object);
      else if (before) handlers.delete?.(ev.object);
    });
  }

  /** Resolves once every pending change has been delivered to subscribers. */
  async settled(): Promise<void> {
    while (this.pending.length > 0 || this.draining) await new Promise((r) => setImmediate(r));
  }

  /**
   * Synchronous watch used by the HTTP layer: replays history after
   * `sinceRV` (throws 410 Expired when it is too old), then streams.
   */
  watch(sinceRV: number | undefined, fn: StoreListener): () => void {
    if (sinceRV !== undefined) {
      if (sinceRV < this.compactedRV) throw expired(String(sinceRV), String(this.rv));
      for (const ev of this.history) if (ev.resourceVersion > sinceRV) fn(ev);
    }
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  // ---------------------------------------------------------------- writes

  create(gr: string, input: KObject, opts: WriteOptions = {}): KObject {
    const t = this.typeOf(gr);
    const obj = clone(input);
    obj.apiVersion = obj.apiVersion || apiVersionOf(t);
    obj.kind = obj.kind || t.kind;
    obj.metadata = obj.metadata ?? {};
    const md = obj.metadata;
    if (!t.namespaced) delete md.namespace;
    for (const f of ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"]) delete md[f];
    if (!md.name && md.generateName) md.name = this.generateName(gr, md.namespace, md.generateName);
    if (t.namespaced && md.namespace) this.checkNamespaceOpen(t, md.namespace, md.name ?? "");
    if (t.status && !opts.keepStatus) delete obj.status;
    t.defaults?.(obj, this.defaultsContext(true));
    pruneEmptyMeta(obj);
    this.runAdmission({
      operation: "CREATE",
      type: t,
      gr,
      namespace: md.namespace,
      name: md.name ?? "",
      object: obj,
      dryRun: !!opts.dryRun,
      user: opts.user,
      store: this,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
    this.validate(t, obj, undefined);
    const name = md.name as string;
    if (this.data.get(gr)?.has(keyOf(md.namespace, name))) throw alreadyExists(t, name);
    md.uid = randomUUID();
    md.creationTimestamp = now();
    md.generation = 1;
    if (opts.untracked) delete obj.metadata.managedFields;
    else if (!opts.preserveManagedFields)
      obj.metadata.managedFields = trackUpdate(undefined, obj, opts.fieldManager ?? "unknown", undefined, t.strategicMerge !== false);
    if (opts.dryRun) return obj;
    return this.commit("ADDED", gr, obj, undefined);
  }

  update(gr: string, input: KObject, opts: WriteOptions = {}): KObject {
    const t = this.typeOf(gr);
    const md = input.metadata ?? {};
    const name = md.name ?? "";
    const ns = t.namespaced ? md.namespace : undefined;
    const old = this.data.get(gr)?.get(keyOf(ns, name));
    if (!old) throw notFound(t, name);
    if (md.resourceVersion && md.resourceVersion !== old.metadata.resourceVersion) throw conflict(t, name);
    if (md.uid && md.uid !== old.metadata.uid)
      throw conflict(t, name, `Precondition failed: UID in precondition: ${md.uid}, UID in object meta: ${old.metadata.uid ?? ""}`);
    let obj: KObject;
    if (opts.subresource === "status") {
      obj = clone(old);
      obj.status = clone(input.status);
      if (opts.preserveManagedFields) obj.metadata.managedFields = clone(md.managedFields);
    } else {
      obj = clone(input);
      obj.apiVersion = obj.apiVersion || old.apiVersion;
      obj.kind = obj.kind || old.kind;
      obj.metadata = { ...obj.metadata };
      for (const f of ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name"] as const) {
        if (old.metadata[f] === undefined) delete obj.metadata[f];
        else (obj.metadata as Record<string, unknown>)[f] = clone(old.metadata[f]);
      }
      // a client that sends managedFields different from the stored ones sets them (kubectl's SSA migration)
      const sent = input.metadata?.managedFields;
      const explicit = sent !== undefined && !deepEqual(sent, old.metadata.managedFields ?? []);
      if (explicit) {
        obj.metadata.managedFields = clone(sent);
        opts = { ...opts, preserveManagedFields: true };
      } else if (!opts.preserveManagedFields) obj.metadata.managedFields = clone(old.metadata.managedFields);
      if (t.status && !opts.keepStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
    }
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    t.defaults?.(obj, this.defaultsContext(false, old));
    pruneEmptyMeta(obj);
    this.runAdmission({
      operation: "UPDATE",
      type: t,
      gr,
      namespace: ns,
      name,
      object: obj,
      oldObject: clone(old),
      dryRun: !!opts.dryRun,
      user: opts.user,
      store: this,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
    this.validate(t, obj, old);
    if (!deepEqual(specPart(old), specPart(obj))) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (opts.untracked) obj.metadata.managedFields = clone(old.metadata.managedFields);
    else if (!opts.preserveManagedFields)
      obj.metadata.managedFields = trackUpdate(old, obj, opts.fieldManager ?? "unknown", opts.subresource, t.strategicMerge !== false);
    if (!obj.metadata.managedFields?.length) delete obj.metadata.managedFields;
    if (deepEqual(comparable(old), comparable(obj)) && deepEqual(old.metadata.managedFields ?? [], obj.metadata.managedFields ?? [])) return clone(old);
    if (opts.dryRun) return obj;
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length && !this.hasSpecFinalizers(obj)) {
      return this.commit("DELETED", gr, obj, old);
    }
    return this.commit("MODIFIED", gr, obj, old);
  }

  delete(gr: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const t = this.typeOf(gr);
    const ns = t.namespaced ? namespace : undefined;
    const old = this.data.get(gr)?.get(keyOf(ns, name));
    if (!old) throw notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw conflict(t, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ""}`);
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw conflict(
        t,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ""}`,
      );
    this.runAdmission({ operation: "DELETE", type: t, gr, namespace: ns, name, oldObject: clone(old), dryRun: !!opts.dryRun, user: opts.user, store: this });
    const obj = clone(old);
    const finalizers = [...(obj.metadata.finalizers ?? [])];
    const policy = opts.propagationPolicy;
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    const grace = this.gracefulDeletion.get(gr)?.(clone(old), opts) ?? 0;
    if (grace > 0 && !(old.metadata.deletionTimestamp && (old.metadata.deletionGracePeriodSeconds ?? 0) <= grace)) {
      // graceful deletion (pods with a kubelet): marked now, removed by a later delete with grace 0
      obj.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, "Z");
      obj.metadata.deletionGracePeriodSeconds = grace;
      if (finalizers.length) obj.metadata.finalizers = finalizers;
      if (opts.dryRun) return { object: obj, deleted: false };
      return { object: this.commit("MODIFIED", gr, obj, old), deleted: false };
    }
    if (grace > 0) return { object: obj, deleted: false };
    if (finalizers.length > 0 || this.hasSpecFinalizers(obj)) {
      if (obj.metadata.deletionTimestamp && deepEqual(finalizers, obj.metadata.finalizers ?? [])) return { object: obj, deleted: false };
      obj.metadata.deletionTimestamp ??= now();
      obj.metadata.deletionGracePeriodSeconds ??= 0;
      if (finalizers.length) obj.metadata.finalizers = finalizers;
      if (gr === "/namespaces") obj.status = { ...(obj.status as object), phase: "Terminating" };
      if (opts.dryRun) return { object: obj, deleted: false };
      return { object: this.commit("MODIFIED", gr, obj, old), deleted: false };
    }
    if (opts.dryRun) return { object: obj, deleted: true };
    return { object: this.commit("DELETED", gr, obj, old), deleted: true };
  }

  /** Namespaces wait for spec.finalizers ("kubernetes") as well as metadata.finalizers. */
  private hasSpecFinalizers(o: KObject): boolean {
    if (o.kind !== "Namespace") return false;
    const f = (o.spec as { finalizers?: string[] } | undefined)?.finalizers;
    return Array.isArray(f) && f.length > 0;
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): StoreSnapshot {
    const objects: Record<string, KObject[]> = {};
    for (const [gr, bucket] of this.data) if (bucket.size) objects[gr] = [...bucket.values()].map((o) => clone(o));
    return { resourceVersion: this.rv, objects };
  }

  /** Replaces the whole state (no events); watches from before the restore get 410. */
  restore(snap: StoreSnapshot): void {
    this.data.clear();
    this.uidIndex.clear();
    this.ownerIndex.clear();
    const crds = snap.objects["apiextensions.k8s.io/customresourcedefinitions"] ?? [];
    for (const crd of crds) this.registry.registerCRD(crd);
    for (const [gr, items] of Object.entries(snap.objects)) for (const o of items) this.put(gr, o);
    this.rv = snap.resourceVersion;
    this.history = [];
    this.compactedRV = this.rv;
    this.recomputeAllocators();
  }

  // ---------------------------------------------------------------- internals

  private commit(type: WatchEventType, gr: string, obj: KObject, old: KObject | undefined): KObject {
    this.rv += 1;
    obj.metadata.resourceVersion = String(this.rv);
    if (type === "DELETED") this.remove(gr, obj);
    else this.put(gr, obj);
    const ev: StoreEvent = { type, gr, resourceVersion: this.rv, object: clone(obj), ...(old ? { old: clone(old) } : {}) };
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRV = dropped[dropped.length - 1].resourceVersion;
    }
    if (gr === "apiextensions.k8s.io/customresourcedefinitions") this.onCRDChange(type, obj);
    for (const w of [...this.watchers]) {
      try {
        w(ev);
      } catch {
        // a broken watch connection must not fail the write
      }
    }
    this.pending.push(ev);
    if (!this.draining) queueMicrotask(() => this.drain());
    return clone(obj);
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const ev = this.pending.shift() as StoreEvent;
        for (const l of [...this.listeners]) {
          try {
            l(ev);
          } catch (e) {
            console.error("[sandbox] store listener failed:", e);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private put(gr: string, obj: KObject): void {
    let bucket = this.data.get(gr);
    if (!bucket) {
      bucket = new Bucket();
      this.data.set(gr, bucket);
    }
    const key = keyOf(obj.metadata.namespace, obj.metadata.name ?? "");
    const prev = bucket.get(key);
    if (prev) this.unindexOwners(gr, key, prev);
    bucket.set(key, obj, prev);
    if (obj.metadata.uid) this.uidIndex.set(obj.metadata.uid, { gr, key });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const set = this.ownerIndex.get(ref.uid) ?? new Set<string>();
      set.add(`${gr}|${key}`);
      this.ownerIndex.set(ref.uid, set);
    }
  }

  private remove(gr: string, obj: KObject): void {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name ?? "");
    const prev = this.data.get(gr)?.get(key);
    if (prev) this.unindexOwners(gr, key, prev);
    this.data.get(gr)?.delete(key);
    if (obj.metadata.uid) this.uidIndex.delete(obj.metadata.uid);
  }

  private unindexOwners(gr: string, key: string, obj: KObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const set = this.ownerIndex.get(ref.uid);
      set?.delete(`${gr}|${key}`);
      if (set && set.size === 0) this.ownerIndex.delete(ref.uid);
    }
  }

  private onCRDChange(type: WatchEventType, crd: KObject): void {
    const name = crd.metadata.name ?? "";
    if (type === "DELETED") {
      const t = this.registry.all().find((x) => x.crd?.name === name);
      if (t) {
        const gr = grOf(t);
        for (const o of this.list(gr)) this.commit("DELETED", gr, o, o);
        this.data.delete(gr);
      }
      this.registry.unregisterCRD(name);
    } else {
      this.registry.registerCRD(crd);
    }
  }

  private checkNamespaceOpen(t: ResourceType, namespace: string, name: string): void {
    const ns = this.data.get("/namespaces")?.get(keyOf(undefined, namespace));
    if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
    if (ns.metadata.deletionTimestamp) {
      const msg = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw forbidden(t, name, msg, [{ reason: "NamespaceTerminating", message: `namespace ${namespace} is being terminated`, field: "metadata.namespace" }]);
    }
  }

  /** Runs the admission hooks for a request the REST layer handles itself (pods/eviction). */
  admit(req: AdmissionRequest): void {
    this.runAdmission(req);
  }

  private runAdmission(req: AdmissionRequest): void {
    for (const h of this.admission) {
      if (h.resources && !h.resources.includes(req.gr)) continue;
      if (h.operations && !h.operations.includes(req.operation)) continue;
      h.admit(req);
    }
  }

  private validate(t: ResourceType, obj: KObject, old: KObject | undefined): void {
    const errs: FieldError[] = [...validateMeta(obj, t.nameRule, t.namespaced), ...(t.validate?.(obj, old) ?? [])];
    if (errs.length > 0) throw invalid(t, obj.metadata.name ?? obj.metadata.generateName ?? "", errs);
  }

  private generateName(gr: string, ns: string | undefined, prefix: string): string {
    for (let attempt = 0; attempt < 20; attempt++) {
      let s = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
      for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
      if (!this.data.get(gr)?.has(keyOf(ns, s))) return s;
    }
    throw badRequest("could not generate a unique name");
  }

  private defaultsContext(isCreate: boolean, old?: KObject): DefaultsContext {
    return {
      isCreate,
      ...(old ? { old } : {}),
      allocateClusterIP: () => this.allocateClusterIP(),
      allocateNodePort: () => this.nextNodePort++,
    };
  }

  private allocateClusterIP(): string {
    const used = new Set(this.list("/services").map((s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP));
    for (;;) {
      const n = this.nextIP++;
      const ip = `10.96.${Math.floor(n / 256) % 256}.${n % 256}`;
      if (n % 256 !== 0 && n % 256 !== 255 && !used.has(ip)) return ip;
    }
  }

  private recomputeAllocators(): void {
    for (const s of this.list("/services")) {
      const spec = s.spec as { clusterIP?: string; ports?: { nodePort?: number }[] } | undefined;
      const m = /^10\.96\.(\d+)\.(\d+)$/.exec(spec?.clusterIP ?? "");
      if (m) this.nextIP = Math.max(this.nextIP, Number(m[1]) * 256 + Number(m[2]) + 1);
      for (const p of spec?.ports ?? []) if (p.nodePort) this.nextNodePort = Math.max(this.nextNodePort, p.nodePort + 1);
    }
  }
}

export type { ManagedFieldsEntry };
