/**
 * Pod admission defaults: requests default to limits (the API's pod
 * defaulting), then the LimitRanger plugin applies `default` /
 * `defaultRequest` of Container LimitRanges, annotates the pod
 * (`kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container app; ...`),
 * enforces min/max with the real Forbidden texts, and recomputes qosClass.
 * LimitRanges themselves get upstream's defaulting (default from max,
 * defaultRequest from default or min).
 */
import { forbidden } from "../core/errors.js";
import type { KObject } from "../core/types.js";
import { arr, formatQuantity, isBinaryQuantity, parseQuantity, rec } from "./kit.js";
import type { Controller } from "./types.js";

type RL = Record<string, string>;

function defaultLimitRangeItem(item: Record<string, unknown>): void {
  if (item.type !== "Container") return;
  const def = { ...(rec(item.default) as RL) };
  const defReq = { ...(rec(item.defaultRequest) as RL) };
  for (const [k, v] of Object.entries(rec(item.max) as RL)) if (def[k] === undefined) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (defReq[k] === undefined) defReq[k] = v;
  for (const [k, v] of Object.entries(rec(item.min) as RL)) if (defReq[k] === undefined) defReq[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(defReq).length) item.defaultRequest = defReq;
}

function qosClass(pod: KObject): string {
  const cs = arr(rec(pod.spec).containers).concat(arr(rec(pod.spec).initContainers));
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = rec(rec(c.resources).requests);
    const l = rec(rec(c.resources).limits);
    if (Object.keys(r).length || Object.keys(l).length) any = true;
    for (const k of ["cpu", "memory"]) if (l[k] === undefined || (r[k] !== undefined && parseQuantity(r[k]) !== parseQuantity(l[k]))) guaranteed = false;
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

function show(v: unknown): string {
  return formatQuantity(parseQuantity(v), isBinaryQuantity(v));
}

export const limitRangeController: Controller = {
  name: "limitranger",
  start({ store }) {
    const removeLR = store.addAdmissionHook({
      name: "LimitRangeDefaults",
      resources: ["/limitranges"],
      operations: ["CREATE", "UPDATE"],
      admit(req) {
        for (const item of arr(rec(req.object?.spec).limits)) defaultLimitRangeItem(item);
      },
    });
    const removePod = store.addAdmissionHook({
      name: "LimitRanger",
      resources: ["/pods"],
      operations: ["CREATE"],
      admit(req) {
        const pod = req.object;
        if (!pod || req.subresource) return;
        const spec = rec(pod.spec);
        const groups: [string, Record<string, unknown>[]][] = [
          ["init container", arr(spec.initContainers)],
          ["container", arr(spec.containers)],
        ];
        // pod defaulting: requests default to limits
        for (const [, list] of groups) {
          for (const c of list) {
            const res = rec(c.resources);
            const lim = rec(res.limits) as RL;
            if (Object.keys(lim).length === 0) continue;
            const r = { ...(rec(res.requests) as RL) };
            for (const [k, v] of Object.entries(lim)) if (r[k] === undefined) r[k] = v;
            c.resources = { ...res, requests: r };
          }
        }
        const ranges = req.namespace ? store.list("/limitranges", { namespace: req.namespace }) : [];
        const notes: string[] = [];
        const errors: string[] = [];
        for (const lr of ranges) {
          for (const item of arr(rec(lr.spec).limits)) {
            if (item.type !== "Container") continue;
            const it = structuredClone(item);
            defaultLimitRangeItem(it);
            const def = rec(it.default) as RL;
            const defReq = rec(it.defaultRequest) as RL;
            for (const [prefix, list] of groups) {
              for (const c of list) {
                const res = rec(c.resources);
                const lim = { ...(rec(res.limits) as RL) };
                const r = { ...(rec(res.requests) as RL) };
                const setL: string[] = [];
                const setR: string[] = [];
                for (const [k, v] of Object.entries(def))
                  if (lim[k] === undefined) {
                    lim[k] = v;
                    setL.push(k);
                  }
                for (const [k, v] of Object.entries(defReq))
                  if (r[k] === undefined) {
                    r[k] = v;
                    setR.push(k);
                  }
                if (setL.length || setR.length)
                  c.resources = { ...res, ...(Object.keys(r).length ? { requests: r } : {}), ...(Object.keys(lim).length ? { limits: lim } : {}) };
                if (setR.length) notes.push(`${setR.sort().join(", ")} request for ${prefix} ${String(c.name)}`);
                if (setL.length) notes.push(`${setL.sort().join(", ")} limit for ${prefix} ${String(c.name)}`);
                for (const [k, v] of Object.entries(rec(it.min) as RL)) {
                  if (r[k] === undefined) errors.push(`minimum ${k} usage per Container is ${show(v)}.  No request is specified`);
                  else if (parseQuantity(r[k]) < parseQuantity(v)) errors.push(`minimum ${k} usage per Container is ${show(v)}, but request is ${show(r[k])}`);
                }
                for (const [k, v] of Object.entries(rec(it.max) as RL)) {
                  if (lim[k] === undefined) errors.push(`maximum ${k} usage per Container is ${show(v)}.  No limit is specified`);
                  else if (parseQuantity(lim[k]) > parseQuantity(v))
                    errors.push(`maximum ${k} usage per Container is ${show(v)}, but limit is ${show(lim[k])}`);
                }
                for (const [k, v] of Object.entries(rec(it.maxLimitRequestRatio) as RL)) {
                  if (lim[k] === undefined || r[k] === undefined || parseQuantity(r[k]) === 0) continue;
                  const ratio = parseQuantity(lim[k]) / parseQuantity(r[k]);
                  if (ratio > parseQuantity(v))
                    errors.push(`${k} max limit to request ratio per Container is ${show(v)}, but provided ratio is ${ratio.toFixed(6)}`);
                }
              }
            }
          }
        }
        if (errors.length) throw forbidden(req.type, req.name, errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);
        if (notes.length)
          pod.metadata.annotations = { ...pod.metadata.annotations, "kubernetes.io/limit-ranger": `LimitRanger plugin set: ${notes.join("; ")}` };
        const status = rec(pod.status);
        status.qosClass = qosClass(pod);
        pod.status = status;
      },
    });
    return () => {
      removeLR();
      removePod();
    };
  },
};
