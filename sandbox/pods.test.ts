/**
 * Scheduler and simulated kubelet through client-node: pod status as a
 * kubelet writes it, the failure modes chosen by image tag (crash, oom,
 * nopull / does-not-exist, unready, slow), graceful deletion, and scheduling
 * (resources, GPUs, nodeSelector, taints, anti-affinity, topology spread).
 */
import { AppsV1Api, CoreV1Api, type V1Pod, type V1PodSpec } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, eventually, FAST_SIMULATION, kubeConfigFor, sleep, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

let sb: TestSandbox;
let core: CoreV1Api;
let apps: AppsV1Api;
const NS = "pods";
const NODES = ["pods-node-1", "pods-node-2", "pods-node-3"];

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "pods", region: "eu-west" }], simulation: FAST_SIMULATION });
  const kc = kubeConfigFor(sb.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
afterAll(async () => sb?.dispose());

async function pod(name: string, image: string, spec: Partial<V1PodSpec> = {}, labels: Record<string, string> = {}): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace: NS,
    body: { metadata: { name, labels: { app: name, ...labels } }, spec: { containers: [{ name: "app", image }], ...spec } },
  });
}
const read = (name: string) => core.readNamespacedPod({ name, namespace: NS });
async function until(name: string, pred: (p: V1Pod) => unknown, what: string, timeoutMs = 8000): Promise<V1Pod> {
  return eventually(
    async () => {
      const p = await read(name);
      return pred(p) ? p : undefined;
    },
    timeoutMs,
    `${name}: ${what}`,
  );
}
async function eventsOf(name: string): Promise<{ reason: string; message: string; count: number; type: string; source: string }[]> {
  const list = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name}` });
  return list.items
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "", count: e.count ?? 0, type: e.type ?? "", source: e.source?.component ?? "" }));
}
const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
const waiting = (p: V1Pod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason;

describe("kubelet", () => {
  it("runs a pod to Running and Ready with a kubelet-like status and events", async () => {
    await pod("plain", "nginx:1.27", {
      containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } } }],
    });
    const p = await until("plain", ready, "ready");
    const s = p.status;
    expect(s?.phase).toBe("Running");
    expect(s?.qosClass).toBe("Guaranteed");
    expect(NODES).toContain(p.spec?.nodeName);
    expect(s?.hostIP).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(s?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(s?.podIPs).toEqual([{ ip: s?.podIP }]);
    expect(s?.startTime).toBeInstanceOf(Date);
    expect(s?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(["Initialized=True", "Ready=True", "ContainersReady=True", "PodScheduled=True"]);
    const cs = s?.containerStatuses?.[0];
    expect(cs).toMatchObject({ name: "app", ready: true, started: true, restartCount: 0, image: "docker.io/library/nginx:1.27" });
    expect(cs?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs?.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(cs?.state?.running?.startedAt).toBeInstanceOf(Date);
    const ev = await eventsOf("plain");
    expect(ev.map((e) => e.reason)).toEqual(expect.arrayContaining(["Scheduled", "Created", "Started"]));
    expect(ev.find((e) => e.reason === "Scheduled")).toMatchObject({
      message: `Successfully assigned ${NS}/plain to ${p.spec?.nodeName ?? ""}`,
      source: "default-scheduler",
    });
    expect(ev.find((e) => e.reason === "Created")).toMatchObject({ message: "Created container: app", source: "kubelet" });
    expect(ev.find((e) => e.reason === "Started")?.message).toBe("Started container app");
    expect(ev.find((e) => e.reason === "Pulled")?.message).toMatch(
      /^(Successfully pulled image "nginx:1\.27" in \d+ms \(\d+ms including waiting\)\. Image size: \d+ bytes\.|Container image "nginx:1\.27" already present on machine)$/,
    );
  });

  it("crash-loops a `crash` image with growing restarts, CrashLoopBackOff and the last termination", async () => {
    await pod("crashy", "ghcr.io/acme/orders:1.0-crash");
    const p = await until(
      "crashy",
      (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && waiting(x) === "CrashLoopBackOff",
      "CrashLoopBackOff after restarts",
      10_000,
    );
    const cs = p.status?.containerStatuses?.[0];
    expect(p.status?.phase).toBe("Running");
    expect(cs?.ready).toBe(false);
    expect(cs?.state?.waiting?.message).toMatch(new RegExp(`^back-off \\d+s restarting failed container=app pod=crashy_${NS}\\(${p.metadata?.uid ?? ""}\\)$`));
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(p.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [app]",
    });
    const ev = await eventsOf("crashy");
    const backoff = ev.find((e) => e.reason === "BackOff");
    expect(backoff).toMatchObject({ type: "Warning", message: `Back-off restarting failed container app in pod crashy_${NS}(${p.metadata?.uid ?? ""})` });
    expect(ev.find((e) => e.reason === "Started")?.count).toBeGreaterThanOrEqual(3);
    const before = cs?.restartCount ?? 0;
    await until("crashy", (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) > before, "more restarts", 10_000);
  });

  it("OOM-kills an `oom` image", async () => {
    await pod("hungry", "ghcr.io/acme/report-java:2.1-oom", {
      containers: [{ name: "app", image: "ghcr.io/acme/report-java:2.1-oom", resources: { limits: { memory: "256Mi" } } }],
    });
    const p = await until("hungry", (x) => x.status?.containerStatuses?.[0]?.lastState?.terminated, "an OOM kill", 10_000);
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
  });

  it("fails to pull `nopull` and `does-not-exist` images: ErrImagePull then ImagePullBackOff", async () => {
    await pod("nopull", "nginx:does-not-exist");
    const first = await until("nopull", (x) => waiting(x) === "ErrImagePull", "ErrImagePull");
    expect(first.status?.phase).toBe("Pending");
    expect(first.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:does-not-exist": failed to resolve reference "docker.io/library/nginx:does-not-exist": docker.io/library/nginx:does-not-exist: not found',
    );
    const p = await until("nopull", (x) => waiting(x) === "ImagePullBackOff", "ImagePullBackOff");
    expect(p.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('Back-off pulling image "nginx:does-not-exist"');
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: false, restartCount: 0, image: "nginx:does-not-exist", imageID: "" });
    const ev = await eventsOf("nopull");
    expect(ev).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: "Pulling", message: 'Pulling image "nginx:does-not-exist"' }),
        expect.objectContaining({
          reason: "Failed",
          type: "Warning",
          message: expect.stringMatching(/^Failed to pull image "nginx:does-not-exist": rpc error: code = NotFound/),
        }),
        expect.objectContaining({ reason: "Failed", message: "Error: ErrImagePull" }),
        expect.objectContaining({ reason: "BackOff", type: "Normal", message: 'Back-off pulling image "nginx:does-not-exist"' }),
        expect.objectContaining({ reason: "Failed", message: "Error: ImagePullBackOff" }),
      ]),
    );
    await pod("nopull2", "ghcr.io/acme/api:v2-nopull");
    await until("nopull2", (x) => waiting(x) === "ImagePullBackOff" || waiting(x) === "ErrImagePull", "pull failure");
  });

  it("keeps an `unready` image Running but never Ready, with Unhealthy events counted", async () => {
    await pod("unready", "ghcr.io/acme/api:unready", {
      containers: [{ name: "app", image: "ghcr.io/acme/api:unready", readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 5 } }],
    });
    await eventually(async () => ((await eventsOf("unready")).find((e) => e.reason === "Unhealthy")?.count ?? 0) >= 3, 8000, "repeated Unhealthy events");
    const p = await read("unready");
    expect(p.status?.phase).toBe("Running");
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect((await eventsOf("unready")).filter((e) => e.reason === "Unhealthy")).toEqual([
      expect.objectContaining({ type: "Warning", message: "Readiness probe failed: HTTP probe failed with statuscode: 503" }),
    ]);
  });

  it("takes longer to get a `slow` image ready, and models probe delays", async () => {
    const t0 = Date.now();
    await pod("slowpoke", "ghcr.io/acme/api:slow");
    await until("slowpoke", (x) => x.status?.phase === "Running", "running");
    const runningAfter = Date.now() - t0;
    expect(ready(await read("slowpoke"))).toBe(false);
    await until("slowpoke", ready, "ready");
    expect(Date.now() - t0 - runningAfter).toBeGreaterThanOrEqual(250); // 20-30 s x timeScale 0.02
    await pod("probed", "nginx:1.27", {
      containers: [{ name: "app", image: "nginx:1.27", readinessProbe: { httpGet: { path: "/", port: 80 }, initialDelaySeconds: 20 } }],
    });
    const p = await until("probed", (x) => x.status?.phase === "Running", "running");
    expect(ready(p)).toBe(false);
    await until("probed", ready, "ready after initialDelaySeconds x timeScale");
  });

  it("deletes gracefully: Terminating (Killing event), then gone", async () => {
    await pod("bye", "nginx:1.27");
    await until("bye", ready, "ready");
    const del = await core.deleteNamespacedPod({ name: "bye", namespace: NS });
    expect(del.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(del.metadata?.deletionGracePeriodSeconds).toBe(30);
    const after = await read("bye").catch(() => undefined); // gone already on a slow machine
    if (after) expect(after.metadata?.deletionTimestamp).toBeDefined();
    expect(await eventually(async () => (await eventsOf("bye")).find((e) => e.reason === "Killing")?.message, 3000, "Killing event")).toBe(
      "Stopping container app",
    );
    await eventually(async () => (await apiError(read("bye"))).code === 404, 5000, "pod gone");
    // an unscheduled pod goes at once
    await pod("nowhere", "nginx:1.27", { nodeSelector: { disk: "none" } });
    await core.deleteNamespacedPod({ name: "nowhere", namespace: NS });
    expect((await apiError(read("nowhere"))).code).toBe(404);
  });

  it("runs init containers first", async () => {
    await pod("inits", "nginx:1.27", { initContainers: [{ name: "migrate", image: "ghcr.io/acme/migrate:1" }] });
    const early = await until("inits", (x) => x.status?.initContainerStatuses?.[0]?.state?.running, "init running");
    expect(early.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    const p = await until("inits", ready, "ready");
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });
});

describe("scheduler", () => {
  const failedScheduling = async (name: string) =>
    eventually(async () => (await eventsOf(name)).find((e) => e.reason === "FailedScheduling")?.message, 5000, `${name} FailedScheduling`);

  it("refuses pods no node fits with the real message, condition and event", async () => {
    await pod("huge", "nginx:1.27", { containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu: "100" } } }] });
    const msg = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    expect(await failedScheduling("huge")).toBe(msg);
    const p = await read("huge");
    expect(p.status?.phase).toBe("Pending");
    expect(p.status?.conditions).toEqual([expect.objectContaining({ type: "PodScheduled", status: "False", reason: "Unschedulable", message: msg })]);
    await pod("picky", "nginx:1.27", { nodeSelector: { disktype: "ssd" } });
    expect(await failedScheduling("picky")).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it("places GPU pods on the GPU node and refuses a second one", async () => {
    const gpu = { containers: [{ name: "app", image: "ghcr.io/acme/trainer:1", resources: { limits: { "nvidia.com/gpu": "1" } } }] };
    await pod("gpu-1", "x", gpu);
    const p = await until("gpu-1", (x) => x.spec?.nodeName, "scheduled");
    expect(p.spec?.nodeName).toBe("pods-node-3");
    await pod("gpu-2", "x", gpu);
    expect(await failedScheduling("gpu-2")).toBe(
      "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    await core.deleteNamespacedPod({ name: "gpu-1", namespace: NS });
    // capacity freed: the pending pod is retried and placed
    expect((await until("gpu-2", (x) => x.spec?.nodeName, "scheduled after gpu-1 left")).spec?.nodeName).toBe("pods-node-3");
  });

  it("honours taints and tolerations", async () => {
    const node = await core.readNode({ name: "pods-node-1" });
    await core.replaceNode({
      name: "pods-node-1",
      body: { ...node, spec: { ...node.spec, taints: [{ key: "dedicated", value: "ml", effect: "NoSchedule" }] } },
    });
    await sleep(50);
    const onNode1 = { nodeSelector: { "kubernetes.io/hostname": "pods-node-1" } };
    await pod("intolerant", "nginx:1.27", onNode1);
    expect(await failedScheduling("intolerant")).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: ml}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    await pod("tolerant", "nginx:1.27", { ...onNode1, tolerations: [{ key: "dedicated", operator: "Equal", value: "ml", effect: "NoSchedule" }] });
    expect((await until("tolerant", (x) => x.spec?.nodeName, "scheduled")).spec?.nodeName).toBe("pods-node-1");
    const fresh = await core.readNode({ name: "pods-node-1" });
    await core.replaceNode({ name: "pods-node-1", body: { ...fresh, spec: { ...fresh.spec, taints: [] } } });
  });

  it("keeps required anti-affinity replicas on different nodes", async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: "spread-host" },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: "spread-host" } },
          template: {
            metadata: { labels: { app: "spread-host" } },
            spec: {
              containers: [{ name: "app", image: "nginx:1.27" }],
              affinity: {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: { matchLabels: { app: "spread-host" } }, topologyKey: "kubernetes.io/hostname" },
                  ],
                },
              },
            },
          },
        },
      },
    });
    const pods = await eventually(
      async () => {
        const list = (await core.listNamespacedPod({ namespace: NS, labelSelector: "app=spread-host" })).items;
        return list.filter((p) => p.spec?.nodeName).length === 3 && list.length === 4 ? list : undefined;
      },
      8000,
      "three placed pods",
    );
    expect(new Set(pods.map((p) => p.spec?.nodeName).filter(Boolean)).size).toBe(3);
    const pending = pods.find((p) => !p.spec?.nodeName) as V1Pod;
    expect(await failedScheduling(pending.metadata?.name ?? "")).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it("spreads over zones with topologySpreadConstraints (maxSkew, DoNotSchedule)", async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: "spread-zone" },
        spec: {
          replicas: 7,
          selector: { matchLabels: { app: "spread-zone" } },
          template: {
            metadata: { labels: { app: "spread-zone" } },
            spec: {
              containers: [{ name: "app", image: "nginx:1.27" }],
              nodeSelector: { "topology.kubernetes.io/zone": "eu-west-a" },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "topology.kubernetes.io/zone",
                  whenUnsatisfiable: "DoNotSchedule",
                  labelSelector: { matchLabels: { app: "spread-zone" } },
                },
              ],
            },
          },
        },
      },
    });
    // only zone a is eligible (node affinity is honoured by default): all land there
    await eventually(
      async () =>
        (await core.listNamespacedPod({ namespace: NS, labelSelector: "app=spread-zone" })).items.filter((p) => p.spec?.nodeName === "pods-node-1").length ===
        7,
      8000,
      "pods in zone a",
    );
    await apps.deleteNamespacedDeployment({ name: "spread-zone", namespace: NS });
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: "spread-zone2" },
        spec: {
          replicas: 7,
          selector: { matchLabels: { app: "spread-zone2" } },
          template: {
            metadata: { labels: { app: "spread-zone2" } },
            spec: {
              containers: [{ name: "app", image: "nginx:1.27" }],
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "topology.kubernetes.io/zone",
                  whenUnsatisfiable: "DoNotSchedule",
                  labelSelector: { matchLabels: { app: "spread-zone2" } },
                },
              ],
            },
          },
        },
      },
    });
    const placed = await eventually(
      async () => {
        const list = (await core.listNamespacedPod({ namespace: NS, labelSelector: "app=spread-zone2" })).items.filter((p) => p.spec?.nodeName);
        return list.length === 7 ? list : undefined;
      },
      8000,
      "seven placed pods",
    );
    const perNode = NODES.map((n) => placed.filter((p) => p.spec?.nodeName === n).length).sort();
    expect(perNode).toEqual([2, 2, 3]);
  });
});
