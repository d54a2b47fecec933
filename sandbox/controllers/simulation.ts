/**
 * The deterministic workload model behind the simulated kubelet, metrics
 * (metrics.k8s.io, /metrics), the HPA and the logs. Everything is a function
 * of the pod's name, the container, its image and wall-clock time, so two
 * requests agree and counters only grow while an instance runs.
 *
 * Failure modes come from the image tag (see README): `crash`, `oom`,
 * `nopull` / `does-not-exist`, `unready`, `slow`, `errors` (ready, but
 * 35-45% of requests answer 5xx), `latency` (ready, p99 of several seconds). The language flavour
 * (logs, JVM series) comes from the image name.
 *
 * Load can be steered with annotations on the pod or its owners (the
 * Deployment's annotations reach its ReplicaSet, hence its pods):
 *   sandbox.wharf.dev/cpu-utilization: "180"   per-pod CPU, percent of the request
 *   sandbox.wharf.dev/cpu-demand: "900m"        total CPU shared by the workload's running pods
 *   sandbox.wharf.dev/rps: "40"                 requests per second per pod (the log then writes one line per request)
 *   sandbox.wharf.dev/log-long-line-bytes: "70000"  every 10 s the log writes one line of that many bytes
 */
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { type ContainerSpec, containersOf, controllerRef, getCondition, parseQuantity, rec, seedOf, unit } from "./kit.js";

export type FailureMode = "none" | "crash" | "oom" | "nopull" | "unready" | "slow" | "errors" | "latency";
export type Lang = "java" | "node" | "python" | "nginx" | "generic";

export const ANNOTATION_CPU_UTIL = "sandbox.wharf.dev/cpu-utilization";
export const ANNOTATION_CPU_DEMAND = "sandbox.wharf.dev/cpu-demand";
export const ANNOTATION_RPS = "sandbox.wharf.dev/rps";
export const ANNOTATION_LOG_LONG_LINE = "sandbox.wharf.dev/log-long-line-bytes";
/** The longest line the long-line annotation makes (a real runtime would not write more in one line either). */
export const MAX_LONG_LINE_BYTES = 4 * 1024 * 1024;

export interface ImageRef {
  /** As written in the pod spec. */
  raw: string;
  /** Repository without tag/digest ("nginx", "ghcr.io/acme/orders"). */
  repo: string;
  tag: string;
  /** Fully qualified as containerd reports it ("docker.io/library/nginx:1.27"). */
  full: string;
}

export function parseImage(image: string): ImageRef {
  const at = image.indexOf("@");
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  const hasTag = colon > slash;
  const repo = hasTag ? noDigest.slice(0, colon) : noDigest;
  const tag = hasTag ? noDigest.slice(colon + 1) : at >= 0 ? "" : "latest";
  const first = repo.split("/")[0];
  const hasRegistry = repo.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const qualified = hasRegistry ? repo : repo.includes("/") ? `docker.io/${repo}` : `docker.io/library/${repo}`;
  return { raw: image, repo, tag, full: at >= 0 ? `${qualified}${image.slice(at)}` : `${qualified}:${tag}` };
}

export function failureMode(image: string): FailureMode {
  const { tag } = parseImage(image);
  const t = tag.toLowerCase();
  if (t.includes("nopull") || t === "does-not-exist") return "nopull";
  if (t.includes("crash")) return "crash";
  if (t.includes("oom")) return "oom";
  if (t.includes("unready")) return "unready";
  if (t.includes("slow")) return "slow";
  if (t.includes("errors")) return "errors";
  if (t.includes("latency")) return "latency";
  return "none";
}

export function languageOf(image: string): Lang {
  const tokens = new Set(
    parseImage(image)
      .repo.toLowerCase()
      .split(/[/._-]+/),
  );
  const any = (...w: string[]) => w.some((x) => tokens.has(x) || [...tokens].some((t) => t.startsWith(x) && x.length >= 4));
  if (any("java", "spring", "jvm", "kotlin", "quarkus", "openjdk", "temurin", "springboot")) return "java";
  if (any("node", "nodejs", "ts", "typescript", "next", "nextjs", "express", "nest", "nestjs", "deno", "bun")) return "node";
  if (any("python", "fastapi", "django", "flask", "py", "uvicorn", "gunicorn")) return "python";
  if (any("nginx", "httpd", "apache", "envoy", "haproxy", "caddy", "traefik")) return "nginx";
  return "generic";
}

// ------------------------------------------------------------------ failure timing (shared by kubelet and model)

/** How long instance `restart` of a crashing/OOM container runs before it dies, ms (before timeScale). */
export function crashAfterMs(podName: string, container: string, restart: number, mode: FailureMode): number {
  const u = unit(podName, container, restart, "crash-after");
  if (mode === "oom") return 6000 + u * 9000;
  return 1500 + u * 2500;
}

/** How long a `slow` container takes to become ready, ms (before timeScale). */
export function slowReadyMs(podName: string, container: string): number {
  return 20_000 + unit(podName, container, "slow") * 10_000;
}

/** kubelet's container restart back-off after `crashes` crashes, seconds (0 for the first restart). */
export function crashBackoffSeconds(crashes: number): number {
  if (crashes <= 1) return 0;
  return Math.min(10 * 2 ** (crashes - 2), 300);
}

/** kubelet's image pull back-off after `failures` failed pulls, seconds. */
export function pullBackoffSeconds(failures: number): number {
  return Math.min(10 * 2 ** Math.max(0, failures - 1), 300);
}

// ------------------------------------------------------------------ profiles

export interface ContainerProfile {
  lang: Lang;
  mode: FailureMode;
  seed: number;
  /** CPU request in millicores (100 when none). */
  cpuRequestM: number;
  cpuLimitM: number;
  memRequest: number;
  memLimit: number;
  /** Baseline CPU, fraction of the request. */
  baseUtil: number;
  /** Baseline requests per second. */
  rps: number;
  /** The rps came from the annotation: the log writes one line per request (an access log) instead of a sample. */
  rpsAnnotated: boolean;
  /** Bytes of the occasional over-long line (annotation), 0 for none. */
  longLineBytes: number;
  /** Median request latency, seconds. */
  latencyMedian: number;
  latencySigma: number;
  /** Share of requests answered 5xx. */
  errorRate: number;
  memBase: number;
}

const MiB = 1024 * 1024;

function annotationFromOwners(store: Store | undefined, pod: KObject, key: string): string | undefined {
  const own = pod.metadata.annotations?.[key];
  if (own !== undefined) return own;
  if (!store) return undefined;
  let cur: KObject | undefined = pod;
  for (let depth = 0; depth < 2 && cur; depth++) {
    const ref = controllerRef(cur);
    if (!ref) return undefined;
    const gr =
      ref.kind === "ReplicaSet"
        ? "apps/replicasets"
        : ref.kind === "StatefulSet"
          ? "apps/statefulsets"
          : ref.kind === "Deployment"
            ? "apps/deployments"
            : undefined;
    if (!gr) return undefined;
    cur = store.get(gr, pod.metadata.namespace, ref.name);
    const v = cur?.metadata.annotations?.[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Number of running pods sharing the pod's top-level owner (for cpu-demand). */
function workloadPods(store: Store, pod: KObject): number {
  const ref = controllerRef(pod);
  if (!ref) return 1;
  let ownerUid = ref.uid;
  if (ref.kind === "ReplicaSet") {
    const rs = store.getByUid(ref.uid);
    const dref = rs ? controllerRef(rs) : undefined;
    if (dref) ownerUid = dref.uid;
  }
  let n = 0;
  const count = (uid: string) => {
    for (const d of store.dependentsOf(uid)) {
      if (d.gr === "/pods") {
        if (rec(d.object.status).phase === "Running" && !d.object.metadata.deletionTimestamp) n++;
      } else if (d.gr === "apps/replicasets") count(d.object.metadata.uid ?? "");
    }
  };
  count(ownerUid);
  return Math.max(1, n);
}

const cache = new Map<string, { at: number; p: ContainerProfile }>();

export function containerProfile(pod: KObject, c: ContainerSpec, store?: Store): ContainerProfile {
  const key = `${pod.metadata.uid ?? pod.metadata.name ?? ""}/${c.name}`;
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && now - hit.at < 2000) return hit.p;
  const name = pod.metadata.name ?? "";
  const lang = languageOf(c.image);
  const mode = failureMode(c.image);
  const seed = seedOf(name, c.name);
  const u = (k: string) => unit(name, c.name, k);
  const req = rec(c.resources?.requests);
  const lim = rec(c.resources?.limits);
  const cpuRequestM = Math.round(parseQuantity(req.cpu ?? lim.cpu ?? "100m") * 1000) || 100;
  const cpuLimitM = Math.round(parseQuantity(lim.cpu) * 1000);
  const memRequest = parseQuantity(req.memory ?? lim.memory);
  const memLimit = parseQuantity(lim.memory);
  let baseUtil = (lang === "java" ? 0.25 : 0.12) + u("util") * 0.3;
  const utilAnn = annotationFromOwners(store, pod, ANNOTATION_CPU_UTIL);
  if (utilAnn !== undefined && Number.isFinite(Number(utilAnn))) baseUtil = Number(utilAnn) / 100;
  const demandAnn = store ? annotationFromOwners(store, pod, ANNOTATION_CPU_DEMAND) : undefined;
  if (demandAnn !== undefined && store) baseUtil = (parseQuantity(demandAnn) * 1000) / workloadPods(store, pod) / cpuRequestM;
  let rps = (lang === "nginx" ? 8 : 1.5) + u("rps") * (lang === "nginx" ? 30 : 12);
  const rpsAnn = annotationFromOwners(store, pod, ANNOTATION_RPS);
  const rpsAnnotated = rpsAnn !== undefined && rpsAnn.trim() !== "" && Number.isFinite(Number(rpsAnn)) && Number(rpsAnn) >= 0;
  if (rpsAnnotated) rps = Number(rpsAnn);
  const longAnn = Number(annotationFromOwners(store, pod, ANNOTATION_LOG_LONG_LINE) ?? 0);
  const longLineBytes = Number.isFinite(longAnn) && longAnn > 0 ? Math.min(Math.floor(longAnn), MAX_LONG_LINE_BYTES) : 0;
  const memBaseByLang: Record<Lang, [number, number]> = { java: [320, 280], node: [90, 110], python: [110, 140], nginx: [6, 14], generic: [24, 60] };
  const [mb, mr] = memBaseByLang[lang];
  let memBase = (mb + u("mem") * mr) * MiB;
  if (memLimit > 0) memBase = Math.min(memBase, memLimit * 0.7);
  const errorRate = {
    none: 0.002 + u("err") * 0.006,
    slow: 0.02,
    crash: 0.3,
    oom: 0.08,
    unready: 1,
    nopull: 0,
    errors: 0.35 + u("err") * 0.1,
    latency: 0.02,
  }[mode];
  // `latency`: median 0.6-0.8 s with a wide spread, so p99 lands at 3-6 s (log-normal: median x e^(2.33 sigma))
  const latencyMedian =
    (lang === "nginx" ? 0.004 : 0.018) + u("lat") * (lang === "nginx" ? 0.01 : 0.06) + (mode === "slow" ? 0.25 : mode === "latency" ? 0.6 : 0);
  const p: ContainerProfile = {
    lang,
    mode,
    seed,
    cpuRequestM,
    cpuLimitM,
    memRequest,
    memLimit,
    baseUtil,
    rps,
    rpsAnnotated,
    longLineBytes,
    latencyMedian,
    latencySigma: mode === "latency" ? 0.75 + u("sig") * 0.1 : 0.55 + u("sig") * 0.35,
    errorRate,
    memBase,
  };
  cache.set(key, { at: now, p });
  if (cache.size > 20_000) cache.clear();
  return p;
}

// ------------------------------------------------------------------ instances from pod status

export interface Instance {
  /** ms */
  startedAt: number;
  /** ms when it ended (terminated instances), else undefined */
  finishedAt?: number;
  /** ms since the pod has been Ready (running instances that are ready) */
  readySince?: number;
  restart: number;
}

export function containerStatusOf(pod: KObject, container: string): Record<string, unknown> | undefined {
  const list = [
    ...((rec(pod.status).containerStatuses as unknown[] | undefined) ?? []),
    ...((rec(pod.status).initContainerStatuses as unknown[] | undefined) ?? []),
  ];
  return list.map(rec).find((s) => s.name === container);
}

/** The running instance of a container (from pod status), if any. */
export function runningInstance(pod: KObject, container: string): Instance | undefined {
  const cs = containerStatusOf(pod, container);
  const running = rec(rec(cs?.state).running);
  const started = Date.parse(String(running.startedAt ?? ""));
  if (!cs || !Number.isFinite(started)) return undefined;
  const ready = getCondition(pod.status, "Ready");
  const readySince = cs.ready === true ? Math.max(started, Date.parse(ready?.lastTransitionTime ?? "") || started) : undefined;
  return { startedAt: started, restart: Number(cs.restartCount ?? 0), ...(readySince !== undefined ? { readySince } : {}) };
}

// ------------------------------------------------------------------ time series

const TWO_PI = Math.PI * 2;
const P1 = 600;
const P2 = 97;

/** Instantaneous CPU in millicores. */
export function cpuMillis(p: ContainerProfile, inst: Instance | undefined, now = Date.now()): number {
  if (!inst) return 0;
  const t = now / 1000;
  const ph1 = ((p.seed % 1000) / 1000) * TWO_PI;
  const ph2 = (((p.seed >>> 10) % 1000) / 1000) * TWO_PI;
  let util = p.baseUtil * (1 + 0.12 * Math.sin((TWO_PI * t) / P1 + ph1) + 0.05 * Math.sin((TWO_PI * t) / P2 + ph2));
  const age = (now - inst.startedAt) / 1000;
  if (p.lang === "java" && age < 20) util += 0.8 * (1 - age / 20); // JIT warm-up
  if (p.mode === "crash") util = Math.max(util, 0.6);
  let m = util * p.cpuRequestM;
  if (p.cpuLimitM > 0) m = Math.min(m, p.cpuLimitM);
  return Math.max(0.5, m);
}

/** Cumulative CPU seconds of the instance (integral of cpuMillis without the short-lived extras). */
export function cpuSeconds(p: ContainerProfile, inst: Instance | undefined, now = Date.now()): number {
  if (!inst) return 0;
  const s = inst.startedAt / 1000;
  const e = (inst.finishedAt ?? now) / 1000;
  if (e <= s) return 0;
  const ph1 = ((p.seed % 1000) / 1000) * TWO_PI;
  const ph2 = (((p.seed >>> 10) % 1000) / 1000) * TWO_PI;
  const w1 = TWO_PI / P1;
  const w2 = TWO_PI / P2;
  const integ = (t: number) => t - (0.12 / w1) * Math.cos(w1 * t + ph1) - (0.05 / w2) * Math.cos(w2 * t + ph2);
  let util = p.baseUtil;
  if (p.mode === "crash") util = Math.max(util, 0.6);
  let v = ((util * p.cpuRequestM) / 1000) * (integ(e) - integ(s));
  if (p.lang === "java") v += ((0.8 * p.cpuRequestM) / 1000) * Math.min(e - s, 20) * (1 - Math.min(e - s, 20) / 40);
  return Math.max(0, v);
}

/** Working set bytes. `oomAt` (ms) makes memory climb to the limit. */
export function memoryBytes(p: ContainerProfile, inst: Instance | undefined, now = Date.now(), oomAt?: number): number {
  if (!inst) return 0;
  const age = Math.max(0, (now - inst.startedAt) / 1000);
  let m = p.memBase * (1 + 0.08 * Math.min(1, age / 600));
  if (p.lang === "java") {
    const gcPeriod = 20 + (p.seed % 40);
    m += p.memBase * 0.25 * ((age % gcPeriod) / gcPeriod);
  } else {
    m += p.memBase * 0.03 * Math.sin(age / 30 + (p.seed % 7));
  }
  if (p.mode === "oom") {
    const limit = p.memLimit > 0 ? p.memLimit : 512 * MiB;
    const end = oomAt ?? inst.startedAt + 10_000;
    const f = Math.min(1, (now - inst.startedAt) / Math.max(1, end - inst.startedAt));
    m = p.memBase + (limit - p.memBase) * f;
  }
  if (p.memLimit > 0) m = Math.min(m, p.memLimit);
  return Math.round(m);
}

/** Requests served by the instance so far (float; callers floor it). */
export function requestsTotal(p: ContainerProfile, inst: Instance | undefined, now = Date.now()): number {
  if (!inst) return 0;
  if (p.mode === "unready") return Math.max(0, (now - inst.startedAt) / 10_000); // kubelet probes only
  const from = inst.readySince;
  if (from === undefined) return 0;
  const s = from / 1000;
  const e = (inst.finishedAt ?? now) / 1000;
  if (e <= s) return 0;
  const w = TWO_PI / 3600;
  const ph = (((p.seed >>> 5) % 1000) / 1000) * TWO_PI;
  const integ = (t: number) => t - (0.3 / w) * Math.cos(w * t + ph);
  return Math.max(0, p.rps * (integ(e) - integ(s)));
}

/** Standard normal CDF (Abramowitz-Stegun). */
function phi(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989423 * Math.exp((-x * x) / 2);
  const q = d * t * (0.3193815 + t * (-0.3565638 + t * (1.781478 + t * (-1.821256 + t * 1.330274))));
  return x > 0 ? 1 - q : q;
}

/** Share of requests at or below `le` seconds (log-normal latency). */
export function latencyCdf(p: ContainerProfile, le: number): number {
  return phi((Math.log(le) - Math.log(p.latencyMedian)) / p.latencySigma);
}
export function latencyMean(p: ContainerProfile): number {
  return p.latencyMedian * Math.exp((p.latencySigma * p.latencySigma) / 2);
}

/** [method, code, share] of the traffic. */
export function trafficMix(p: ContainerProfile): [string, string, number][] {
  if (p.mode === "unready") return [["GET", "503", 1]];
  const e = p.errorRate;
  const ok = 1 - e - 0.01;
  return [
    ["GET", "200", 0.75 * ok],
    ["GET", "404", 0.01],
    ["GET", "500", 0.75 * e * 0.7],
    ["GET", "503", 0.75 * e * 0.3],
    ["POST", "201", 0.15 * ok],
    ["POST", "500", 0.15 * e],
    ["PUT", "200", 0.06 * ok],
    ["PUT", "500", 0.06 * e],
    ["DELETE", "204", 0.04 * ok],
    ["DELETE", "500", 0.04 * e],
  ];
}

/** Containers of a pod paired with their profiles. */
export function podProfiles(pod: KObject, store?: Store): { c: ContainerSpec; p: ContainerProfile }[] {
  return containersOf(pod).map((c) => ({ c, p: containerProfile(pod, c, store) }));
}
