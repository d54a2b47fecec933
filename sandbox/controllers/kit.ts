/**
 * Shared helpers of the workload controllers: a keyed work queue with
 * delayed requeues, quantities, int-or-percent, template hashing, owner
 * references, conditions, pod predicates and a seeded PRNG.
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject, OwnerReference } from "../core/types.js";

export type Obj = Record<string, unknown>;
export const rec = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
export const arr = <T = Obj>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
export const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);
export const int = (v: unknown, d = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : d);

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function isoNow(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
/** RFC 3339 with nanosecond digits (log timestamps, MicroTime). */
export function isoNano(ms: number, extraNanos = 0): string {
  const base = new Date(Math.floor(ms)).toISOString(); // 2024-01-01T00:00:00.123Z
  const frac = String(Math.floor((ms % 1000) * 1e6) + extraNanos)
    .padStart(9, "0")
    .slice(0, 9);
  return `${base.slice(0, 19)}.${frac}Z`;
}

/** Runs `fn`, ignoring NotFound/Conflict/AlreadyExists (the object moved on; a later event retries). */
export function quietly<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isStatusError(e) && [404, 409].includes(e.code)) return undefined;
    throw e;
  }
}

// ------------------------------------------------------------------ work queue

/**
 * Keys are coalesced and handled on a later macrotask (never inside the store
 * listener that added them), a bounded number per turn so HTTP keeps flowing.
 * The handler may return a delay in ms to be called again for that key.
 */
export class WorkQueue {
  private dirty = new Set<string>();
  private timers = new Map<string, { at: number; t: NodeJS.Timeout }>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly handler: (key: string) => number | void,
    private readonly batch = 200,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    this.kick();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.t);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref?.();
    this.timers.set(key, { at, t });
  }

  get idle(): boolean {
    return this.dirty.size === 0 && !this.scheduled;
  }

  stop(): void {
    this.stopped = true;
    for (const { t } of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.dirty.clear();
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    let n = 0;
    for (const key of this.dirty) {
      if (n++ >= this.batch) break;
      this.dirty.delete(key);
      try {
        const again = this.handler(key);
        if (typeof again === "number" && again >= 0) this.addAfter(key, again);
      } catch (e) {
        if (isStatusError(e) && [404, 409].includes(e.code)) {
          this.addAfter(key, 50);
          continue;
        }
        console.error(`[sandbox] ${this.name} controller failed on ${key}:`, e);
        this.addAfter(key, 1000);
      }
    }
    if (this.dirty.size > 0) this.kick();
  }
}

export const nsKey = (o: KObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

// ------------------------------------------------------------------ quantities

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
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** A resource.Quantity string ("250m", "1.5", "512Mi", "1e3") as a number of base units. */
export function parseQuantity(q: unknown): number {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return 0;
  const m = /^([+-]?[0-9.]+)(e[+-]?\d+|E[+-]?\d+)?([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const base = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : 1);
  const mult = SUFFIX[m[3]];
  return mult === undefined ? 0 : base * mult;
}

export function isBinaryQuantity(q: unknown): boolean {
  return typeof q === "string" && /[KMGTPE]i$/.test(q.trim());
}

/** Canonical Quantity text (what Quantity.String() prints) for a value in base units. */
export function formatQuantity(v: number, binary = false): string {
  if (v === 0) return "0";
  const neg = v < 0 ? "-" : "";
  const a = Math.abs(v);
  if (binary && Number.isInteger(a) && a >= 1024) {
    for (const s of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
      const f = SUFFIX[s];
      if (a % f === 0) return `${neg}${a / f}${s}`;
    }
  }
  const milli = Math.round(a * 1000);
  if (milli % 1000 !== 0) return `${neg}${milli}m`;
  const whole = milli / 1000;
  for (const s of ["E", "P", "T", "G", "M", "k"]) {
    const f = SUFFIX[s];
    if (whole >= f && whole % f === 0) return `${neg}${whole / f}${s}`;
  }
  return `${neg}${whole}`;
}

/** Kubernetes' GetScaledValueFromIntOrPercent. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const m = /^(\d+)%$/.exec(v.trim());
    if (m) {
      const x = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(x) : Math.floor(x);
    }
    if (/^\d+$/.test(v.trim())) return Number(v);
  }
  return 0;
}

// ------------------------------------------------------------------ hashing and determinism

export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE = "bcdfghjklmnpqrstvwxz2456789";
/** rand.SafeEncodeString: what turns a hash into the `pod-template-hash` alphabet. */
export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE[s.charCodeAt(i) % SAFE.length];
  return out;
}

/** JSON with sorted keys, dropping undefined. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const o = v as Obj;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(",")}}`;
}

/** Drops nulls and empty maps/lists recursively (Go's omitempty view of a template). */
function pruneEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneEmpty);
  if (v && typeof v === "object") {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) {
      const p = pruneEmpty(x);
      if (p === null || p === undefined) continue;
      if (typeof p === "object" && !Array.isArray(p) && Object.keys(p).length === 0) continue;
      if (Array.isArray(p) && p.length === 0) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}

export const HASH_LABEL = "pod-template-hash";

/** A pod template normalised for comparison: no hash label, no creationTimestamp, no empty values. */
export function normalizedTemplate(tpl: unknown, dropLabel = HASH_LABEL): string {
  const t = structuredClone(rec(tpl));
  const md = rec(t.metadata);
  delete md.creationTimestamp;
  if (md.labels) {
    const labels = { ...(md.labels as Record<string, string>) };
    delete labels[dropLabel];
    md.labels = labels;
  }
  t.metadata = md;
  return stableStringify(pruneEmpty(t));
}

/** The controller's ComputeHash: FNV-32a of the template, safe-encoded. */
export function templateHash(tpl: unknown, collisionCount = 0): string {
  const h = fnv32a(normalizedTemplate(tpl) + (collisionCount ? `#${collisionCount}` : ""));
  return safeEncode(String(h));
}

/** Seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const seedOf = (...parts: (string | number)[]): number => fnv32a(parts.join("\u0000"));
/** A deterministic number in [0,1) for the given parts. */
export const unit = (...parts: (string | number)[]): number => prng(seedOf(...parts))();
export function hex(seed: number, len: number): string {
  const r = prng(seed);
  let s = "";
  while (s.length < len)
    s += Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, len);
}

// ------------------------------------------------------------------ owners

export function controllerRef(o: KObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownerRefTo(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Objects of `gr` whose controller is `owner`. */
export function ownedBy(store: Store, gr: string, owner: KObject): KObject[] {
  const uid = owner.metadata.uid ?? "";
  return store
    .dependentsOf(uid)
    .filter((d) => d.gr === gr && controllerRef(d.object)?.uid === uid)
    .map((d) => d.object);
}

// ------------------------------------------------------------------ conditions

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
  [k: string]: unknown;
}

export function getCondition(status: unknown, type: string): Condition | undefined {
  return arr<Condition>(rec(status).conditions).find((c) => c.type === type);
}

// ------------------------------------------------------------------ pods

export interface PodStatusView {
  phase?: string;
  conditions?: Condition[];
  containerStatuses?: Obj[];
}

export function podStatus(p: KObject): PodStatusView {
  return rec(p.status) as PodStatusView;
}

export function isPodReady(p: KObject): boolean {
  return getCondition(p.status, "Ready")?.status === "True";
}

/** Not terminal and not being deleted (controller.IsPodActive). */
export function isPodActive(p: KObject): boolean {
  const phase = podStatus(p).phase;
  return phase !== "Succeeded" && phase !== "Failed" && !p.metadata.deletionTimestamp;
}

export function isPodTerminal(p: KObject): boolean {
  const phase = podStatus(p).phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** Ready for at least minReadySeconds; returns [available, ms until it will be]. */
export function podAvailability(p: KObject, minReadySeconds: number, now = Date.now()): [boolean, number] {
  const c = getCondition(p.status, "Ready");
  if (c?.status !== "True") return [false, -1];
  if (minReadySeconds <= 0) return [true, 0];
  const since = Date.parse(c.lastTransitionTime ?? "") || now;
  const left = since + minReadySeconds * 1000 - now;
  return left <= 0 ? [true, 0] : [false, left];
}

export interface ContainerSpec {
  name: string;
  image: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  readinessProbe?: Obj;
  startupProbe?: Obj;
  livenessProbe?: Obj;
  [k: string]: unknown;
}

export function containersOf(p: KObject): ContainerSpec[] {
  return arr<ContainerSpec>(rec(p.spec).containers);
}
export function initContainersOf(p: KObject): ContainerSpec[] {
  return arr<ContainerSpec>(rec(p.spec).initContainers);
}

/** Effective pod requests (max of init containers vs sum of containers), base units. */
export function podRequests(p: KObject, field: "requests" | "limits" = "requests"): Map<string, number> {
  const sum = new Map<string, number>();
  for (const c of containersOf(p)) for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) sum.set(k, (sum.get(k) ?? 0) + parseQuantity(v));
  for (const c of initContainersOf(p)) for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) sum.set(k, Math.max(sum.get(k) ?? 0, parseQuantity(v)));
  return sum;
}

export function selectorOf(
  o: KObject,
): { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined {
  const s = rec(o.spec).selector;
  return s && typeof s === "object" ? (s as { matchLabels?: Record<string, string> }) : undefined;
}
