/**
 * The sandbox's Tekton v1, as a client sees it through client-node over
 * HTTPS (and kubectl): Pipelines, Tasks, PipelineRuns and TaskRuns served as
 * CRDs; runs in DAG order with step pods, logs, results and Tekton's
 * conditions; failures asked for by markers; cancel, timeout, pending,
 * pods deleted out of band; watches.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { CoreV1Api, CustomObjectsApi, type KubeConfig, Log, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, eventually, FAST_SIMULATION, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { stepProgram } from "./tekton/steps.js";

let sb: TestSandbox;
let kc: KubeConfig;
let custom: CustomObjectsApi;
let core: CoreV1Api;
const NS = "ci";
const GROUP = { group: "tekton.dev", version: "v1", namespace: NS };
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Tekton objects are untyped custom resources, read loosely here
type Any = any;

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "ci" }], users: [{ name: "dana" }, { name: "mia" }], simulation: { ...FAST_SIMULATION, tektonStepMs: 60 } });
  kc = kubeConfigFor(sb.clusters[0]);
  custom = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await custom.createNamespacedCustomObject({
    ...GROUP,
    plural: "tasks",
    body: {
      apiVersion: "tekton.dev/v1",
      kind: "Task",
      metadata: { name: "source" },
      spec: {
        params: [{ name: "git-url" }, { name: "git-revision", default: "main" }],
        results: [{ name: "commit" }, { name: "tests-passed" }, { name: "coverage" }],
        steps: [
          { name: "clone", image: "alpine/git:2.45", script: "git clone $(params.git-url)" },
          { name: "test", image: "node:20", script: "npm test" },
          { name: "report", image: "busybox", script: "echo report" },
        ],
      },
    },
  });
  await custom.createNamespacedCustomObject({
    ...GROUP,
    plural: "tasks",
    body: {
      apiVersion: "tekton.dev/v1",
      kind: "Task",
      metadata: { name: "image" },
      spec: {
        params: [{ name: "image" }, { name: "commit" }],
        results: [{ name: "IMAGE_URL" }, { name: "IMAGE_DIGEST" }],
        steps: [
          { name: "build", image: "moby/buildkit:v0.13", script: "buildctl build" },
          { name: "push", image: "moby/buildkit:v0.13", script: "buildctl push" },
        ],
      },
    },
  });
  await custom.createNamespacedCustomObject({
    ...GROUP,
    plural: "pipelines",
    body: {
      apiVersion: "tekton.dev/v1",
      kind: "Pipeline",
      metadata: { name: "ci" },
      spec: {
        params: [{ name: "git-url" }, { name: "git-revision" }, { name: "commit-message", default: "" }, { name: "image" }],
        workspaces: [{ name: "source" }],
        tasks: [
          {
            name: "source",
            taskRef: { name: "source" },
            params: [
              { name: "git-url", value: "$(params.git-url)" },
              { name: "git-revision", value: "$(params.git-revision)" },
            ],
            workspaces: [{ name: "output", workspace: "source" }],
          },
          {
            name: "image",
            taskRef: { name: "image" },
            runAfter: ["source"],
            params: [
              { name: "image", value: "$(params.image)" },
              { name: "commit", value: "$(tasks.source.results.commit)" },
            ],
          },
        ],
        results: [
          { name: "IMAGE_URL", value: "$(tasks.image.results.IMAGE_URL)" },
          { name: "IMAGE_DIGEST", value: "$(tasks.image.results.IMAGE_DIGEST)" },
          { name: "tests-passed", value: "$(tasks.source.results.tests-passed)" },
        ],
      },
    },
  });
});
afterAll(async () => sb?.dispose());

const IMAGE = "registry.wharf.local/shop/api:1.4.0";
const URL_ = "http://localhost:3000/git/shop.git";

function pipelineRun(name: string, opts: { message?: string; revision?: string; extra?: Record<string, unknown> } = {}): Any {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "PipelineRun",
    metadata: { name, labels: { "wharf.dev/project": "shop" } },
    spec: {
      pipelineRef: { name: "ci" },
      params: [
        { name: "git-url", value: URL_ },
        { name: "git-revision", value: opts.revision ?? "develop" },
        { name: "commit-message", value: opts.message ?? "Add checkout" },
        { name: "image", value: IMAGE },
      ],
      workspaces: [{ name: "source", emptyDir: {} }],
      ...opts.extra,
    },
  };
}

const createRun = (body: Any): Promise<Any> => custom.createNamespacedCustomObject({ ...GROUP, plural: "pipelineruns", body });
const getRun = (name: string): Promise<Any> => custom.getNamespacedCustomObject({ ...GROUP, plural: "pipelineruns", name });
const getTaskRun = (name: string): Promise<Any> => custom.getNamespacedCustomObject({ ...GROUP, plural: "taskruns", name });
const patchRun = (name: string, body: Any): Promise<Any> => custom.patchNamespacedCustomObject({ ...GROUP, plural: "pipelineruns", name, body }, merge);
const succeededOf = (o: Any) => (o?.status?.conditions ?? []).find((c: Any) => c.type === "Succeeded");

async function finished(name: string, timeoutMs = 15_000): Promise<Any> {
  return eventually(
    async () => {
      const pr = await getRun(name);
      const c = succeededOf(pr);
      return c && c.status !== "Unknown" ? pr : undefined;
    },
    timeoutMs,
    `PipelineRun ${name} finished`,
  );
}

async function taskRunsOf(run: string): Promise<Any[]> {
  const list: Any = await custom.listNamespacedCustomObject({ ...GROUP, plural: "taskruns", labelSelector: `tekton.dev/pipelineRun=${run}` });
  return list.items;
}

async function log(pod: string, container: string): Promise<string> {
  return core.readNamespacedPodLog({ name: pod, namespace: NS, container });
}

/** Waits until the TaskRun's pod has its containers running (steps under way). */
async function podRunning(taskRun: string): Promise<string> {
  return eventually(
    async () => {
      const tr = await getTaskRun(taskRun);
      const podName: string | undefined = tr.status?.podName;
      if (!podName) return undefined;
      const pod = await core.readNamespacedPod({ name: podName, namespace: NS });
      return pod.status?.phase === "Running" ? podName : undefined;
    },
    10_000,
    `pod of ${taskRun} running`,
  );
}

describe("Tekton in the sandbox", () => {
  it("serves the Tekton v1 kinds in discovery, with categories and short names", async () => {
    const res: Any = await fetchJson("/apis/tekton.dev/v1");
    const byName = Object.fromEntries(res.resources.map((r: Any) => [r.name, r]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(["pipelines", "tasks", "pipelineruns", "taskruns", "pipelineruns/status", "taskruns/status"]));
    expect(byName.pipelineruns).toMatchObject({ kind: "PipelineRun", namespaced: true, shortNames: ["pr", "prs"], categories: ["tekton", "tekton-pipelines"] });
    expect(byName.taskruns.shortNames).toEqual(["tr", "trs"]);
  });

  it("lets a namespace's editors run pipelines and its viewers only read them (Tekton's aggregated roles)", async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    for (const [user, role] of [
      ["dana", "edit"],
      ["mia", "view"],
    ]) {
      await rbac.createNamespacedRoleBinding({
        namespace: NS,
        body: {
          metadata: { name: `${user}-${role}` },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
        },
      });
    }
    const as = (user: string) => kubeConfigFor(sb.clusters[0], user).makeApiClient(CustomObjectsApi);
    await as("dana").createNamespacedCustomObject({ ...GROUP, plural: "pipelineruns", body: pipelineRun("by-dana") });
    expect((await apiError(as("mia").createNamespacedCustomObject({ ...GROUP, plural: "pipelineruns", body: pipelineRun("by-mia") }))).code).toBe(403);
    const seen: Any = await as("mia").listNamespacedCustomObject({ ...GROUP, plural: "pipelineruns" });
    expect(seen.items.map((p: Any) => p.metadata.name)).toContain("by-dana");
    await finished("by-dana");
  });

  it("runs a two-task pipeline in DAG order to Succeeded, with results, step states and step logs", async () => {
    await createRun(pipelineRun("happy"));
    const pr = await finished("happy");
    expect(succeededOf(pr)).toMatchObject({ status: "True", reason: "Succeeded", message: "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0" });
    expect(pr.metadata.labels["tekton.dev/pipeline"]).toBe("ci");
    expect(Date.parse(pr.status.completionTime)).toBeGreaterThanOrEqual(Date.parse(pr.status.startTime));
    expect(pr.status.childReferences).toEqual([
      { apiVersion: "tekton.dev/v1", kind: "TaskRun", name: "happy-source", pipelineTaskName: "source" },
      { apiVersion: "tekton.dev/v1", kind: "TaskRun", name: "happy-image", pipelineTaskName: "image" },
    ]);
    const results = Object.fromEntries(pr.status.results.map((r: Any) => [r.name, r.value]));
    expect(results.IMAGE_URL).toBe(IMAGE);
    expect(results.IMAGE_DIGEST).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number(results["tests-passed"])).toBeGreaterThan(0);

    const source = await getTaskRun("happy-source");
    const image = await getTaskRun("happy-image");
    // DAG order: the image task starts once the source task has completed
    expect(Date.parse(image.status.startTime)).toBeGreaterThanOrEqual(Date.parse(source.status.completionTime));
    expect(image.spec.params).toContainEqual({ name: "commit", value: source.status.results.find((r: Any) => r.name === "commit").value });
    expect(source.metadata.labels).toMatchObject({
      "tekton.dev/pipelineRun": "happy",
      "tekton.dev/pipelineTask": "source",
      "tekton.dev/task": "source",
      "tekton.dev/pipeline": "ci",
      "wharf.dev/project": "shop",
    });
    expect(source.metadata.ownerReferences).toMatchObject([{ kind: "PipelineRun", name: "happy", uid: pr.metadata.uid, controller: true }]);
    expect(source.spec.workspaces).toEqual([{ name: "output", emptyDir: {} }]);
    expect(succeededOf(source)).toMatchObject({ status: "True", reason: "Succeeded", message: "All Steps have completed executing" });
    expect(source.status.steps.map((s: Any) => [s.name, s.container, s.terminated.exitCode, s.terminated.reason])).toEqual([
      ["clone", "step-clone", 0, "Completed"],
      ["test", "step-test", 0, "Completed"],
      ["report", "step-report", 0, "Completed"],
    ]);
    // steps ran one after the other
    const [clone, test] = source.status.steps;
    expect(Date.parse(test.terminated.startedAt)).toBeGreaterThanOrEqual(Date.parse(clone.terminated.finishedAt) - 1000);

    const pod = await core.readNamespacedPod({ name: source.status.podName, namespace: NS });
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(["step-clone", "step-test", "step-report"]);
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "TaskRun", name: "happy-source" });
    expect(pod.metadata?.labels).toMatchObject({ "tekton.dev/taskRun": "happy-source", "tekton.dev/pipelineRun": "happy" });
    expect(pod.status?.phase).toBe("Succeeded");
    expect(await log(source.status.podName, "step-clone")).toContain(`Cloning ${URL_} @ develop`);
    expect(await log(source.status.podName, "step-test")).toContain(`Tests  ${results["tests-passed"]} passed`);
    const build = await log(image.status.podName, "step-build");
    expect(build).toContain(`writing image ${results.IMAGE_DIGEST}`);
    expect(await log(image.status.podName, "step-push")).toContain(`1.4.0: digest: ${results.IMAGE_DIGEST}`);

    // the same inputs give the same digest; another revision another one
    await createRun(pipelineRun("happy-again"));
    await createRun(pipelineRun("happy-other", { revision: "feature/x" }));
    const again = await finished("happy-again");
    const other = await finished("happy-other");
    const digest = (o: Any) => o.status.results.find((r: Any) => r.name === "IMAGE_DIGEST").value;
    expect(digest(again)).toBe(results.IMAGE_DIGEST);
    expect(digest(other)).not.toBe(results.IMAGE_DIGEST);
  });

  it("fails a [fail-tests] run at the test step with the failing tests in its log, and skips the later tasks", async () => {
    await createRun(pipelineRun("red", { message: "Refactor cart [fail-tests]" }));
    const pr = await finished("red");
    expect(succeededOf(pr)).toMatchObject({ status: "False", reason: "Failed", message: "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 1" });
    expect(pr.status.skippedTasks).toEqual([{ name: "image", reason: "PipelineRun was stopping" }]);
    // results of the tasks that ran (test counts of the failed one), none of the skipped one
    expect(pr.status.results.map((r: Any) => r.name)).toEqual(["tests-passed"]);
    expect((await taskRunsOf("red")).map((t) => t.metadata.name)).toEqual(["red-source"]);
    const tr = await getTaskRun("red-source");
    expect(succeededOf(tr)).toMatchObject({ status: "False", reason: "Failed", message: '"step-test" exited with code 1' });
    expect(tr.status.steps.map((s: Any) => [s.name, s.terminated.exitCode, s.terminationReason])).toEqual([
      ["clone", 0, "Completed"],
      ["test", 1, "Error"],
      ["report", 1, "Skipped"],
    ]);
    expect(Number(tr.status.results.find((r: Any) => r.name === "tests-passed").value)).toBeGreaterThan(0);
    const testLog = await log(tr.status.podName, "step-test");
    expect(testLog).toMatch(/FAIL .*OrderServiceTest/);
    expect(testLog).toMatch(/Tests {2}\d+ failed \| \d+ passed/);
    expect(await log(tr.status.podName, "step-report")).toBe("");
  });

  it("reports coverage above the default gate of 60% for every commit, and below it only when [low-coverage] asks", () => {
    const coverageOf = (revision: string, message: string) =>
      Number(
        stepProgram({
          name: "test",
          image: "node:22",
          params: { "git-url": URL_, "git-revision": revision, "commit-message": message, image: IMAGE },
          namespace: NS,
          owner: "cov",
          stepMs: 1,
        }).results.coverage,
      );
    const commits = Array.from({ length: 200 }, (_, i) => `feature/commit-${i}`);
    const normal = commits.map((c) => coverageOf(c, "Add checkout"));
    const low = commits.map((c) => coverageOf(c, "Quick fix [low-coverage]"));
    expect(Math.min(...normal)).toBeGreaterThanOrEqual(62);
    expect(Math.max(...normal)).toBeLessThanOrEqual(95);
    expect(Math.min(...low)).toBeGreaterThanOrEqual(35);
    expect(Math.max(...low)).toBeLessThanOrEqual(55);
  });

  it("writes the low coverage of a [low-coverage] run as its result", async () => {
    await createRun(pipelineRun("uncovered", { message: "Quick fix [low-coverage]" }));
    const pr = await finished("uncovered");
    expect(succeededOf(pr)).toMatchObject({ status: "True" });
    const source = await getTaskRun("uncovered-source");
    const coverage = Number(source.status.results.find((r: Any) => r.name === "coverage").value);
    expect(coverage).toBeGreaterThanOrEqual(35);
    expect(coverage).toBeLessThanOrEqual(55);
  });

  it("fails a [fail-build] run at the build step", async () => {
    await createRun(pipelineRun("broken", { message: "Bump deps [fail-build]" }));
    const pr = await finished("broken");
    expect(succeededOf(pr)).toMatchObject({ status: "False", reason: "Failed", message: "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0" });
    const tr = await getTaskRun("broken-image");
    expect(succeededOf(tr).message).toBe('"step-build" exited with code 1');
    expect(await log(tr.status.podName, "step-build")).toContain("did not complete successfully");
    expect(tr.status.results).toBeUndefined();
  });

  it("streams a running step's log line by line: a follower sees lines before the step ends", async () => {
    await createRun(pipelineRun("live", { message: "Slow one [slow]" }));
    const podName = await podRunning("live-source");
    let text = "";
    let resolveFirst: (v: string) => void = () => undefined;
    const firstLine = new Promise<string>((r) => (resolveFirst = r));
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString("utf8");
        if (text.includes("Cloning")) resolveFirst(text);
        cb();
      },
    });
    // client-node 2 pipes the response into the stream and never calls its `done`: the stream's finish is the end
    const ended = new Promise<void>((resolve) => sink.on("finish", () => resolve()));
    await new Log(kc).log(NS, podName, "step-clone", sink, { follow: true });
    await firstLine;
    const pod = await core.readNamespacedPod({ name: podName, namespace: NS });
    const clone = pod.status?.containerStatuses?.find((c) => c.name === "step-clone");
    expect(clone?.state?.running).toBeDefined(); // the step still runs while its first line is out
    await ended; // the stream ends with the step
    expect(text).toContain("Successfully cloned");
    await patchRun("live", { spec: { status: "Cancelled" } });
  });

  it("cancels a run: its TaskRuns are cancelled, their pods stopped, the run ends Cancelled", async () => {
    await createRun(pipelineRun("stop", { message: "Long [slow]" }));
    const podName = await podRunning("stop-source");
    await patchRun("stop", { spec: { status: "Cancelled" } });
    const pr = await finished("stop");
    expect(succeededOf(pr)).toMatchObject({ status: "False", reason: "Cancelled", message: 'PipelineRun "stop" was cancelled' });
    expect(pr.status.completionTime).toBeDefined();
    const tr = await eventually(async () => {
      const t = await getTaskRun("stop-source");
      return succeededOf(t)?.status === "False" ? t : undefined;
    });
    expect(succeededOf(tr)).toMatchObject({
      reason: "TaskRunCancelled",
      message: 'TaskRun "stop-source" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
    });
    expect(tr.spec.status).toBe("TaskRunCancelled");
    expect(tr.status.steps.some((s: Any) => s.terminationReason === "TaskRunCancelled")).toBe(true);
    await eventually(async () => (await apiError(core.readNamespacedPod({ name: podName, namespace: NS }))).code === 404, 10_000, "pod removed");
    expect((await taskRunsOf("stop")).map((t) => t.metadata.name)).toEqual(["stop-source"]);
  });

  it("fails a run that outlives spec.timeouts.pipeline with PipelineRunTimeout and cancels its TaskRuns", async () => {
    await createRun(pipelineRun("late", { message: "Long [slow]", extra: { timeouts: { pipeline: "1s" } } }));
    const pr = await finished("late");
    expect(succeededOf(pr)).toMatchObject({ status: "False", reason: "PipelineRunTimeout", message: 'PipelineRun "late" failed to finish within "1s"' });
    const tr = await eventually(async () => {
      const t = await getTaskRun("late-source");
      return succeededOf(t)?.status === "False" ? t : undefined;
    });
    expect(succeededOf(tr)).toMatchObject({ reason: "TaskRunCancelled" });
    expect(succeededOf(tr).message).toContain("has timed out");
  });

  it("fails a TaskRun that outlives its spec.timeout with TaskRunTimeout", async () => {
    await custom.createNamespacedCustomObject({
      ...GROUP,
      plural: "taskruns",
      body: {
        apiVersion: "tekton.dev/v1",
        kind: "TaskRun",
        metadata: { name: "short-fuse" },
        spec: {
          taskRef: { name: "source" },
          timeout: "500ms",
          params: [
            { name: "git-url", value: URL_ },
            { name: "commit-message", value: "Long [slow]" },
          ],
        },
      },
    });
    const tr = await eventually(async () => {
      const t = await getTaskRun("short-fuse");
      return succeededOf(t)?.status === "False" ? t : undefined;
    }, 10_000);
    expect(succeededOf(tr)).toMatchObject({ reason: "TaskRunTimeout", message: 'TaskRun "short-fuse" failed to finish within "500ms"' });
  });

  it("holds a PipelineRunPending run until the field is cleared, then runs it", async () => {
    await createRun(pipelineRun("queued", { extra: { status: "PipelineRunPending" } }));
    const pending = await eventually(async () => {
      const pr = await getRun("queued");
      return succeededOf(pr)?.reason === "PipelineRunPending" ? pr : undefined;
    });
    expect(succeededOf(pending)).toMatchObject({ status: "Unknown", message: 'PipelineRun "queued" is pending' });
    // a run created after it goes all the way while it waits
    await createRun(pipelineRun("overtaker"));
    await finished("overtaker");
    const still = await getRun("queued");
    expect(succeededOf(still).reason).toBe("PipelineRunPending");
    expect(still.status.startTime).toBeUndefined();
    expect(await taskRunsOf("queued")).toEqual([]);

    await patchRun("queued", { spec: { status: null } });
    const done = await finished("queued");
    expect(succeededOf(done)).toMatchObject({ status: "True", reason: "Succeeded" });
    expect((await taskRunsOf("queued")).length).toBe(2);
  });

  it("fails a TaskRun whose pod is deleted out of band, and its run with it", async () => {
    await createRun(pipelineRun("evicted", { message: "Long [slow]" }));
    const podName = await podRunning("evicted-source");
    await core.deleteNamespacedPod({ name: podName, namespace: NS });
    const pr = await finished("evicted");
    expect(succeededOf(pr)).toMatchObject({ status: "False", reason: "Failed" });
    const tr = await getTaskRun("evicted-source");
    expect(succeededOf(tr)).toMatchObject({ status: "False", reason: "Failed" });
    expect(succeededOf(tr).message).toMatch(new RegExp(`^pod "${podName}" was deleted before the TaskRun finished \\(step "step-\\w+" was running\\)$`));
    expect(tr.status.completionTime).toBeDefined();
  });

  it("lets a watch see a run's transitions: Running with counts, then Succeeded", async () => {
    const seen: string[] = [];
    let stop: AbortController | undefined;
    const done = new Promise<void>((resolve) => {
      void new Watch(kc)
        .watch(
          `/apis/tekton.dev/v1/namespaces/${NS}/pipelineruns`,
          { fieldSelector: "metadata.name=watched" },
          (type: string, obj: Any) => {
            const c = succeededOf(obj);
            seen.push(`${type} ${c ? `${c.status}/${c.reason}: ${c.message}` : "-"}`);
            if (c?.status === "True") resolve();
          },
          () => resolve(),
        )
        .then((ac) => (stop = ac));
    });
    await eventually(() => stop !== undefined);
    await createRun(pipelineRun("watched"));
    await done;
    stop?.abort();
    expect(seen[0]).toBe("ADDED -");
    expect(seen).toContain("MODIFIED Unknown/Running: Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0");
    expect(seen).toContain("MODIFIED Unknown/Running: Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0");
    expect(seen.at(-1)).toBe("MODIFIED True/Succeeded: Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0");
  });

  it("skips a task whose when expression is false, and runs finally tasks with the tasks' status", async () => {
    const step = (name: string) => ({ name, image: "busybox", script: `echo ${name}` });
    const spec = (branch: string) => ({
      params: [{ name: "branch", value: branch }],
      pipelineSpec: {
        params: [{ name: "branch" }],
        tasks: [
          { name: "unit", taskSpec: { steps: [step("test")] } },
          {
            name: "deploy-dev",
            runAfter: ["unit"],
            when: [{ input: "$(params.branch)", operator: "in", values: ["develop"] }],
            taskSpec: { steps: [step("deploy")] },
          },
        ],
        finally: [
          {
            name: "notify",
            params: [{ name: "outcome", value: "$(tasks.status)" }],
            taskSpec: { params: [{ name: "outcome" }], steps: [step("notify")] },
          },
        ],
      },
    });
    await createRun({ apiVersion: "tekton.dev/v1", kind: "PipelineRun", metadata: { name: "feature" }, spec: spec("feature/x") });
    await createRun({ apiVersion: "tekton.dev/v1", kind: "PipelineRun", metadata: { name: "develop" }, spec: spec("develop") });
    const feature = await finished("feature");
    expect(succeededOf(feature)).toMatchObject({ status: "True", reason: "Completed", message: "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 1" });
    expect(feature.status.skippedTasks).toEqual([
      { name: "deploy-dev", reason: "When Expressions evaluated to false", whenExpressions: [{ input: "feature/x", operator: "in", values: ["develop"] }] },
    ]);
    expect((await getTaskRun("feature-notify")).spec.params).toEqual([{ name: "outcome", value: "Completed" }]);
    const develop = await finished("develop");
    expect(succeededOf(develop)).toMatchObject({ status: "True", reason: "Succeeded", message: "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0" });
    const notify = await getTaskRun("develop-notify");
    expect(notify.metadata.labels["tekton.dev/memberOf"]).toBe("finally");
    expect(notify.spec.params).toEqual([{ name: "outcome", value: "Succeeded" }]);
  });

  it("fails a run whose Pipeline does not exist with CouldntGetPipeline", async () => {
    await createRun({ ...pipelineRun("orphan"), spec: { pipelineRef: { name: "nope" } } });
    const pr = await finished("orphan");
    expect(succeededOf(pr)).toMatchObject({
      status: "False",
      reason: "CouldntGetPipeline",
      message: `Error retrieving pipeline for pipelinerun ${NS}/orphan: pipelines.tekton.dev "nope" not found`,
    });
  });

  const kubectl = path.join(process.env.WHARF_KUBECTL_DIR ?? "/usr/lib/google-cloud-sdk/bin", "kubectl.1.33");
  it("prints runs with kubectl: SUCCEEDED, REASON, STARTTIME and COMPLETIONTIME columns, by short name too", async () => {
    if (!existsSync(kubectl)) throw new Error(`kubectl 1.33 not found at ${kubectl} (set WHARF_KUBECTL_DIR)`);
    await finished("happy");
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(kubectl, args, { env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, HOME: sb.dir }, timeout: 20_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${String(err)}: ${stderr}`)) : resolve(stdout),
        ),
      );
    const prs = await run(["get", "pipelineruns", "-n", NS]);
    expect(prs).toMatch(/^NAME\s+SUCCEEDED\s+REASON\s+STARTTIME\s+COMPLETIONTIME$/m);
    expect(prs).toMatch(/^happy\s+True\s+Succeeded\s+\d+[smh]\S*\s+\d+[smh]\S*$/m);
    expect(prs).toMatch(/^red\s+False\s+Failed\s/m);
    expect(await run(["get", "tr", "red-source", "-n", NS])).toMatch(/^red-source\s+False\s+Failed\s/m);
    expect(await run(["get", "pipelines,tasks", "-n", NS, "-o", "name"])).toContain("pipeline.tekton.dev/ci");
  });
});

async function fetchJson(p: string): Promise<unknown> {
  return (await request(sb.clusters[0], "GET", p)).json;
}
