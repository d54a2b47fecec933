/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) with the
 * directives kubectl sends: `$patch: replace|delete|merge`, `$retainKeys`,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`, null deletes.
 * Lists merge by the keys in schema.ts; other lists are replaced.
 */
import { badRequest } from "../core/errors.js";
import { listStrategy } from "./schema.js";
import { clone, deepEqual, isObj, type Obj } from "./util.js";

const DIRECTIVE_ORDER = "$setElementOrder/";
const DIRECTIVE_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

/** Removes directives and nulls from a patch fragment that is added as new content. */
function cleanNew(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isObj(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(cleanNew);
  if (!isObj(v)) return clone(v);
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith("$") || x === null) continue;
    out[k] = cleanNew(x);
  }
  return out;
}

export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObj(patch)) throw badRequest("strategic merge patch must be a JSON object");
  const result = mergeMap(isObj(original) ? original : {}, patch, []);
  return result === undefined ? {} : result;
}

function mergeMap(orig: Obj, patch: Obj, path: string[]): Obj | undefined {
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  if (directive === "replace") return cleanNew(patch) as Obj;
  let result: Obj = clone(orig);
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  const orders: [string, unknown[]][] = [];
  for (const [key, val] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys") continue;
    if (key.startsWith(DIRECTIVE_ORDER)) {
      if (Array.isArray(val)) orders.push([key.slice(DIRECTIVE_ORDER.length), val]);
      continue;
    }
    if (key.startsWith(DIRECTIVE_DELETE_PRIMITIVE)) {
      const field = key.slice(DIRECTIVE_DELETE_PRIMITIVE.length);
      const cur = result[field];
      if (Array.isArray(cur) && Array.isArray(val)) result[field] = cur.filter((x) => !val.some((d) => deepEqual(d, x)));
      continue;
    }
    if (key.startsWith("$")) continue;
    const sub = [...path, key];
    if (val === null) {
      delete result[key];
    } else if (isObj(val)) {
      const merged = mergeMap(isObj(result[key]) ? (result[key] as Obj) : {}, val, sub);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(val)) {
      result[key] = mergeList(Array.isArray(result[key]) ? (result[key] as unknown[]) : [], val, sub);
    } else {
      result[key] = val;
    }
  }
  for (const [field, order] of orders) {
    const cur = result[field];
    if (Array.isArray(cur)) result[field] = reorder(cur, order, [...path, field]);
  }
  return result;
}

function mergeList(orig: unknown[], patch: unknown[], path: string[]): unknown[] {
  if (patch.some((e) => isObj(e) && e.$patch === "replace")) return cleanNew(patch.filter((e) => !(isObj(e) && e.$patch === "replace"))) as unknown[];
  const strategy = listStrategy(path);
  if (!strategy) return cleanNew(patch) as unknown[];
  if (strategy.set) {
    const out = clone(orig);
    for (const p of patch) if (!out.some((x) => deepEqual(x, p))) out.push(clone(p));
    return out;
  }
  const key = strategy.key as string;
  const out: unknown[] = clone(orig);
  for (const p of patch) {
    if (!isObj(p)) {
      out.push(clone(p));
      continue;
    }
    const idx = out.findIndex((x) => isObj(x) && p[key] !== undefined && deepEqual(x[key], p[key]));
    if (p.$patch === "delete") {
      if (idx >= 0) {
        // delete every element with that key (duplicates included)
        for (let i = out.length - 1; i >= 0; i--) {
          const x = out[i];
          if (isObj(x) && deepEqual(x[key], p[key])) out.splice(i, 1);
        }
      }
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as Obj, p, path);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(cleanNew(p));
    }
  }
  return out;
}

/** Applies `$setElementOrder`: listed items first in that order, then the rest as they were. */
function reorder(list: unknown[], order: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(path);
  const key = strategy?.key;
  const matches = (item: unknown, o: unknown) => (key && isObj(item) && isObj(o) ? deepEqual(item[key], o[key]) : deepEqual(item, o));
  const ordered: unknown[] = [];
  const used = new Set<number>();
  for (const o of order) {
    const i = list.findIndex((x, j) => !used.has(j) && matches(x, o));
    if (i >= 0) {
      used.add(i);
      ordered.push(list[i]);
    }
  }
  return [...ordered, ...list.filter((_, j) => !used.has(j))];
}
