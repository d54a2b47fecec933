/**
 * What runs against what Wharf applied. A cluster adds defaults (scheme,
 * periodSeconds, dnsPolicy ...), drops zero values (omitempty), writes
 * quantities in canonical form and other managers add fields of their own,
 * so "the same" means: every field Wharf rendered has the same value on the
 * cluster. A field Wharf never rendered is not Wharf's to judge (a rolling
 * restart's stamp, an autoscaler's replicas).
 *
 * Used for drift (a cluster that no longer runs the release Wharf last
 * applied there: `kubectl set image`, `kubectl edit`, `kubectl scale`), for
 * attributing ReplicaSets to releases by their pod template, and for showing
 * an approver what a release changes against what runs.
 */
import type { KubernetesObject, V1Deployment } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { CONTAINER } from "./render";
import type { EnvKind } from "./spec";

/** One field whose value differs: where, what the release has, what the cluster has. */
export interface Difference {
  path: string;
  want: unknown;
  have: unknown;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value Go's `omitempty` leaves out of the object the API server returns. */
function isZero(v: unknown): boolean {
  return v === 0 || v === false || v === "" || (Array.isArray(v) && v.length === 0) || (isPlain(v) && Object.keys(v).length === 0);
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number ("500m" = 0.5, "1Gi" = 1073741824), or undefined when it is not one. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? ""]!;
}

function sameScalar(want: unknown, have: unknown, inResources: boolean): boolean {
  if (want === have) return true;
  // The API server writes quantities canonically ("0.5" becomes "500m", "1024Mi" becomes "1Gi").
  if (inResources) {
    const a = quantityValue(want);
    const b = quantityValue(have);
    if (a !== undefined && b !== undefined) return Math.abs(a - b) <= Math.abs(a) * 1e-9;
  }
  return false;
}

/** Array elements with a name (containers, env, ports, volumes) are told apart by it. */
const nameOf = (v: unknown) => (isPlain(v) && typeof v.name === "string" ? v.name : undefined);

/**
 * The fields of `want` (what Wharf rendered) whose value on the cluster (`have`) differs. Fields only the
 * cluster has are not differences; a list must have the same length.
 */
export function differences(want: unknown, have: unknown, path = "", inResources = false): Difference[] {
  if ((have === undefined || have === null) && isZero(want)) return [];
  if (isPlain(want)) {
    if (!isPlain(have)) return [{ path, want, have }];
    return Object.entries(want).flatMap(([k, v]) =>
      differences(v, have[k], path ? `${path}.${k}` : k, inResources || k === "resources" || k === "resourceQuantities"),
    );
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return [{ path, want, have }];
    // Lists keyed by name (containers, env, ports) may come back in another order: server-side apply merges
    // them by key and keeps entries that were already there first.
    const byName = want.every((w) => nameOf(w) !== undefined) && have.every((h) => nameOf(h) !== undefined);
    return want.flatMap((w, i) => {
      const other = byName ? have.find((h) => nameOf(h) === nameOf(w)) : have[i];
      if (byName && other === undefined) return [{ path: `${path}[${nameOf(w)}]`, want: w, have: undefined }];
      return differences(w, other, `${path}[${nameOf(w) ?? i}]`, inResources);
    });
  }
  return sameScalar(want, have, inResources) ? [] : [{ path, want, have }];
}

/** A short phrase for a value in a sentence. */
function brief(v: unknown): string {
  if (v === undefined) return "(none)";
  if (typeof v === "string") return v;
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** "image registry/app:v2 → registry/app:v3-oob", "spec.replicas: 2 → 5": what changed, for people. */
export function describeDifference(d: Difference): string {
  const path = d.path.replace(/^spec\.template\.spec\.containers\[app\]\./, "").replace(/^spec\./, "");
  return `${path || "the object"}: ${brief(d.want)} → ${brief(d.have)}`;
}

/** What applying changes on a cluster, for people: "replicas: 2 → 3" (a difference read from the cluster's side). */
export function describeChange(d: Difference): string {
  return describeDifference({ path: d.path, want: d.have, have: d.want });
}

/** The Deployment of a release's objects for one cluster. */
export function deploymentOf(objects: KubernetesObject[]): (KubernetesObject & { spec?: Plain }) | undefined {
  return objects.find((o) => o.kind === "Deployment") as (KubernetesObject & { spec?: Plain }) | undefined;
}

/** Whether a pod template (of a ReplicaSet or Deployment) is the one a release rendered. */
export function templateMatches(rendered: { spec?: Plain } | undefined, template: unknown): boolean {
  const want = rendered?.spec?.template;
  return want !== undefined && differences(want, template).length === 0;
}

/** How a cluster's Deployment differs from what a release applied there; empty when it runs that release. */
export function deploymentDrift(rendered: { spec?: Plain } | undefined, live: V1Deployment | undefined): Difference[] {
  if (!rendered) return [];
  if (!live) return [{ path: "", want: "the Deployment", have: "nothing: it was deleted" }];
  return differences(rendered.spec, live.spec, "spec");
}

/** The image a Deployment (or rendered one) runs in Wharf's container. */
export function imageOf(d: { spec?: unknown } | undefined): string {
  const containers = (d?.spec as { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } | undefined)?.template?.spec?.containers;
  return (containers?.find((c) => c.name === CONTAINER) ?? containers?.[0])?.image ?? "";
}

/** The release Wharf last applied to a cluster (its apply step succeeded there), with the Deployment it applied. */
export interface AppliedRelease {
  id: string;
  serviceId: string;
  environment: EnvKind;
  clusterId: string;
  number: number;
  tag: string;
  image: string;
  status: string;
  deployment: (KubernetesObject & { spec?: Plain }) | null;
}

/**
 * Per service, environment and cluster: the newest release whose apply succeeded there. That is what
 * should run; a partial release (a cluster that did not answer) leaves that cluster's previous one.
 */
export async function lastAppliedReleases(serviceIds: string[], environment?: EnvKind): Promise<AppliedRelease[]> {
  if (serviceIds.length === 0) return [];
  const rows = await db().$queryRaw<(Omit<AppliedRelease, "deployment"> & { deployment: unknown })[]>`
    select distinct on (r."serviceId", r.environment, s."clusterId")
      r.id, r."serviceId", r.environment::text as environment, s."clusterId", r.number, r.tag, r.image, r.status::text as status,
      jsonb_path_query_first(
        r.manifests,
        '$[*] ? (@.clusterId == $c).objects[*] ? (@.kind == "Deployment")',
        jsonb_build_object('c', s."clusterId")
      ) as deployment
    from "Release" r
    join "ProvisioningStep" s on s."runId" = r."runId" and s.kind = 'release-apply' and s.status = 'succeeded'
    where r."serviceId" = any(${serviceIds}) and (${environment ?? null}::text is null or r.environment::text = ${environment ?? null})
    order by r."serviceId", r.environment, s."clusterId", r.number desc`;
  return rows.map((r) => ({ ...r, deployment: isPlain(r.deployment) ? (r.deployment as AppliedRelease["deployment"]) : null }));
}

/** A cluster's drift from its last applied release, for pages: which release, and what differs. */
export interface Drift {
  release: { id: string; number: number; tag: string };
  differences: string[];
}

/**
 * The drift of one cluster: its live Deployment against the release last applied there. Not drift: a
 * release in flight whose own Deployment is what runs (its apply succeeded a moment before its step was
 * recorded), or a cluster where Wharf never applied anything.
 */
export function driftOf(applied: AppliedRelease | undefined, live: V1Deployment | undefined, inFlight: { spec?: Plain }[] = []): Drift | undefined {
  if (!applied?.deployment) return undefined;
  const diffs = deploymentDrift(applied.deployment, live);
  if (diffs.length === 0) return undefined;
  if (live && inFlight.some((d) => deploymentDrift(d, live).length === 0)) return undefined;
  return { release: { id: applied.id, number: applied.number, tag: applied.tag }, differences: diffs.map(describeDifference) };
}

/**
 * The fields of a live object that `shape` (what Wharf renders) has: the object as Wharf would write it,
 * without the cluster's defaults, status and bookkeeping. List elements match by name, else by position;
 * an element the shape does not know is kept whole (something added outside Wharf).
 */
export function projectOnto(live: unknown, shape: unknown): unknown {
  if (isPlain(shape) && isPlain(live)) {
    const out: Plain = {};
    for (const k of Object.keys(shape)) {
      const v = live[k];
      if (v !== undefined && v !== null) out[k] = projectOnto(v, shape[k]);
    }
    return out;
  }
  if (Array.isArray(shape) && Array.isArray(live)) {
    const projected = live.map((el: unknown, i) => {
      const name = nameOf(el);
      const match = name !== undefined ? shape.find((s) => nameOf(s) === name) : shape[i];
      return match === undefined ? el : projectOnto(el, match);
    });
    // Named entries in the shape's order (the cluster may keep another), unknown ones after them.
    const rank = (el: unknown) => {
      const i = shape.findIndex((s) => nameOf(s) !== undefined && nameOf(s) === nameOf(el));
      return i < 0 ? shape.length : i;
    };
    return live.every((el) => nameOf(el) !== undefined) ? projected.sort((a, b) => rank(a) - rank(b)) : projected;
  }
  return live;
}

/** Every field either shape has (to project a live object onto what the old and the new release render). */
export function mergeShapes(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (isPlain(a) && isPlain(b)) {
    const out: Plain = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeShapes(a[k], v);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out = a.map((el, i) => {
      const name = nameOf(el);
      return mergeShapes(el, name !== undefined ? b.find((x) => nameOf(x) === name) : b[i]);
    });
    b.forEach((el, i) => {
      const name = nameOf(el);
      if (name !== undefined ? !a.some((x) => nameOf(x) === name) : i >= a.length) out.push(el);
    });
    return out;
  }
  return a;
}
