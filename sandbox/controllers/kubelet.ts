/**
 * The simulated kubelet of every node: runs pods bound to a node through
 * Pending/ContainerCreating -> Running -> Ready, writes a kubelet-like pod
 * status (conditions, containerStatuses, podIP/hostIP, startTime), emits the
 * kubelet's events (Pulling, Pulled, Created, Started, Killing, BackOff,
 * Failed, Unhealthy), models probes as delays, plays the failure modes chosen
 * by image tag (crash, oom, nopull/does-not-exist, unready, slow), and
 * removes Terminating pods after their (scaled) grace period.
 *
 * It also installs the pod graceful-deletion hook and the metrics.k8s.io,
 * pods/log and /metrics providers of the cluster.
 */
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "./events.js";
import {
  arr,
  type Condition,
  type ContainerSpec,
  containersOf,
  hex,
  initContainersOf,
  int,
  isoNow,
  isPodTerminal,
  nsKey,
  type Obj,
  quietly,
  rec,
  seedOf,
  str,
  unit,
} from "./kit.js";
import { createLogProvider } from "./logs.js";
import type { ResolvedSimulationOptions } from "./options.js";
import { createPrometheusProvider } from "./prometheus.js";
import { type ScriptedStep, scriptOf, scriptTimeline, type StepWindow } from "./script.js";
import {
  containerProfile,
  cpuMillis,
  crashAfterMs,
  crashBackoffSeconds,
  failureMode,
  type FailureMode,
  type ImageRef,
  memoryBytes,
  parseImage,
  pullBackoffSeconds,
  runningInstance,
  slowReadyMs,
} from "./simulation.js";
import type { Controller } from "./types.js";
import type { MetricsProvider, NodeMetricsSample, PodMetricsSample } from "../server/metrics.js";

type CPhase = "creating" | "pullFailed" | "pullBackoff" | "running" | "terminated" | "crashBackoff" | "completed";

interface TermInfo {
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
  containerID: string;
}

interface CState {
  spec: ContainerSpec;
  name: string;
  init: boolean;
  mode: FailureMode;
  image: ImageRef;
  phase: CPhase;
  nextAt: number;
  restartCount: number;
  crashes: number;
  pullFailures: number;
  pulled: boolean;
  everRan: boolean;
  startedAt?: number;
  readyAt: number;
  startupAt: number;
  crashAt: number;
  completeAt: number;
  probeFailAt: number;
  ready: boolean;
  started: boolean;
  containerID?: string;
  terminated?: TermInfo;
  lastTerminated?: TermInfo;
  waiting?: { reason: string; message?: string };
  /** Scripted containers (Tekton steps): when this one runs and how it exits. */
  window?: StepWindow;
}

interface PState {
  key: string;
  uid: string;
  namespace: string;
  name: string;
  node: string;
  restartPolicy: string;
  boundAt: number;
  startDelay: number;
  podIP: string;
  hostIP: string;
  init: CState[];
  main: CState[];
  mainStarted: boolean;
  begun: boolean;
  timer?: NodeJS.Timeout;
  timerAt: number;
  deleting: boolean;
  removeAt: number;
  /** The pod's script (see script.ts), when its creator wrote one. */
  script?: ScriptedStep[];
}

interface NodeState {
  prefix: string;
  hostIP: string;
  usedIPs: Set<number>;
  nextIP: number;
  images: Set<string>;
}

const INF = Number.POSITIVE_INFINITY;

function probeSeconds(probe: unknown, field: string, dflt: number): number {
  const v = rec(probe)[field];
  return typeof v === "number" ? v : dflt;
}

class Kubelet {
  private readonly pods = new Map<string, PState>();
  private readonly nodes = new Map<string, NodeState>();
  private readonly recorder: EventRecorder;
  private stopped = false;

  constructor(
    private readonly store: Store,
    readonly options: ResolvedSimulationOptions,
  ) {
    this.recorder = new EventRecorder(store, "kubelet", options.events);
  }

  /** Simulated seconds -> wall ms. */
  private scaled(ms: number): number {
    return ms * this.options.timeScale;
  }
  /** Same, with a floor so failure loops never spin. */
  private scaledMin(ms: number): number {
    return Math.max(25, ms * this.options.timeScale);
  }

  // ---------------------------------------------------------------- nodes

  onNode(n: KObject | undefined, name: string): void {
    if (!n) {
      this.nodes.delete(name);
      return;
    }
    const cidr = str(rec(n.spec).podCIDR, "10.244.0.0/24");
    const prefix = cidr.split("/")[0].split(".").slice(0, 3).join(".");
    const hostIP = str(arr(rec(n.status).addresses).find((a) => a.type === "InternalIP")?.address, "10.0.0.10");
    const cur = this.nodes.get(name);
    if (cur) {
      cur.prefix = prefix;
      cur.hostIP = hostIP;
    } else this.nodes.set(name, { prefix, hostIP, usedIPs: new Set(), nextIP: 2, images: new Set() });
  }

  managesNode(name: string): boolean {
    return this.nodes.has(name);
  }

  private allocateIP(ns: NodeState, wanted?: string): string {
    if (wanted?.startsWith(`${ns.prefix}.`)) {
      const n = Number(wanted.split(".")[3]);
      ns.usedIPs.add(n);
      return wanted;
    }
    for (let i = 0; i < 253; i++) {
      const n = ((ns.nextIP - 2 + i) % 253) + 2;
      if (!ns.usedIPs.has(n)) {
        ns.usedIPs.add(n);
        ns.nextIP = n + 1;
        return `${ns.prefix}.${n}`;
      }
    }
    return `${ns.prefix}.${2 + Math.floor(Math.random() * 253)}`;
  }

  private releaseIP(ps: PState): void {
    const ns = this.nodes.get(ps.node);
    if (ns && ps.podIP.startsWith(`${ns.prefix}.`)) ns.usedIPs.delete(Number(ps.podIP.split(".")[3]));
  }

  // ---------------------------------------------------------------- pods

  onPod(p: KObject): void {
    if (this.stopped) return;
    const key = nsKey(p);
    const node = str(rec(p.spec).nodeName);
    let ps = this.pods.get(key);
    if (ps && ps.uid !== p.metadata.uid) {
      this.forget(ps);
      ps = undefined;
    }
    if (!node || !this.nodes.has(node)) return;
    if (!ps) {
      if (isPodTerminal(p) && !p.metadata.deletionTimestamp) return;
      ps = this.adopt(p, node);
      this.pods.set(key, ps);
    }
    if (p.metadata.deletionTimestamp && !ps.deleting) this.beginDeletion(ps, p);
    this.schedule(ps, Date.now());
  }

  onPodDeleted(p: KObject): void {
    const ps = this.pods.get(nsKey(p));
    if (ps && ps.uid === p.metadata.uid) this.forget(ps);
  }

  private forget(ps: PState): void {
    if (ps.timer) clearTimeout(ps.timer);
    this.releaseIP(ps);
    this.pods.delete(ps.key);
  }

  stop(): void {
    this.stopped = true;
    for (const ps of this.pods.values()) if (ps.timer) clearTimeout(ps.timer);
  }

  private newContainer(spec: ContainerSpec, init: boolean, podHasInits: boolean): CState {
    return {
      spec,
      name: spec.name,
      init,
      mode: failureMode(spec.image),
      image: parseImage(spec.image),
      phase: "creating",
      nextAt: INF,
      restartCount: 0,
      crashes: 0,
      pullFailures: 0,
      pulled: false,
      everRan: false,
      readyAt: INF,
      startupAt: INF,
      crashAt: INF,
      completeAt: INF,
      probeFailAt: INF,
      ready: false,
      started: false,
      waiting: { reason: init || podHasInits ? "PodInitializing" : "ContainerCreating" },
    };
  }

  private adopt(p: KObject, node: string): PState {
    const [lo, hi] = this.options.podStartDelayMs;
    const name = p.metadata.name ?? "";
    const ns = this.nodes.get(node) as NodeState;
    const status = rec(p.status);
    const ps: PState = {
      key: nsKey(p),
      uid: p.metadata.uid ?? "",
      namespace: p.metadata.namespace ?? "",
      name,
      node,
      restartPolicy: str(rec(p.spec).restartPolicy, "Always"),
      boundAt: Date.parse(str(status.startTime)) || Date.now(),
      startDelay: lo + unit(name, "start-delay") * (hi - lo),
      podIP: this.allocateIP(ns, str(status.podIP) || undefined),
      hostIP: ns.hostIP,
      init: initContainersOf(p).map((c) => this.newContainer(c, true, true)),
      main: containersOf(p).map((c) => this.newContainer(c, false, initContainersOf(p).length > 0)),
      mainStarted: false,
      begun: false,
      timerAt: INF,
      deleting: false,
      removeAt: INF,
      ...(scriptOf(p) ? { script: scriptOf(p) } : {}),
    };
    const now = Date.now();
    // restored from a snapshot (or a sandbox restart): keep running containers running
    const statuses = arr(status.containerStatuses);
    const running = status.phase === "Running" && ps.main.every((c) => statuses.some((s) => s.name === c.name && rec(s.state).running));
    if (running) {
      ps.mainStarted = true;
      ps.begun = true;
      for (const c of ps.init) {
        c.phase = "completed";
        c.everRan = true;
        c.waiting = undefined;
        c.terminated = { exitCode: 0, reason: "Completed", startedAt: ps.boundAt, finishedAt: ps.boundAt, containerID: this.containerID(ps, c) };
      }
      for (const c of ps.main) {
        const s = statuses.find((x) => x.name === c.name) as Obj;
        c.restartCount = int(s.restartCount);
        c.pulled = true;
        this.startContainer(ps, c, Date.parse(str(rec(rec(s.state).running).startedAt)) || now, p, false);
        if (c.crashAt < now) c.crashAt = now + this.scaledMin(crashAfterMs(name, c.name, c.restartCount, c.mode));
      }
      return ps;
    }
    // otherwise (re)start the lifecycle, keeping what the status already counted
    for (const c of ps.main) {
      const st = statuses.find((x) => x.name === c.name);
      if (!st) continue;
      c.restartCount = int(st.restartCount);
      c.crashes = c.mode === "crash" || c.mode === "oom" ? c.restartCount : 0;
      const last = rec(rec(st.lastState).terminated);
      if (last.finishedAt) {
        c.lastTerminated = {
          exitCode: int(last.exitCode),
          reason: str(last.reason, "Error"),
          startedAt: Date.parse(str(last.startedAt)) || now,
          finishedAt: Date.parse(str(last.finishedAt)) || now,
          containerID: str(last.containerID),
        };
      }
    }
    ps.boundAt = now;
    return ps;
  }

  // ---------------------------------------------------------------- timeline

  private containerID(ps: PState, c: CState): string {
    return `containerd://${hex(seedOf(ps.uid, c.name, c.restartCount), 64)}`;
  }

  private imageID(c: CState): string {
    return `${c.image.full.replace(/:[^:/@]+$/, "").replace(/@.*$/, "")}@sha256:${hex(seedOf(c.image.full), 64)}`;
  }

  private ev(ps: PState, pod: KObject, c: CState | undefined, type: "Normal" | "Warning", reason: string, message: string): void {
    const idx = c ? (c.init ? ps.init : ps.main).indexOf(c) : -1;
    const fieldPath = c ? `spec.${c.init ? "initContainers" : "containers"}{${c.name}}` : undefined;
    void idx;
    this.recorder.event(pod, type, reason, message, { host: ps.node, ...(fieldPath ? { fieldPath } : {}) });
  }

  private needsPull(ps: PState, c: CState): boolean {
    const policy = str(c.spec.imagePullPolicy, c.image.tag === "latest" ? "Always" : "IfNotPresent");
    if (c.mode === "nopull") return true;
    if (policy === "Never") return false;
    if (policy === "Always") return true;
    return !this.nodes.get(ps.node)?.images.has(c.image.raw);
  }

  private enterCreating(ps: PState, c: CState, at: number, pod: KObject): void {
    c.phase = "creating";
    if (!c.init) c.waiting = { reason: "ContainerCreating" };
    if (this.needsPull(ps, c)) this.ev(ps, pod, c, "Normal", "Pulling", `Pulling image "${c.image.raw}"`);
    c.nextAt = at + ps.startDelay;
  }

  private startContainer(ps: PState, c: CState, at: number, pod: KObject, events: boolean): void {
    if (events) {
      this.ev(ps, pod, c, "Normal", "Created", `Created container: ${c.name}`);
      this.ev(ps, pod, c, "Normal", "Started", `Started container ${c.name}`);
    }
    c.phase = "running";
    c.everRan = true;
    c.startedAt = at;
    c.containerID = this.containerID(ps, c);
    c.waiting = undefined;
    c.terminated = undefined;
    c.nextAt = INF;
    const ms = (s: number) => this.scaled(s * 1000);
    const startup = c.spec.startupProbe;
    c.startupAt = startup ? at + ms(probeSeconds(startup, "initialDelaySeconds", 0) + probeSeconds(startup, "periodSeconds", 10)) : at;
    const readiness = c.spec.readinessProbe;
    if (c.init) c.readyAt = INF;
    else if (c.mode === "unready") c.readyAt = INF;
    else if (c.mode === "slow") c.readyAt = Math.max(c.startupAt, at + this.scaledMin(slowReadyMs(ps.name, c.name)));
    else c.readyAt = Math.max(c.startupAt, readiness ? at + ms(probeSeconds(readiness, "initialDelaySeconds", 0)) : at);
    c.crashAt = c.mode === "crash" || c.mode === "oom" ? at + this.scaledMin(crashAfterMs(ps.name, c.name, c.restartCount, c.mode)) : INF;
    c.completeAt = c.init ? at + this.scaledMin(1000 + unit(ps.name, c.name, "init") * 2000) : INF;
    c.window = !c.init && ps.script ? scriptTimeline(ps.script, at).get(c.name) : undefined;
    if (c.window) {
      c.completeAt = c.window.end;
      c.readyAt = at;
    }
    c.probeFailAt =
      c.mode === "unready"
        ? Math.max(c.startupAt, at + ms(probeSeconds(readiness, "initialDelaySeconds", 0))) +
          this.scaledMin(probeSeconds(readiness, "periodSeconds", 10) * 1000)
        : INF;
    c.started = c.startupAt <= at;
    c.ready = c.readyAt <= at;
  }

  private restart(ps: PState, c: CState, at: number, pod: KObject): void {
    c.lastTerminated = c.terminated ?? c.lastTerminated;
    c.restartCount += 1;
    if (this.needsPull(ps, c)) {
      this.ev(ps, pod, c, "Normal", "Pulling", `Pulling image "${c.image.raw}"`);
      this.ev(
        ps,
        pod,
        c,
        "Normal",
        "Pulled",
        `Successfully pulled image "${c.image.raw}" in ${Math.round(ps.startDelay)}ms (${Math.round(ps.startDelay)}ms including waiting). Image size: ${this.imageSize(c)} bytes.`,
      );
    } else this.ev(ps, pod, c, "Normal", "Pulled", `Container image "${c.image.raw}" already present on machine`);
    this.startContainer(ps, c, at, pod, true);
  }

  private imageSize(c: CState): number {
    return 5_000_000 + Math.floor(unit(c.image.full, "size") * 300_000_000);
  }

  private pullError(c: CState): string {
    const f = c.image.full;
    return `rpc error: code = NotFound desc = failed to pull and unpack image "${f}": failed to resolve reference "${f}": ${f}: not found`;
  }

  /** One transition of a container that is due at `at`. */
  private step(ps: PState, c: CState, at: number, pod: KObject): void {
    switch (c.phase) {
      case "creating": {
        if (c.mode === "nopull") {
          c.pullFailures += 1;
          const err = this.pullError(c);
          this.ev(ps, pod, c, "Warning", "Failed", `Failed to pull image "${c.image.raw}": ${err}`);
          this.ev(ps, pod, c, "Warning", "Failed", "Error: ErrImagePull");
          c.waiting = { reason: "ErrImagePull", message: err };
          c.phase = "pullFailed";
          const backoff = this.scaledMin(pullBackoffSeconds(c.pullFailures) * 1000);
          c.nextAt = at + Math.min(this.scaledMin(2000), backoff / 2);
          c.completeAt = at + backoff; // retry time
          return;
        }
        if (this.needsPull(ps, c)) {
          this.ev(
            ps,
            pod,
            c,
            "Normal",
            "Pulled",
            `Successfully pulled image "${c.image.raw}" in ${Math.round(ps.startDelay)}ms (${Math.round(ps.startDelay)}ms including waiting). Image size: ${this.imageSize(c)} bytes.`,
          );
          this.nodes.get(ps.node)?.images.add(c.image.raw);
        } else this.ev(ps, pod, c, "Normal", "Pulled", `Container image "${c.image.raw}" already present on machine`);
        c.pulled = true;
        this.startContainer(ps, c, at, pod, true);
        return;
      }
      case "pullFailed": {
        c.phase = "pullBackoff";
        c.waiting = { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image.raw}"` };
        this.ev(ps, pod, c, "Normal", "BackOff", `Back-off pulling image "${c.image.raw}"`);
        this.ev(ps, pod, c, "Warning", "Failed", "Error: ImagePullBackOff");
        c.nextAt = Math.max(at, c.completeAt);
        c.completeAt = INF;
        return;
      }
      case "pullBackoff":
        this.ev(ps, pod, c, "Normal", "Pulling", `Pulling image "${c.image.raw}"`);
        c.phase = "creating";
        c.nextAt = at + Math.max(this.scaledMin(500), ps.startDelay);
        return;
      case "running": {
        if (c.completeAt <= at && c.window) {
          // a scripted step ends: exit code as scripted, terminated.startedAt when the step itself began (Tekton's entrypoint reports it)
          const w = c.window;
          c.phase = "terminated";
          c.terminated = {
            exitCode: w.exitCode,
            reason: w.exitCode === 0 ? "Completed" : "Error",
            startedAt: w.start,
            finishedAt: at,
            containerID: c.containerID ?? "",
          };
          c.completeAt = INF;
          c.ready = false;
          c.started = false;
          c.nextAt = ps.restartPolicy === "Never" ? INF : at + this.scaledMin(1000);
          return;
        }
        if (c.completeAt <= at) {
          c.phase = "completed";
          c.terminated = { exitCode: 0, reason: "Completed", startedAt: c.startedAt ?? at, finishedAt: at, containerID: c.containerID ?? "" };
          c.completeAt = INF;
          c.ready = false;
          this.afterInit(ps, c, at, pod);
          return;
        }
        if (c.crashAt <= at) {
          const oom = c.mode === "oom";
          c.terminated = {
            exitCode: oom ? 137 : 1,
            reason: oom ? "OOMKilled" : "Error",
            startedAt: c.startedAt ?? at,
            finishedAt: c.crashAt,
            containerID: c.containerID ?? "",
          };
          c.crashes += 1;
          c.ready = false;
          c.started = false;
          c.phase = "terminated";
          c.crashAt = INF;
          c.readyAt = INF;
          c.probeFailAt = INF;
          c.nextAt = ps.restartPolicy === "Never" ? INF : at + this.scaledMin(1000);
          return;
        }
        if (c.startupAt <= at && !c.started) {
          c.started = true;
          c.startupAt = INF;
        }
        if (c.readyAt <= at && !c.ready) {
          c.ready = true;
          c.readyAt = INF;
        }
        if (c.probeFailAt <= at) {
          this.ev(ps, pod, c, "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503");
          c.probeFailAt = at + this.scaledMin(probeSeconds(c.spec.readinessProbe, "periodSeconds", 10) * 1000);
        }
        return;
      }
      case "terminated": {
        const backoff = crashBackoffSeconds(c.crashes);
        if (backoff === 0) {
          this.restart(ps, c, at, pod);
          return;
        }
        c.phase = "crashBackoff";
        c.lastTerminated = c.terminated;
        c.terminated = undefined;
        c.waiting = {
          reason: "CrashLoopBackOff",
          message: `back-off ${backoff}s restarting failed container=${c.name} pod=${ps.name}_${ps.namespace}(${ps.uid})`,
        };
        this.ev(ps, pod, c, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${ps.name}_${ps.namespace}(${ps.uid})`);
        c.nextAt = Math.max(at, (c.lastTerminated?.finishedAt ?? at) + this.scaledMin(backoff * 1000));
        return;
      }
      case "crashBackoff":
        this.restart(ps, c, at, pod);
        return;
      case "completed":
        c.nextAt = INF;
        return;
    }
  }

  private afterInit(ps: PState, done: CState, at: number, pod: KObject): void {
    const i = ps.init.indexOf(done);
    const next = ps.init[i + 1];
    if (next) this.enterCreating(ps, next, at, pod);
    else this.startMain(ps, at, pod);
  }

  private startMain(ps: PState, at: number, pod: KObject): void {
    ps.mainStarted = true;
    for (const c of ps.main) this.enterCreating(ps, c, at, pod);
  }

  private dueAt(c: CState): number {
    if (c.phase === "running") return Math.min(c.completeAt, c.crashAt, c.started ? INF : c.startupAt, c.ready ? INF : c.readyAt, c.probeFailAt);
    return c.nextAt;
  }

  private advance(ps: PState, pod: KObject, now: number): void {
    if (!ps.begun) {
      ps.begun = true;
      if (ps.init.length) this.enterCreating(ps, ps.init[0], ps.boundAt, pod);
      else this.startMain(ps, ps.boundAt, pod);
    }
    for (let guard = 0; guard < 1000; guard++) {
      let next: CState | undefined;
      let at = INF;
      for (const c of [...ps.init, ...ps.main]) {
        const d = this.dueAt(c);
        if (d < at) {
          at = d;
          next = c;
        }
      }
      if (!next || at > now) return;
      this.step(ps, next, at, pod);
    }
  }

  private nextWake(ps: PState): number {
    let at = INF;
    for (const c of [...ps.init, ...ps.main]) at = Math.min(at, this.dueAt(c));
    return at;
  }

  // ---------------------------------------------------------------- status

  private containerStatus(c: CState): Obj {
    const t = (x: TermInfo) => ({
      containerID: x.containerID,
      exitCode: x.exitCode,
      finishedAt: isoNow(x.finishedAt),
      reason: x.reason,
      startedAt: isoNow(x.startedAt),
    });
    let state: Obj;
    if (c.phase === "running") state = { running: { startedAt: isoNow(c.startedAt) } };
    else if ((c.phase === "terminated" || c.phase === "completed") && c.terminated) state = { terminated: t(c.terminated) };
    else state = { waiting: { reason: c.waiting?.reason ?? "ContainerCreating", ...(c.waiting?.message ? { message: c.waiting.message } : {}) } };
    const cid = c.phase === "running" || c.phase === "terminated" || c.phase === "completed" ? c.containerID : c.lastTerminated?.containerID;
    return {
      ...(cid ? { containerID: cid } : {}),
      image: c.pulled ? c.image.full : c.image.raw,
      imageID: c.pulled ? this.imageID(c) : "",
      lastState: c.lastTerminated ? { terminated: t(c.lastTerminated) } : {},
      name: c.name,
      ready: c.ready,
      restartCount: c.restartCount,
      started: c.phase === "running" && c.started,
      state,
    };
  }

  private buildStatus(ps: PState, pod: KObject, now: number): Obj {
    const old = rec(pod.status);
    const oldConds = arr<Condition>(old.conditions);
    const cond = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
      const prev = oldConds.find((c) => c.type === type);
      const status = ok ? "True" : "False";
      return {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: prev && prev.status === status ? (prev.lastTransitionTime ?? isoNow(now)) : isoNow(now),
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
      };
    };
    const initDone = ps.init.every((c) => c.phase === "completed");
    const unready = ps.main.filter((c) => !c.ready).map((c) => c.name);
    const incompleteInit = ps.init.filter((c) => c.phase !== "completed").map((c) => c.name);
    const allReady = initDone && unready.length === 0;
    const scheduled = oldConds.find((c) => c.type === "PodScheduled" && c.status === "True") ?? {
      type: "PodScheduled",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: isoNow(ps.boundAt),
    };
    // the conditions KWOK and the notes describe (PodReadyToStartContainers is left out: every list carries it)
    const conditions: Condition[] = [
      cond(
        "Initialized",
        initDone,
        initDone ? undefined : "ContainersNotInitialized",
        initDone ? undefined : `containers with incomplete status: [${incompleteInit.join(" ")}]`,
      ),
      cond("Ready", allReady, allReady ? undefined : "ContainersNotReady", allReady ? undefined : `containers with unready status: [${unready.join(" ")}]`),
      cond(
        "ContainersReady",
        allReady,
        allReady ? undefined : "ContainersNotReady",
        allReady ? undefined : `containers with unready status: [${unready.join(" ")}]`,
      ),
      scheduled as Condition,
    ];
    let phase = "Pending";
    if (ps.mainStarted && ps.main.every((c) => c.everRan)) phase = "Running";
    if (ps.restartPolicy === "Never" && ps.main.every((c) => c.phase === "terminated"))
      phase = ps.main.some((c) => (c.terminated?.exitCode ?? 0) !== 0) ? "Failed" : "Succeeded";
    const status: Obj = {
      conditions,
      containerStatuses: ps.main.map((c) => this.containerStatus(c)),
      hostIP: ps.hostIP,
      ...(ps.init.length ? { initContainerStatuses: ps.init.map((c) => this.containerStatus(c)) } : {}),
      phase,
      podIP: ps.podIP,
      podIPs: [{ ip: ps.podIP }],
      ...(old.qosClass ? { qosClass: old.qosClass } : {}),
      startTime: isoNow(ps.boundAt),
    };
    return status;
  }

  // ---------------------------------------------------------------- driving

  private schedule(ps: PState, at: number): void {
    if (this.stopped) return;
    const when = Math.max(at, Date.now());
    if (ps.timer && ps.timerAt <= when) return;
    if (ps.timer) clearTimeout(ps.timer);
    ps.timerAt = when;
    ps.timer = setTimeout(
      () => {
        ps.timer = undefined;
        ps.timerAt = INF;
        try {
          this.tick(ps);
        } catch (e) {
          // a timer must never take the process down: log and retry shortly
          console.error(`[sandbox] kubelet failed on ${ps.key}:`, e);
          this.schedule(ps, Date.now() + 1000);
        }
      },
      Math.max(0, when - Date.now()),
    );
    ps.timer.unref?.();
  }

  private tick(ps: PState): void {
    if (this.stopped || this.pods.get(ps.key) !== ps) return;
    const pod = this.store.get("/pods", ps.namespace, ps.name);
    if (!pod || pod.metadata.uid !== ps.uid) {
      this.forget(ps);
      return;
    }
    const now = Date.now();
    if (ps.deleting) {
      if (now >= ps.removeAt) {
        this.forget(ps);
        quietly(() => this.store.delete("/pods", ps.namespace, ps.name, { gracePeriodSeconds: 0, preconditions: { uid: ps.uid } }));
      } else this.schedule(ps, ps.removeAt);
      return;
    }
    this.advance(ps, pod, now);
    const status = this.buildStatus(ps, pod, now);
    if (!deepEqual(rec(pod.status), status)) {
      const cur = { ...pod, status };
      delete cur.metadata.resourceVersion;
      quietly(() => this.store.update("/pods", cur, { subresource: "status", fieldManager: "kubelet", untracked: true }));
    }
    const wake = this.nextWake(ps);
    if (wake !== INF) this.schedule(ps, wake);
  }

  private beginDeletion(ps: PState, pod: KObject): void {
    ps.deleting = true;
    const now = Date.now();
    for (const c of ps.main) if (c.phase === "running") this.ev(ps, pod, c, "Normal", "Killing", `Stopping container ${c.name}`);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? int(rec(pod.spec).terminationGracePeriodSeconds, 30);
    const stopMs = Math.min(grace * 1000, this.options.terminationDelayMs) * this.options.timeScale;
    ps.removeAt = now + stopMs * (0.5 + unit(ps.name, "term") * 0.5);
    if (ps.timer) clearTimeout(ps.timer);
    ps.timer = undefined;
    ps.timerAt = INF;
  }

  /** Grace period for a DELETE of a pod: 0 when no kubelet runs it. */
  gracePeriod(pod: KObject, requested: number | undefined): number {
    const node = str(rec(pod.spec).nodeName);
    if (!node || !this.nodes.has(node) || isPodTerminal(pod)) return 0;
    return requested ?? int(rec(pod.spec).terminationGracePeriodSeconds, 30);
  }

  /** When a scripted container of a pod this kubelet runs does its work (ms precision, for its log). */
  scriptWindow(pod: KObject, container: string): StepWindow | undefined {
    const ps = this.pods.get(nsKey(pod));
    if (!ps || ps.uid !== pod.metadata.uid) return undefined;
    return ps.main.find((x) => x.name === container)?.window;
  }

  /** ms when the running OOM-mode instance of a container will be killed (for memory curves). */
  oomAt(pod: KObject, container: string): number | undefined {
    const ps = this.pods.get(nsKey(pod));
    const c = ps?.main.find((x) => x.name === container);
    return c && c.crashAt !== INF ? c.crashAt : undefined;
  }
}

function metricsProvider(k: Kubelet): MetricsProvider {
  const podSample = (store: Store, p: KObject, now: number): PodMetricsSample | undefined => {
    if (rec(p.status).phase !== "Running") return undefined;
    const containers = containersOf(p).map((c) => {
      const prof = containerProfile(p, c, store);
      const inst = runningInstance(p, c.name);
      const cpu = cpuMillis(prof, inst, now);
      const mem = memoryBytes(prof, inst, now, k.oomAt(p, c.name));
      return { name: c.name, usage: { cpu: `${Math.round(cpu * 1e6)}n`, memory: `${Math.round(mem / 1024)}Ki` } };
    });
    return { namespace: p.metadata.namespace ?? "", name: p.metadata.name ?? "", containers, window: "15s" };
  };
  return {
    podMetrics(store, namespace) {
      const now = Date.now();
      const out: PodMetricsSample[] = [];
      for (const p of store.listRaw("/pods", namespace === undefined ? {} : { namespace })) {
        const s = podSample(store, p, now);
        if (s) out.push(s);
      }
      return out;
    },
    nodeMetrics(store) {
      const now = Date.now();
      const usage = new Map<string, { cpu: number; mem: number }>();
      for (const p of store.listRaw("/pods")) {
        const node = str(rec(p.spec).nodeName);
        if (!node || rec(p.status).phase !== "Running") continue;
        const u = usage.get(node) ?? { cpu: 0, mem: 0 };
        for (const c of containersOf(p)) {
          const prof = containerProfile(p, c, store);
          const inst = runningInstance(p, c.name);
          u.cpu += cpuMillis(prof, inst, now);
          u.mem += memoryBytes(prof, inst, now, k.oomAt(p, c.name));
        }
        usage.set(node, u);
      }
      return store.listRaw("/nodes").map((n): NodeMetricsSample => {
        const name = n.metadata.name ?? "";
        const u = usage.get(name) ?? { cpu: 0, mem: 0 };
        const sysCpu = 60 + unit(name, "sys-cpu") * 90 + 15 * Math.sin(now / 47_000 + unit(name, "ph") * 6);
        const sysMem = (900 + unit(name, "sys-mem") * 600) * 1024 * 1024;
        return { name, usage: { cpu: `${Math.round((u.cpu + sysCpu) * 1e6)}n`, memory: `${Math.round((u.mem + sysMem) / 1024)}Ki` }, window: "20s" };
      });
    },
  };
}

export const kubeletController: Controller = {
  name: "kubelet",
  start(ctx) {
    const { store, options } = ctx;
    const k = new Kubelet(store, options);
    const stopNodes = store.informer("/nodes", {
      add: (n) => k.onNode(n, n.metadata.name ?? ""),
      update: (n) => k.onNode(n, n.metadata.name ?? ""),
      delete: (n) => k.onNode(undefined, n.metadata.name ?? ""),
    });
    store.setGracefulDeletion("/pods", (pod, opts) => k.gracePeriod(pod, opts.gracePeriodSeconds));
    const stopPods = store.informer("/pods", { add: (p) => k.onPod(p), update: (p) => k.onPod(p), delete: (p) => k.onPodDeleted(p) });
    ctx.setMetricsProvider(metricsProvider(k));
    ctx.setLogProvider(createLogProvider(store, options, (p, c) => k.scriptWindow(p, c)));
    ctx.setPrometheusProvider(createPrometheusProvider(store, options, (p, c) => k.oomAt(p, c)));
    return () => {
      stopPods();
      stopNodes();
      store.setGracefulDeletion("/pods", undefined);
      k.stop();
    };
  },
};
