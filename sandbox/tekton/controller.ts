/**
 * A Tekton Pipelines v1 controller for the sandbox: runs PipelineRuns as
 * TaskRuns in DAG order (runAfter and result references, `when`
 * expressions, `finally` tasks), each TaskRun as a pod with one container
 * per step (`step-<name>`) that the simulated kubelet runs one after the
 * other (controllers/script.ts), and writes the statuses Tekton writes:
 * the `Succeeded` condition with Tekton's reasons and messages, startTime
 * and completionTime, step states, task and pipeline results,
 * childReferences and skippedTasks. Honours spec.status (Cancelled,
 * CancelledRunFinally, StoppedRunFinally, PipelineRunPending;
 * TaskRunCancelled, TaskRunPending), spec.timeouts.pipeline/tasks and
 * TaskRun spec.timeout, and fails a TaskRun whose pod is deleted out of
 * band. What a step prints and returns comes from steps.ts.
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { deepEqual } from "../patch/util.js";
import { EventRecorder } from "../controllers/events.js";
import { arr, type Condition, isoNow, nsKey, type Obj, ownedBy, ownerRefTo, quietly, rec, splitKey, str, WorkQueue } from "../controllers/kit.js";
import type { ResolvedSimulationOptions } from "../controllers/options.js";
import { SCRIPT_ANNOTATION, type ScriptedStep } from "../controllers/script.js";
import type { Controller } from "../controllers/types.js";
import { GR } from "./crds.js";
import { type Params, resultFor, stepProgram } from "./steps.js";

const MANAGER = "tekton-pipelines-controller";
const RELEASE = "v1.0.0";
const L = {
  pipeline: "tekton.dev/pipeline",
  pipelineRun: "tekton.dev/pipelineRun",
  pipelineRunUID: "tekton.dev/pipelineRunUID",
  pipelineTask: "tekton.dev/pipelineTask",
  memberOf: "tekton.dev/memberOf",
  task: "tekton.dev/task",
  taskRun: "tekton.dev/taskRun",
  taskRunUID: "tekton.dev/taskRunUID",
  managedBy: "app.kubernetes.io/managed-by",
} as const;
const CANCELLED_BY_PIPELINE = "TaskRun cancelled as the PipelineRun it belongs to has been cancelled.";
const CANCELLED_BY_PIPELINE_TIMEOUT = "TaskRun cancelled as the PipelineRun it belongs to has timed out.";
const DEFAULT_TIMEOUT_MS = 3_600_000;

// ------------------------------------------------------------------ durations (Go's time.Duration text)

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1h30m", "90s", "500ms", "0" -> ms; undefined when absent or unreadable. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v !== "string" || !v.trim()) return undefined;
  if (v.trim() === "0") return 0;
  let total = 0;
  let rest = v.trim();
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** ms -> Go's Duration.String(): "1h0m0s", "1m30s", "1.5s", "500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${Number(((ms % 60_000) / 1000).toFixed(3))}s`;
  if (h) return `${h}h${m}m${s}`;
  if (m) return `${m}m${s}`;
  return s;
}

// ------------------------------------------------------------------ substitution

type Lookup = (ref: string) => string | undefined;

/** Replaces `$(...)` references a lookup knows, leaving others as written (Tekton leaves unknown ones too). */
function substitute<T>(v: T, lookup: Lookup): T {
  if (typeof v === "string") return v.replace(/\$\(([^()]+)\)/g, (all, ref: string) => lookup(ref.trim()) ?? all) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => substitute(x, lookup)) as T;
  if (v && typeof v === "object") {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) out[k] = substitute(x, lookup);
    return out as T;
  }
  return v;
}

function paramRef(ref: string): string | undefined {
  const m = /^params(?:\.([\w.-]+)|\[['"]([^'"]+)['"]\])$/.exec(ref);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Pipeline tasks whose results a value refers to (`$(tasks.build.results.IMAGE_URL)`). */
function resultDeps(v: unknown): string[] {
  const out = new Set<string>();
  const walk = (x: unknown) => {
    if (typeof x === "string") for (const m of x.matchAll(/\$\(tasks\.([\w-]+)\.results\.[\w.-]+\)/g)) out.add(m[1]);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") Object.values(x).forEach(walk);
  };
  walk(v);
  return [...out];
}

/** Param values by name: declared defaults, then the given values (strings; arrays and objects as JSON). */
function effectiveParams(declared: unknown, given: unknown): { values: Params; missing: string[] } {
  const values: Params = {};
  const text = (x: unknown) => (typeof x === "string" ? x : JSON.stringify(x));
  for (const p of arr(declared)) if (p.default !== undefined) values[str(p.name)] = text(p.default);
  for (const p of arr(given)) if (p.name) values[str(p.name)] = text(p.value);
  const missing = arr(declared)
    .map((p) => str(p.name))
    .filter((n) => values[n] === undefined);
  return { values, missing };
}

// ------------------------------------------------------------------ conditions

function succeeded(o: KObject): Condition | undefined {
  return arr<Condition>(rec(o.status).conditions).find((c) => c.type === "Succeeded");
}
const isDone = (o: KObject) => {
  const c = succeeded(o);
  return c?.status === "True" || c?.status === "False";
};

function setSucceeded(status: Obj, state: "True" | "False" | "Unknown", reason: string, message: string): void {
  const prev = arr<Condition>(status.conditions).find((c) => c.type === "Succeeded");
  const same = prev && prev.status === state && prev.reason === reason && prev.message === message;
  status.conditions = [
    same
      ? prev
      : {
          type: "Succeeded",
          status: state,
          reason,
          message,
          lastTransitionTime: prev && prev.status === state ? (prev.lastTransitionTime ?? isoNow()) : isoNow(),
        },
  ];
}

// ------------------------------------------------------------------ the controller

class Tekton {
  readonly prQueue: WorkQueue;
  readonly trQueue: WorkQueue;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly store: Store,
    private readonly options: ResolvedSimulationOptions,
  ) {
    this.recorder = new EventRecorder(store, MANAGER, options.events);
    this.prQueue = new WorkQueue("pipelinerun", (key) => this.syncPipelineRun(key));
    this.trQueue = new WorkQueue("taskrun", (key) => this.syncTaskRun(key));
  }

  private writeStatus(gr: string, o: KObject, status: Obj): KObject | undefined {
    if (deepEqual(rec(o.status), status)) return o;
    const cur = { ...o, status };
    delete cur.metadata.resourceVersion;
    return quietly(() => this.store.update(gr, cur, { subresource: "status", fieldManager: MANAGER }));
  }

  private addLabels(gr: string, o: KObject, labels: Record<string, string>): KObject {
    const have = o.metadata.labels ?? {};
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return o;
    const cur = { ...o, metadata: { ...o.metadata, labels: { ...have, ...labels } } };
    return quietly(() => this.store.update(gr, cur, { fieldManager: MANAGER })) ?? o;
  }

  // ---------------------------------------------------------------- PipelineRun

  private syncPipelineRun(key: string): number | void {
    const [ns, name] = splitKey(key);
    let pr = this.store.get(GR.pipelineRuns, ns, name);
    if (!pr || pr.metadata.deletionTimestamp || isDone(pr)) return;
    const spec = rec(pr.spec);
    const status: Obj = structuredClone(rec(pr.status));
    const now = Date.now();
    const specStatus = str(spec.status);
    const cancelled = ["Cancelled", "CancelledRunFinally", "StoppedRunFinally"].includes(specStatus);

    if (specStatus === "PipelineRunPending" && !status.startTime) {
      setSucceeded(status, "Unknown", "PipelineRunPending", `PipelineRun "${name}" is pending`);
      this.writeStatus(GR.pipelineRuns, pr, status);
      return;
    }
    const fail = (reason: string, message: string) => {
      status.startTime ??= isoNow(now);
      status.completionTime = isoNow(now);
      setSucceeded(status, "False", reason, message);
      this.writeStatus(GR.pipelineRuns, pr as KObject, status);
      this.recorder.event(pr as KObject, "Warning", "Failed", message);
    };
    if (cancelled && !status.startTime) return fail("Cancelled", `PipelineRun "${name}" was cancelled`);

    // resolve the pipeline
    const ref = rec(spec.pipelineRef);
    let pipelineSpec = rec(spec.pipelineSpec);
    if (!spec.pipelineSpec) {
      const p = ref.name ? this.store.get(GR.pipelines, ns, str(ref.name)) : undefined;
      if (!p) return fail("CouldntGetPipeline", `Error retrieving pipeline for pipelinerun ${ns}/${name}: pipelines.tekton.dev "${str(ref.name)}" not found`);
      pipelineSpec = rec(p.spec);
    }
    const tasks = arr(pipelineSpec.tasks);
    const finallyTasks = arr(pipelineSpec.finally);
    const names = new Set([...tasks, ...finallyTasks].map((t) => str(t.name)));
    const deps = new Map<string, string[]>();
    for (const t of tasks) {
      const d = [...new Set([...arr<string>(t.runAfter), ...resultDeps(t.params), ...resultDeps(t.when)])];
      const unknown = d.filter((x) => !names.has(x));
      if (unknown.length)
        return fail(
          "PipelineValidationFailed",
          `Pipeline ${ns}/${name} can't be Run; it has an invalid spec: invalid value: ${unknown.join(",")}: spec.tasks.runAfter`,
        );
      deps.set(str(t.name), d);
    }
    const cycle = findCycle(deps);
    if (cycle) return fail("PipelineInvalidGraph", `PipelineRun ${ns}/${name}'s Pipeline DAG is invalid: cycle detected; task "${cycle}" depends on itself`);
    for (const t of [...tasks, ...finallyTasks]) {
      const tref = rec(t.taskRef);
      if (!t.taskSpec && !(tref.name && this.store.get(GR.tasks, ns, str(tref.name))))
        return fail(
          "CouldntGetTask",
          `Pipeline ${ns}/${name} can't be Run; it contains Tasks that don't exist: Couldn't retrieve Task "${str(tref.name)}": tasks.tekton.dev "${str(tref.name)}" not found`,
        );
    }
    const { values: params, missing } = effectiveParams(pipelineSpec.params, spec.params);
    if (missing.length)
      return fail(
        "ParameterMissing",
        `PipelineRun ${ns}/${name} parameters is missing some parameters required by Pipeline ${str(ref.name, name)}'s parameters: ${missing.join(", ")}`,
      );

    // started
    if (!status.startTime) {
      if (ref.name) pr = this.addLabels(GR.pipelineRuns, pr, { [L.pipeline]: str(ref.name) });
      else pr = this.addLabels(GR.pipelineRuns, pr, { [L.pipeline]: name });
      status.startTime = isoNow(now);
      this.recorder.event(pr, "Normal", "Started", "");
    }
    status.pipelineSpec = pipelineSpec;
    const started = Date.parse(str(status.startTime)) || now;
    const timeouts = rec(spec.timeouts);
    const pipelineTimeout = parseDuration(timeouts.pipeline) ?? DEFAULT_TIMEOUT_MS;
    const tasksTimeout = parseDuration(timeouts.tasks);

    // children
    const children = new Map<string, KObject>();
    for (const tr of ownedBy(this.store, GR.taskRuns, pr)) children.set(str(tr.metadata.labels?.[L.pipelineTask]), tr);
    const stateOf = (t: string): TaskState => {
      const tr = children.get(t);
      if (!tr) return "none";
      const c = succeeded(tr);
      if (c?.status === "True") return "succeeded";
      if (c?.status === "False") return c.reason === "TaskRunCancelled" ? "cancelled" : "failed";
      return "running";
    };
    const cancelChildren = (message: string) => {
      for (const tr of children.values()) {
        if (isDone(tr) || rec(tr.spec).status === "TaskRunCancelled") continue;
        const cur = { ...tr, spec: { ...rec(tr.spec), status: "TaskRunCancelled", statusMessage: message } };
        delete cur.metadata.resourceVersion;
        quietly(() => this.store.update(GR.taskRuns, cur, { fieldManager: MANAGER }));
      }
    };
    const finish = (state: "True" | "False", reason: string, message: string) => {
      status.completionTime = isoNow(now);
      setSucceeded(status, state, reason, message);
      status.results = this.pipelineResults(pipelineSpec, children);
      if (!arr(status.results).length) delete status.results;
      this.writeStatus(GR.pipelineRuns, pr as KObject, status);
      this.recorder.event(pr as KObject, state === "True" ? "Normal" : "Warning", state === "True" ? "Succeeded" : "Failed", message);
    };

    if (cancelled) {
      cancelChildren(CANCELLED_BY_PIPELINE);
      return finish("False", "Cancelled", `PipelineRun "${name}" was cancelled`);
    }
    if (pipelineTimeout > 0 && now - started >= pipelineTimeout) {
      cancelChildren(CANCELLED_BY_PIPELINE_TIMEOUT);
      return finish("False", "PipelineRunTimeout", `PipelineRun "${name}" failed to finish within "${formatDuration(pipelineTimeout)}"`);
    }
    if (tasksTimeout !== undefined && tasksTimeout > 0 && now - started >= tasksTimeout) {
      cancelChildren(CANCELLED_BY_PIPELINE_TIMEOUT);
      return finish("False", "PipelineRunTimeout", `PipelineRun "${name}" failed due to tasks failed to finish within "${formatDuration(tasksTimeout)}"`);
    }

    // walk the DAG: skip what cannot run, start what may
    const skipped = new Map<string, { reason: string; when?: unknown }>();
    for (const s of arr(status.skippedTasks)) skipped.set(str(s.name), { reason: str(s.reason), ...(s.whenExpressions ? { when: s.whenExpressions } : {}) });
    const results = (t: string) => this.taskResults(children.get(t));
    const lookup =
      (extra: Lookup = () => undefined): Lookup =>
      (r) => {
        const p = paramRef(r);
        if (p !== undefined) return params[p];
        const m = /^tasks\.([\w-]+)\.results\.([\w.-]+)$/.exec(r);
        if (m) return results(m[1])[m[2]];
        if (r === "context.pipelineRun.name") return name;
        if (r === "context.pipelineRun.namespace") return ns;
        if (r === "context.pipelineRun.uid") return pr?.metadata.uid;
        if (r === "context.pipeline.name") return str(ref.name, name);
        return extra(r);
      };
    const terminal = (t: string) => skipped.has(t) || ["succeeded", "failed", "cancelled"].includes(stateOf(t));
    const stopping = () => tasks.some((t) => ["failed", "cancelled"].includes(stateOf(str(t.name))));
    for (let changed = true; changed;) {
      changed = false;
      for (const t of tasks) {
        const tn = str(t.name);
        if (children.has(tn) || skipped.has(tn)) continue;
        const d = deps.get(tn) ?? [];
        if (stopping()) {
          skipped.set(tn, { reason: "PipelineRun was stopping" });
          changed = true;
          continue;
        }
        if (!d.every((x) => terminal(x))) continue;
        if (d.some((x) => skipped.has(x) && skipped.get(x)?.reason !== "When Expressions evaluated to false")) {
          skipped.set(tn, { reason: "Parent Tasks were skipped" });
          changed = true;
          continue;
        }
        if (resultDeps(t.params).some((x) => skipped.has(x))) {
          skipped.set(tn, { reason: "Results were missing" });
          changed = true;
          continue;
        }
        const when = substitute(arr(t.when), lookup());
        if (!whenHolds(when)) {
          skipped.set(tn, { reason: "When Expressions evaluated to false", when });
          changed = true;
          continue;
        }
        const tr = this.createTaskRun(pr, t, "tasks", substitute(arr(t.params), lookup()), started, tasksTimeout, now);
        if (tr) children.set(tn, tr);
        changed = true;
      }
    }
    const dagDone = tasks.every((t) => terminal(str(t.name)));
    if (dagDone) {
      const aggregate = () => {
        const states = tasks.map((t) => str(t.name)).map((t) => (skipped.has(t) ? "skipped" : stateOf(t)));
        if (states.some((s) => s === "failed")) return "Failed";
        if (states.some((s) => s === "cancelled")) return "Cancelled";
        return states.some((s) => s === "skipped") ? "Completed" : "Succeeded";
      };
      const extra: Lookup = (r) => {
        if (r === "tasks.status") return aggregate();
        const m = /^tasks\.([\w-]+)\.status$/.exec(r);
        if (!m) return undefined;
        if (skipped.has(m[1])) return "None";
        const labels: Record<TaskState, string> = { succeeded: "Succeeded", failed: "Failed", cancelled: "Failed", none: "None", running: "None" };
        return labels[stateOf(m[1])];
      };
      for (const t of finallyTasks) {
        const tn = str(t.name);
        if (children.has(tn) || skipped.has(tn)) continue;
        if (resultDeps(t.params).some((x) => skipped.has(x) || stateOf(x) !== "succeeded")) {
          skipped.set(tn, { reason: "Results were missing" });
          continue;
        }
        const when = substitute(arr(t.when), lookup(extra));
        if (!whenHolds(when)) {
          skipped.set(tn, { reason: "When Expressions evaluated to false", when });
          continue;
        }
        const tr = this.createTaskRun(pr, t, "finally", substitute(arr(t.params), lookup(extra)), started, undefined, now);
        if (tr) children.set(tn, tr);
      }
    }

    // status
    const all = [...tasks, ...finallyTasks].map((t) => str(t.name));
    const count = { succeeded: 0, failed: 0, cancelled: 0, skipped: 0, incomplete: 0 };
    for (const t of all) {
      if (skipped.has(t)) count.skipped++;
      else {
        const s = stateOf(t);
        if (s === "succeeded") count.succeeded++;
        else if (s === "failed") count.failed++;
        else if (s === "cancelled") count.cancelled++;
        else count.incomplete++;
      }
    }
    status.childReferences = [...children.entries()].map(([pt, tr]) => ({
      apiVersion: "tekton.dev/v1",
      kind: "TaskRun",
      name: tr.metadata.name,
      pipelineTaskName: pt,
    }));
    const skippedList = all
      .filter((t) => skipped.has(t))
      .map((t) => {
        const s = skipped.get(t) as { reason: string; when?: unknown };
        return { name: t, reason: s.reason, ...(s.when && arr(s.when).length ? { whenExpressions: s.when } : {}) };
      });
    if (skippedList.length) status.skippedTasks = skippedList;
    const completed = count.succeeded + count.failed + count.cancelled;
    if (count.incomplete === 0) {
      const message = `Tasks Completed: ${completed} (Failed: ${count.failed}, Cancelled ${count.cancelled}), Skipped: ${count.skipped}`;
      if (count.failed > 0) return finish("False", "Failed", message);
      if (count.cancelled > 0) return finish("False", "Cancelled", message);
      return finish("True", count.skipped > 0 ? "Completed" : "Succeeded", message);
    }
    const reason = count.cancelled > 0 || count.failed > 0 ? "PipelineRunStopping" : "Running";
    setSucceeded(
      status,
      "Unknown",
      reason,
      `Tasks Completed: ${completed} (Failed: ${count.failed}, Cancelled ${count.cancelled}), Incomplete: ${count.incomplete}, Skipped: ${count.skipped}`,
    );
    this.writeStatus(GR.pipelineRuns, pr, status);
    // wake for the nearest timeout
    const waits = [pipelineTimeout > 0 ? started + pipelineTimeout - now : Infinity, tasksTimeout ? started + tasksTimeout - now : Infinity];
    const wait = Math.min(...waits);
    return Number.isFinite(wait) ? Math.max(0, wait) : undefined;
  }

  /** Results of a finished TaskRun by name. */
  private taskResults(tr: KObject | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    if (!tr) return out;
    for (const r of arr(rec(tr.status).results)) out[str(r.name)] = typeof r.value === "string" ? r.value : JSON.stringify(r.value);
    return out;
  }

  private pipelineResults(pipelineSpec: Obj, children: Map<string, KObject>): Obj[] {
    const out: Obj[] = [];
    for (const r of arr(pipelineSpec.results)) {
      let missing = false;
      const value = substitute(r.value, (ref) => {
        const m = /^tasks\.([\w-]+)\.results\.([\w.-]+)$/.exec(ref);
        const v = m ? this.taskResults(children.get(m[1]))[m[2]] : undefined;
        if (v === undefined) missing = true;
        return v;
      });
      if (!missing) out.push({ name: str(r.name), value });
    }
    return out;
  }

  private createTaskRun(
    pr: KObject,
    t: Obj,
    memberOf: "tasks" | "finally",
    params: Obj[],
    started: number,
    tasksTimeout: number | undefined,
    now: number,
  ): KObject | undefined {
    const prName = pr.metadata.name ?? "";
    const ns = pr.metadata.namespace ?? "";
    const tn = str(t.name);
    const spec = rec(pr.spec);
    const bindings = arr(spec.workspaces);
    const workspaces = arr(t.workspaces)
      .map((w) => {
        const b = bindings.find((x) => x.name === (w.workspace ?? w.name));
        if (!b) return undefined;
        return { ...b, name: str(w.name), ...(w.subPath ? { subPath: w.subPath } : {}) };
      })
      .filter((w) => w !== undefined);
    let timeout = parseDuration(t.timeout);
    if (timeout === undefined && tasksTimeout !== undefined && tasksTimeout > 0) timeout = Math.max(1, started + tasksTimeout - now);
    const sa = str(rec(spec.taskRunTemplate).serviceAccountName);
    const taskRef = rec(t.taskRef);
    const labels = {
      ...(pr.metadata.labels ?? {}),
      [L.pipelineRun]: prName,
      [L.pipelineRunUID]: pr.metadata.uid ?? "",
      [L.pipelineTask]: tn,
      [L.memberOf]: memberOf,
      [L.managedBy]: "tekton-pipelines",
      ...(taskRef.name ? { [L.task]: str(taskRef.name) } : {}),
    };
    const tr: KObject = {
      apiVersion: "tekton.dev/v1",
      kind: "TaskRun",
      metadata: {
        name: childName(prName, tn),
        namespace: ns,
        labels,
        ...(pr.metadata.annotations ? { annotations: pr.metadata.annotations } : {}),
        ownerReferences: [ownerRefTo(pr)],
      },
      spec: {
        ...(params.length ? { params } : {}),
        ...(t.taskSpec ? { taskSpec: rec(t.taskSpec) } : { taskRef: taskRef }),
        ...(sa ? { serviceAccountName: sa } : {}),
        ...(workspaces.length ? { workspaces } : {}),
        timeout: formatDuration(timeout ?? DEFAULT_TIMEOUT_MS),
      },
    };
    try {
      return this.store.create(GR.taskRuns, tr, { fieldManager: MANAGER });
    } catch (e) {
      if (isStatusError(e) && e.code === 409) return this.store.get(GR.taskRuns, ns, tr.metadata.name ?? "");
      throw e;
    }
  }

  /** The spec a PipelineRun runs (embedded, recorded in its status, or its Pipeline's). */
  private pipelineSpecOf(pr: KObject): Obj {
    const spec = rec(pr.spec);
    if (spec.pipelineSpec) return rec(spec.pipelineSpec);
    if (rec(pr.status).pipelineSpec) return rec(rec(pr.status).pipelineSpec);
    const name = str(rec(spec.pipelineRef).name);
    return rec(this.store.get(GR.pipelines, pr.metadata.namespace, name)?.spec);
  }

  // ---------------------------------------------------------------- TaskRun

  private syncTaskRun(key: string): number | void {
    const [ns, name] = splitKey(key);
    let tr = this.store.get(GR.taskRuns, ns, name);
    if (!tr || tr.metadata.deletionTimestamp || isDone(tr)) return;
    const spec = rec(tr.spec);
    const status: Obj = structuredClone(rec(tr.status));
    const now = Date.now();
    const podName = str(status.podName, childName(name, "pod"));

    const fail = (reason: string, message: string) => {
      status.completionTime = isoNow(now);
      setSucceeded(status, "False", reason, message);
      terminateSteps(status, reason, podName, tr as KObject);
      this.writeStatus(GR.taskRuns, tr as KObject, status);
      this.recorder.event(tr as KObject, "Warning", "Failed", message);
      const pod = this.store.get("/pods", ns, podName);
      if (pod && !pod.metadata.deletionTimestamp) quietly(() => this.store.delete("/pods", ns, podName, {}));
    };

    if (spec.status === "TaskRunCancelled") return fail("TaskRunCancelled", `TaskRun "${name}" was cancelled. ${str(spec.statusMessage)}`);
    if (spec.status === "TaskRunPending") {
      setSucceeded(status, "Unknown", "TaskRunPending", `TaskRun "${name}" is pending`);
      this.writeStatus(GR.taskRuns, tr, status);
      return;
    }
    status.startTime ??= isoNow(now);
    const timeout = parseDuration(spec.timeout) ?? DEFAULT_TIMEOUT_MS;
    const started = Date.parse(str(status.startTime)) || now;
    if (timeout > 0 && now - started >= timeout) return fail("TaskRunTimeout", `TaskRun "${name}" failed to finish within "${formatDuration(timeout)}"`);

    // resolve the task
    const ref = rec(spec.taskRef);
    let taskSpec = rec(spec.taskSpec);
    if (!spec.taskSpec) {
      const task = ref.name ? this.store.get(GR.tasks, ns, str(ref.name)) : undefined;
      if (!task) return fail("TaskRunResolutionFailed", `tasks.tekton.dev "${str(ref.name)}" not found`);
      taskSpec = rec(task.spec);
      tr = this.addLabels(GR.taskRuns, tr, { [L.task]: str(ref.name) });
    }
    const { values: params, missing } = effectiveParams(taskSpec.params, spec.params);
    if (missing.length)
      return fail("TaskRunValidationFailed", `invalid input params for task ${str(ref.name, name)}: missing parameters: [${missing.join(" ")}]`);
    const lookup: Lookup = (r) => {
      const p = paramRef(r);
      if (p !== undefined) return params[p];
      if (r === "context.taskRun.name") return name;
      if (r === "context.taskRun.namespace") return ns;
      if (r === "context.taskRun.uid") return tr?.metadata.uid;
      if (r === "context.task.name") return str(ref.name, name);
      return undefined;
    };
    const resolved = substitute(taskSpec, lookup);
    status.taskSpec = resolved;
    const steps = arr(resolved.steps).map((s, i) => ({ ...s, name: str(s.name, `unnamed-${i}`) }));
    if (!steps.length) return fail("TaskRunValidationFailed", `invalid TaskSpec: expected at least one, got none: steps`);

    // the pod
    let pod = this.store.get("/pods", ns, podName);
    if (pod && pod.metadata.uid && status.podName && pod.metadata.labels?.[L.taskRunUID] !== tr.metadata.uid) pod = undefined;
    if (status.podName && (!pod || pod.metadata.deletionTimestamp)) {
      const runningStep = arr(status.steps).find((s) => s.running)?.container;
      return fail("Failed", `pod "${podName}" was deleted before the TaskRun finished${runningStep ? ` (step "${str(runningStep)}" was running)` : ""}`);
    }
    if (!pod) {
      const created = this.createPod(tr, podName, steps, params);
      if (typeof created === "string") return fail("PodCreationFailed", created);
      if (!created) {
        setSucceeded(status, "Unknown", "ExceededResourceQuota", `TaskRun Pod exceeded available resources`);
        this.writeStatus(GR.taskRuns, tr, status);
        return 1000;
      }
      pod = created;
      status.podName = podName;
      this.recorder.event(tr, "Normal", "Started", "");
    }

    // status from the pod
    const script = JSON.parse(pod.metadata.annotations?.[SCRIPT_ANNOTATION] ?? "[]") as (ScriptedStep & { results?: Record<string, string> })[];
    const statuses = arr(rec(pod.status).containerStatuses);
    const containers = steps.map((s) => `step-${str(s.name)}`);
    const stateOf = (c: string) => rec(statuses.find((x) => x.name === c)?.state);
    // the first step that exited non-zero failed the task; the ones after it were skipped by the entrypoint
    const failedAt = containers.findIndex((c) => {
      const code = rec(stateOf(c).terminated).exitCode;
      return code !== undefined && code !== 0;
    });
    const failedName = failedAt >= 0 ? containers[failedAt] : undefined;
    status.steps = steps.map((s, i) => {
      const container = containers[i];
      const cs = statuses.find((c) => c.name === container);
      const state = rec(cs?.state);
      const term = rec(state.terminated);
      const skippedStep = failedAt >= 0 && i > failedAt;
      return {
        name: str(s.name),
        container,
        ...(cs?.imageID ? { imageID: cs.imageID } : {}),
        ...(state.terminated
          ? { terminated: term, terminationReason: skippedStep ? "Skipped" : str(term.reason) }
          : state.running
            ? { running: state.running }
            : { waiting: state.waiting ?? { reason: "PodInitializing" } }),
      };
    });
    const phase = str(rec(pod.status).phase);
    if (phase === "Succeeded" || phase === "Failed" || failedName) {
      status.completionTime = isoNow(now);
      const written: Record<string, string> = {};
      for (const s of script) {
        const cs = statuses.find((c) => c.name === s.container);
        const term = rec(rec(cs?.state).terminated);
        const ran = term.exitCode === 0 || s.container === failedName;
        if (ran) Object.assign(written, s.results ?? {});
      }
      const results = arr(resolved.results)
        .map((r) => ({ name: str(r.name), value: resultFor(str(r.name), written) }))
        .filter((r): r is { name: string; value: string } => r.value !== undefined)
        .map((r) => ({ name: r.name, type: "string", value: r.value }));
      if (results.length) status.results = results;
      if (phase === "Succeeded" && !failedName) {
        setSucceeded(status, "True", "Succeeded", "All Steps have completed executing");
        this.recorder.event(tr, "Normal", "Succeeded", "All Steps have completed executing");
      } else {
        const code = failedName ? rec(stateOf(failedName).terminated).exitCode : 1;
        const message = failedName ? `"${failedName}" exited with code ${String(code)}` : "build failed for unspecified reasons.";
        setSucceeded(status, "False", "Failed", message);
        this.recorder.event(tr, "Warning", "Failed", message);
      }
      this.writeStatus(GR.taskRuns, tr, status);
      return;
    }
    if (phase === "Running") setSucceeded(status, "Unknown", "Running", "Not all Steps in the Task have finished executing");
    else {
      const waiting = statuses.find((c) => rec(c.state).waiting);
      setSucceeded(
        status,
        "Unknown",
        "Pending",
        waiting
          ? `build step "${str(waiting.name)}" is pending with reason "${str(rec(rec(waiting.state).waiting).reason)}"`
          : `pod status "PodScheduled":"False"`,
      );
    }
    this.writeStatus(GR.taskRuns, tr, status);
    return timeout > 0 ? Math.max(0, started + timeout - now) : undefined;
  }

  /** The TaskRun's pod; a message when it cannot be created, undefined to retry (quota). */
  private createPod(tr: KObject, podName: string, steps: Obj[], params: Params): KObject | string | undefined {
    const ns = tr.metadata.namespace ?? "";
    const spec = rec(tr.spec);
    const labels = tr.metadata.labels ?? {};
    // what the steps see: the TaskRun's params, then its PipelineRun's (markers and the repository live there)
    const prName = labels[L.pipelineRun];
    const pr = prName ? this.store.get(GR.pipelineRuns, ns, prName) : undefined;
    const all: Params = { ...(pr ? effectiveParams(this.pipelineSpecOf(pr).params, rec(pr.spec).params).values : {}), ...params };
    const owner = prName ?? tr.metadata.name ?? "";
    const script = steps.map((s) => {
      const p = stepProgram({
        name: str(s.name),
        image: str(s.image),
        script: str(s.script),
        params: all,
        namespace: ns,
        owner,
        stepMs: this.options.tektonStepMs,
      });
      return { container: `step-${str(s.name)}`, ms: p.ms, exitCode: p.exitCode, lines: p.lines, results: p.results };
    });
    const pod: KObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: podName,
        namespace: ns,
        labels: { ...labels, [L.taskRun]: tr.metadata.name ?? "", [L.taskRunUID]: tr.metadata.uid ?? "", [L.managedBy]: "tekton-pipelines" },
        annotations: { "pipeline.tekton.dev/release": RELEASE, "tekton.dev/ready": "READY", [SCRIPT_ANNOTATION]: JSON.stringify(script) },
        ownerReferences: [ownerRefTo(tr)],
      },
      spec: {
        restartPolicy: "Never",
        serviceAccountName: str(spec.serviceAccountName, "default"),
        containers: steps.map((s, i) => ({
          name: `step-${str(s.name)}`,
          image: str(s.image, "busybox"),
          command: ["/tekton/bin/entrypoint"],
          args: [
            ...(i > 0 ? ["-wait_file", `/tekton/run/${i - 1}/out`] : ["-wait_file", "/tekton/downward/ready", "-wait_file_content"]),
            "-post_file",
            `/tekton/run/${i}/out`,
            "-termination_path",
            "/tekton/termination",
            "-step_metadata_dir",
            `/tekton/run/${i}/status`,
            "-entrypoint",
            s.script ? `/tekton/scripts/script-${i}` : str(arr<string>(s.command)[0], "/bin/sh"),
            "--",
            ...arr<string>(s.args),
          ],
          ...(s.env ? { env: s.env } : {}),
          ...(s.workingDir ? { workingDir: s.workingDir } : {}),
          ...(s.computeResources ? { resources: s.computeResources } : {}),
          terminationMessagePath: "/tekton/termination",
          terminationMessagePolicy: "File",
        })),
      },
    };
    try {
      return this.store.create("/pods", pod, { fieldManager: MANAGER, untracked: true });
    } catch (e) {
      if (!isStatusError(e)) throw e;
      if (e.code === 409) return this.store.get("/pods", ns, podName);
      if (e.code === 403 && /quota|exceeded/i.test(e.status.message ?? "")) return undefined;
      return `failed to create task run pod "${tr.metadata.name ?? ""}": ${e.status.message ?? ""}. Maybe missing or invalid Task ${ns}/${str(rec(spec.taskRef).name)}`;
    }
  }
}

type TaskState = "none" | "running" | "succeeded" | "failed" | "cancelled";

/** Steps still running or waiting end as Tekton's terminateStepsInPod ends them. */
function terminateSteps(status: Obj, reason: string, podName: string, tr: KObject): void {
  const done = isoNow();
  status.steps = arr(status.steps).map((s) => {
    if (!s.running && !s.waiting) return s;
    const startedAt = s.running ? str(rec(s.running).startedAt) : (tr.metadata.creationTimestamp ?? done);
    const rest = { ...s };
    delete rest.running;
    delete rest.waiting;
    return {
      ...rest,
      terminated: { exitCode: 1, reason, message: `Step ${str(s.name)} terminated as pod ${podName} is terminated`, startedAt, finishedAt: done },
      terminationReason: reason,
    };
  });
}

/** `when` expressions after substitution: every `input` `in`/`notin` `values` must hold. */
function whenHolds(when: Obj[]): boolean {
  return when.every((w) => {
    const values = arr<string>(w.values).map(String);
    const hit = values.includes(str(w.input));
    return str(w.operator, "in") === "notin" ? !hit : hit;
  });
}

/** A task that depends on itself through runAfter/results, if any. */
function findCycle(deps: Map<string, string[]>): string | undefined {
  const state = new Map<string, 1 | 2>();
  const visit = (n: string): string | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return n;
    state.set(n, 1);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    state.set(n, 2);
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** knative's kmeta.ChildName: parent + "-" + suffix, shortened with a hash past 63 characters. */
function childName(parent: string, suffix: string): string {
  const n = `${parent}-${suffix}`;
  if (n.length <= 63) return n;
  let h = 0;
  for (const ch of n) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  const hash = h.toString(16).padStart(8, "0");
  return `${n.slice(0, 63 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

export const tektonController: Controller = {
  name: "tekton",
  start({ store, options }) {
    const t = new Tekton(store, options);
    const stopPR = store.informer(GR.pipelineRuns, { add: (o) => t.prQueue.add(nsKey(o)), update: (o) => t.prQueue.add(nsKey(o)) });
    const stopTR = store.informer(GR.taskRuns, {
      add: (o) => t.trQueue.add(nsKey(o)),
      update: (o) => {
        t.trQueue.add(nsKey(o));
        const pr = o.metadata.labels?.[L.pipelineRun];
        if (pr) t.prQueue.add(`${o.metadata.namespace ?? ""}/${pr}`);
      },
      delete: (o) => {
        const pr = o.metadata.labels?.[L.pipelineRun];
        if (pr) t.prQueue.add(`${o.metadata.namespace ?? ""}/${pr}`);
      },
    });
    const stopPods = store.subscribe((ev) => {
      if (ev.gr !== "/pods") return;
      const tr = ev.object.metadata.labels?.[L.taskRun];
      if (tr) t.trQueue.add(`${ev.object.metadata.namespace ?? ""}/${tr}`);
    });
    return () => {
      stopPR();
      stopTR();
      stopPods();
      t.prQueue.stop();
      t.trQueue.stop();
    };
  },
};
