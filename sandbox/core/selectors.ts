/**
 * Label and field selectors as the API server parses them
 * (`a=b, c==d, e!=f, g in (x,y), h notin (z), i, !j`).
 */
import { badRequest } from "./errors.js";
import type { KObject } from "./types.js";

export type LabelRequirement =
  { key: string; op: "=" | "!="; value: string } | { key: string; op: "in" | "notin"; values: string[] } | { key: string; op: "exists" | "!exists" };

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function parseLabelSelector(sel: string | undefined | null): LabelRequirement[] {
  if (!sel) return [];
  const reqs: LabelRequirement[] = [];
  for (const part of splitTop(sel)) {
    let m = /^([^\s=!()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      reqs.push({
        key: m[1],
        op: m[2] as "in" | "notin",
        values: m[3]
          .split(",")
          .map((v) => v.trim())
          .filter((v) => v !== ""),
      });
      continue;
    }
    m = /^([^\s=!()]+)\s*(==|=|!=)\s*([^\s=!()]*)$/.exec(part);
    if (m) {
      reqs.push({ key: m[1], op: m[2] === "!=" ? "!=" : "=", value: m[3] });
      continue;
    }
    m = /^!\s*([^\s=!()]+)$/.exec(part);
    if (m) {
      reqs.push({ key: m[1], op: "!exists" });
      continue;
    }
    m = /^([^\s=!()]+)$/.exec(part);
    if (m) {
      reqs.push({ key: m[1], op: "exists" });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
  }
  return reqs;
}

export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=":
        if (!has || v !== r.value) return false;
        break;
      case "!=":
        if (has && v === r.value) return false;
        break;
      case "in":
        if (!has || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (has && r.values.includes(v)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A LabelSelector object (matchLabels + matchExpressions) turned into requirements. */
export function labelSelectorToRequirements(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key: k, op: "=", value: v });
  for (const e of sel?.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === "in" || op === "notin") reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === "exists") reqs.push({ key: e.key, op: "exists" });
    else if (op === "doesnotexist") reqs.push({ key: e.key, op: "!exists" });
  }
  return reqs;
}

/** The selector string form of a LabelSelector (for Scale.status.selector). */
export function labelSelectorToString(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
): string {
  const parts: string[] = [];
  for (const r of labelSelectorToRequirements(sel)) {
    if (r.op === "=") parts.push(`${r.key}=${r.value}`);
    else if (r.op === "!=") parts.push(`${r.key}!=${r.value}`);
    else if (r.op === "in" || r.op === "notin") parts.push(`${r.key} ${r.op} (${r.values.join(",")})`);
    else if (r.op === "exists") parts.push(r.key);
    else parts.push(`!${r.key}`);
  }
  return parts.join(",");
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export function parseFieldSelector(sel: string | undefined | null): FieldRequirement[] {
  if (!sel) return [];
  return splitTop(sel).map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`);
    return { field: m[1].trim(), op: m[2] === "!=" ? "!=" : "=", value: m[3].trim() };
  });
}

/** Reads a dotted path like `spec.nodeName` or `involvedObject.kind`. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/**
 * Which field selectors each kind supports beyond metadata.name and
 * metadata.namespace (what the real API server accepts).
 */
export const extraFieldSelectors: Record<string, string[]> = {
  "/pods": [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  "/events": [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  "/secrets": ["type"],
  "/namespaces": ["status.phase"],
  "/nodes": ["spec.unschedulable"],
  "apps/replicasets": ["status.replicas"],
};

/** Refuses field selectors the kind does not support, with the real message. `gvr` like "/v1, Resource=pods". */
export function validateFieldSelector(gr: string, reqs: FieldRequirement[], gvr: string, labelSelector: string): void {
  const allowed = new Set(["metadata.name", "metadata.namespace", ...(extraFieldSelectors[gr] ?? [])]);
  for (const r of reqs) {
    if (!allowed.has(r.field)) {
      const fs = reqs.map((q) => `${q.field}${q.op}${q.value}`).join(",");
      throw badRequest(`Unable to find "${gvr}" that match label selector "${labelSelector}", field selector "${fs}": field label not supported: ${r.field}`);
    }
  }
}

export function matchFields(reqs: FieldRequirement[], obj: KObject): boolean {
  for (const r of reqs) {
    let v = getPath(obj, r.field);
    if (r.field === "metadata.namespace" && v === undefined) v = "";
    if (r.field === "source" && v !== undefined) v = (v as { component?: string }).component;
    const s = v === undefined || v === null ? "" : String(v);
    if (r.op === "=" ? s !== r.value : s === r.value) return false;
  }
  return true;
}
