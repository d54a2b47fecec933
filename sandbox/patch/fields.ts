/**
 * Field ownership (metadata.managedFields, FieldsV1) and server-side apply.
 *
 * A field set is a set of paths; each path is a list of elements in the
 * FieldsV1 spelling: `f:<field>`, `k:<json key>` (list element by merge key),
 * `v:<json value>` (member of a set list) and `.` (the element itself).
 * This is a simplified structured-merge-diff: lists merge by the keys of
 * schema.ts (none for custom resources), other lists are atomic.
 */
import { StatusError } from "../core/errors.js";
import type { JsonObject, KObject, ManagedFieldsEntry } from "../core/types.js";
import { listStrategy } from "./schema.js";
import { clone, deepEqual, isObj, type Obj } from "./util.js";

export type FieldPath = string[];
export type FieldSet = Map<string, FieldPath>;

const keyOf = (p: FieldPath) => JSON.stringify(p);

function addPath(set: FieldSet, p: FieldPath): void {
  set.set(keyOf(p), p);
}

/** Metadata fields a manager can own; everything else in metadata is the server's. */
const OWNABLE_META = new Set(["labels", "annotations", "finalizers", "ownerReferences"]);

export type FieldScope = "main" | "status" | "all";

/** The field set of an object (or an apply configuration). */
export function fieldsOf(obj: unknown, scope: FieldScope, useSchema: boolean): FieldSet {
  const set: FieldSet = new Map();
  if (!isObj(obj)) return set;
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind" || v === undefined) continue;
    if (k === "metadata") {
      if (scope === "status") continue;
      if (isObj(v)) {
        for (const [mk, mv] of Object.entries(v)) {
          if (!OWNABLE_META.has(mk) || mv === undefined || mv === null) continue;
          collect(mv, ["f:metadata", `f:${mk}`], ["metadata", mk], set, useSchema);
        }
      }
      continue;
    }
    if (scope === "main" && k === "status") continue;
    if (scope === "status" && k !== "status") continue;
    collect(v, [`f:${k}`], [k], set, useSchema);
  }
  return set;
}

function elementKey(e: Obj, key: string): string {
  return `k:${JSON.stringify({ [key]: e[key] })}`;
}

function collect(v: unknown, fp: FieldPath, sp: string[], out: FieldSet, useSchema: boolean): void {
  if (isObj(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) {
      addPath(out, fp);
      return;
    }
    for (const [k, x] of entries) collect(x, [...fp, `f:${k}`], [...sp, k], out, useSchema);
    return;
  }
  if (Array.isArray(v) && useSchema) {
    const st = listStrategy(sp);
    if (st?.key && v.every((e) => isObj(e) && e[st.key as string] !== undefined)) {
      for (const e of v as Obj[]) {
        const ep = [...fp, elementKey(e, st.key)];
        addPath(out, [...ep, "."]);
        for (const [k, x] of Object.entries(e)) if (x !== undefined) collect(x, [...ep, `f:${k}`], [...sp, k], out, useSchema);
      }
      return;
    }
    if (st?.set) {
      for (const e of v) addPath(out, [...fp, `v:${JSON.stringify(e)}`]);
      return;
    }
  }
  addPath(out, fp);
}

const MISSING = Symbol("missing");

/** The value at a field path, or MISSING. */
function valueAt(obj: unknown, p: FieldPath): unknown {
  let cur: unknown = obj;
  for (const el of p) {
    if (el === ".") return cur;
    if (el.startsWith("f:")) {
      if (!isObj(cur) || !(el.slice(2) in cur)) return MISSING;
      cur = cur[el.slice(2)];
    } else if (el.startsWith("k:")) {
      const k = JSON.parse(el.slice(2)) as Obj;
      const [name, want] = Object.entries(k)[0];
      if (!Array.isArray(cur)) return MISSING;
      const found = cur.find((e) => isObj(e) && deepEqual(e[name], want));
      if (found === undefined) return MISSING;
      cur = found;
    } else if (el.startsWith("v:")) {
      const want: unknown = JSON.parse(el.slice(2));
      if (!Array.isArray(cur) || !cur.some((e) => deepEqual(e, want))) return MISSING;
      return want;
    }
  }
  return cur;
}

/** Deletes what a path names from obj (in place). */
function removeAt(obj: Obj, p: FieldPath): void {
  const isElementNode = p[p.length - 1] === ".";
  const target = isElementNode ? p.slice(0, -1) : p;
  const last = target[target.length - 1];
  const parent = valueAt(obj, target.slice(0, -1));
  if (parent === MISSING) return;
  if (last.startsWith("f:") && isObj(parent)) delete parent[last.slice(2)];
  else if (last.startsWith("k:") && Array.isArray(parent)) {
    const [name, want] = Object.entries(JSON.parse(last.slice(2)) as Obj)[0];
    const i = parent.findIndex((e) => isObj(e) && deepEqual(e[name], want));
    if (i >= 0) parent.splice(i, 1);
  } else if (last.startsWith("v:") && Array.isArray(parent)) {
    const want: unknown = JSON.parse(last.slice(2));
    const i = parent.findIndex((e) => deepEqual(e, want));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** FieldsV1 JSON from a field set. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  const paths = [...set.values()].sort((a, b) => a.length - b.length);
  for (const p of paths) {
    let node = root;
    for (let i = 0; i < p.length; i++) {
      const el = p[i];
      const isLast = i === p.length - 1;
      let child = node[el] as JsonObject | undefined;
      if (!child) {
        child = {};
        node[el] = child;
      } else if (isLast && Object.keys(child).length > 0) {
        child["."] = {};
      }
      if (!isLast && Object.keys(child).length === 0 && set.has(keyOf(p.slice(0, i + 1)))) child["."] = {};
      node = child;
    }
  }
  return root;
}

/** Field set from FieldsV1 JSON. */
export function fromFieldsV1(f: unknown): FieldSet {
  const set: FieldSet = new Map();
  const walk = (node: unknown, prefix: FieldPath) => {
    if (!isObj(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && prefix.length > 0) {
      addPath(set, prefix);
      return;
    }
    for (const k of keys) {
      if (k === ".") {
        const isElement = prefix.length > 0 && prefix[prefix.length - 1].startsWith("k:");
        addPath(set, isElement ? [...prefix, "."] : prefix);
        continue;
      }
      walk(node[k], [...prefix, k]);
    }
  };
  walk(f, []);
  return set;
}

/** `.spec.template.spec.containers[name="app"].image`, as conflict messages print paths. */
export function pathString(p: FieldPath): string {
  let s = "";
  for (const el of p) {
    if (el === ".") continue;
    if (el.startsWith("f:")) s += `.${el.slice(2)}`;
    else if (el.startsWith("k:")) {
      const k = JSON.parse(el.slice(2)) as Obj;
      s += `[${Object.entries(k)
        .map(([a, b]) => `${a}=${JSON.stringify(b)}`)
        .join(",")}]`;
    } else if (el.startsWith("v:")) s += `[=${el.slice(2)}]`;
  }
  return s;
}

interface Entry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

function readEntries(obj: KObject | undefined): Entry[] {
  return (obj?.metadata.managedFields ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    ...(e.subresource ? { subresource: e.subresource } : {}),
    set: fromFieldsV1(e.fieldsV1),
  }));
}

function writeEntries(entries: Entry[]): ManagedFieldsEntry[] {
  return entries
    .filter((e) => e.set.size > 0)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.time ? { time: e.time } : {}),
      fieldsType: "FieldsV1" as const,
      fieldsV1: toFieldsV1(e.set),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }));
}

const nowTime = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");

function sameSet(a: FieldSet, b: FieldSet): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}

function findEntry(entries: Entry[], manager: string, operation: Entry["operation"], subresource: string | undefined, apiVersion: string): Entry {
  let e = entries.find((x) => x.manager === manager && x.operation === operation && (x.subresource ?? "") === (subresource ?? ""));
  if (!e) {
    e = { manager, operation, apiVersion, set: new Map(), ...(subresource ? { subresource } : {}) };
    entries.push(e);
  }
  return e;
}

/**
 * Records a non-apply write: the fields it changed become owned by
 * `manager` (operation Update) and are taken from every other manager;
 * fields it removed are owned by no one. Returns the new managedFields.
 */
export function trackUpdate(
  oldObj: KObject | undefined,
  newObj: KObject,
  manager: string,
  subresource: string | undefined,
  useSchema: boolean,
): ManagedFieldsEntry[] {
  const scope: FieldScope = subresource === "status" ? "status" : "all";
  const entries = readEntries(oldObj);
  const newFields = fieldsOf(newObj, scope, useSchema);
  const oldFields = oldObj ? fieldsOf(oldObj, scope, useSchema) : new Map<string, FieldPath>();
  const changed: FieldSet = new Map();
  for (const [k, p] of newFields) {
    if (!oldObj || !oldFields.has(k) || !deepEqual(valueAt(oldObj, p), valueAt(newObj, p))) changed.set(k, p);
  }
  const removed = [...oldFields.keys()].filter((k) => !newFields.has(k));
  if (changed.size === 0 && removed.length === 0) return oldObj?.metadata.managedFields ?? [];
  for (const e of entries) {
    for (const k of changed.keys()) e.set.delete(k);
    for (const k of removed) e.set.delete(k);
  }
  if (changed.size > 0) {
    const mine = findEntry(entries, manager, "Update", subresource, newObj.apiVersion);
    for (const [k, p] of changed) mine.set.set(k, p);
    mine.time = nowTime();
    mine.apiVersion = newObj.apiVersion;
  }
  return writeEntries(entries);
}

/** Merges an apply configuration into a live object (maps recursively, keyed lists by key, the rest replaced). */
function applyMerge(live: unknown, cfg: unknown, sp: string[], useSchema: boolean): unknown {
  if (isObj(cfg)) {
    const out: Obj = isObj(live) ? clone(live) : {};
    for (const [k, v] of Object.entries(cfg)) {
      if (v === null) {
        delete out[k];
        continue;
      }
      out[k] = applyMerge(out[k], v, [...sp, k], useSchema);
    }
    return out;
  }
  if (Array.isArray(cfg) && useSchema) {
    const st = listStrategy(sp);
    if (st?.key && Array.isArray(live) && cfg.every((e) => isObj(e) && e[st.key as string] !== undefined)) {
      const key = st.key;
      const out = clone(live);
      for (const e of cfg as Obj[]) {
        const i = out.findIndex((x) => isObj(x) && deepEqual(x[key], e[key]));
        if (i >= 0) out[i] = applyMerge(out[i], e, sp, useSchema);
        else out.push(clone(e));
      }
      return out;
    }
    if (st?.set && Array.isArray(live)) {
      const out = clone(live);
      for (const e of cfg) if (!out.some((x) => deepEqual(x, e))) out.push(clone(e));
      return out;
    }
  }
  return clone(cfg);
}

export interface ApplyResult {
  object: KObject;
  /** False when the apply changed neither the object nor ownership (nothing to write). */
  changed: boolean;
}

/**
 * Server-side apply of `config` by `manager` onto `live` (undefined when the
 * object does not exist yet). Throws 409 on conflicts unless `force`.
 */
export function serverSideApply(
  live: KObject | undefined,
  config: KObject,
  manager: string,
  force: boolean,
  subresource: string | undefined,
  useSchema: boolean,
): ApplyResult {
  const scope: FieldScope = subresource === "status" ? "status" : "main";
  const entries = readEntries(live);
  const cfgFields = fieldsOf(config, scope, useSchema);
  const mine = entries.find((e) => e.manager === manager && e.operation === "Apply" && (e.subresource ?? "") === (subresource ?? ""));
  const base: Obj = live ? clone(live) : {};

  // conflicts: fields another manager owns whose live value differs from the applied one
  const conflicts: { manager: Entry; path: FieldPath }[] = [];
  if (live) {
    for (const e of entries) {
      if (e === mine) continue;
      for (const [k, p] of cfgFields) {
        if (!e.set.has(k) || p[p.length - 1] === ".") continue;
        if (!deepEqual(valueAt(live, p), valueAt(config, p))) conflicts.push({ manager: e, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const c of conflicts) c.manager.set.delete(keyOf(c.path));

  // fields this manager applied before but no longer does: removed unless someone else owns them
  let obj: Obj = base;
  if (mine) {
    const others = entries.filter((e) => e !== mine);
    for (const [k, p] of mine.set) {
      if (cfgFields.has(k)) continue;
      if (others.some((e) => e.set.has(k))) continue;
      if (p[p.length - 1] === ".") {
        const prefix = keyOf(p.slice(0, -1)).slice(0, -1);
        if (others.some((e) => [...e.set.keys()].some((o) => o.startsWith(prefix)))) continue;
      }
      removeAt(obj, p);
    }
  }

  const cfgBody: Obj = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (k === "metadata" && isObj(v)) {
      cfgBody.metadata = Object.fromEntries(Object.entries(v).filter(([mk]) => OWNABLE_META.has(mk)));
      continue;
    }
    if (scope === "main" && k === "status") continue;
    if (scope === "status" && k !== "status") continue;
    cfgBody[k] = v;
  }
  obj = applyMerge(obj, cfgBody, [], useSchema) as Obj;
  if (!live) {
    obj.apiVersion = config.apiVersion;
    obj.kind = config.kind;
    const md = isObj(config.metadata) ? config.metadata : {};
    obj.metadata = { ...(isObj(obj.metadata) ? obj.metadata : {}), name: md.name, ...(md.namespace ? { namespace: md.namespace } : {}) };
  }

  const entry = mine ?? findEntry(entries, manager, "Apply", subresource, config.apiVersion);
  const ownershipChanged = !sameSet(entry.set, cfgFields) || conflicts.length > 0;
  entry.set = cfgFields;
  entry.apiVersion = config.apiVersion;
  const objChanged = !live || !deepEqual(stripMeta(live), stripMeta(obj));
  if (ownershipChanged || objChanged || !entry.time) entry.time = nowTime();
  (obj.metadata as Obj).managedFields = writeEntries(entries);
  return { object: obj as KObject, changed: !live || objChanged || ownershipChanged };
}

function stripMeta(o: Obj): Obj {
  const c = { ...o, metadata: { ...(o.metadata as Obj) } };
  delete (c.metadata as Obj).managedFields;
  return c;
}

function printManager(e: Entry): string {
  if (e.operation === "Update") return `"${e.manager}" using ${e.apiVersion}${e.time ? ` at ${e.time}` : ""}`;
  return `"${e.manager}"`;
}

function conflictError(conflicts: { manager: Entry; path: FieldPath }[]): StatusError {
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, { e: Entry; paths: FieldPath[] }>();
    for (const c of conflicts) {
      const k = printManager(c.manager);
      const g = byManager.get(k) ?? { e: c.manager, paths: [] };
      g.paths.push(c.path);
      byManager.set(k, g);
    }
    const lines: string[] = [];
    for (const k of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${k}`);
      for (const p of byManager.get(k)?.paths ?? []) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, {
    causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) })),
  });
}
