/**
 * ResourceQuota (status and admission messages, GPU included), LimitRange
 * defaults, PodDisruptionBudgets and evictions, Endpoints and the HPA,
 * through client-node.
 */
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions, type V1Deployment } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, eventually, FAST_SIMULATION, kubeConfigFor, sleep, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

let sb: TestSandbox;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;
let hpa: AutoscalingV2Api;
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "policy" }], simulation: FAST_SIMULATION });
  const kc = kubeConfigFor(sb.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  policy = kc.makeApiClient(PolicyV1Api);
  hpa = kc.makeApiClient(AutoscalingV2Api);
  for (const ns of ["quota", "limits", "pdb", "svc", "hpa"]) await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => sb?.dispose());

const podWith = (name: string, requests: Record<string, string>, limits?: Record<string, string>) => ({
  metadata: { name },
  spec: { containers: [{ name: "app", image: "nginx:1.27", resources: { requests, ...(limits ? { limits } : {}) } }] },
});

function deployment(
  name: string,
  extra: {
    replicas?: number;
    image?: string;
    annotations?: Record<string, string>;
    resources?: Record<string, unknown>;
    ports?: { name: string; containerPort: number }[];
  } = {},
): V1Deployment {
  return {
    metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      replicas: extra.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: "app",
              image: extra.image ?? "nginx:1.27",
              ...(extra.resources ? { resources: extra.resources } : {}),
              ...(extra.ports ? { ports: extra.ports } : {}),
            },
          ],
        },
      },
    },
  };
}

const readyPods = async (ns: string, app: string) =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items.filter(
    (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );

describe("ResourceQuota", () => {
  it("keeps status.used current and refuses what would exceed it with the API server's messages", async () => {
    await core.createNamespacedResourceQuota({
      namespace: "quota",
      body: {
        metadata: { name: "q" },
        spec: { hard: { pods: "3", "requests.cpu": "1", "requests.memory": "1Gi", "requests.nvidia.com/gpu": "1", "count/deployments.apps": "1" } },
      },
    });
    const initial = await eventually(
      async () => (await core.readNamespacedResourceQuota({ name: "q", namespace: "quota" })).status?.used,
      3000,
      "quota status",
    );
    expect(initial).toEqual({ pods: "0", "requests.cpu": "0", "requests.memory": "0", "requests.nvidia.com/gpu": "0", "count/deployments.apps": "0" });

    await core.createNamespacedPod({ namespace: "quota", body: podWith("p1", { cpu: "600m", memory: "512Mi" }) });
    const refused = await apiError(core.createNamespacedPod({ namespace: "quota", body: podWith("p2", { cpu: "600m", memory: "256Mi" }) }));
    expect(refused.code).toBe(403);
    expect(refused.body.reason).toBe("Forbidden");
    expect(refused.body.message).toBe(
      'pods "p2" is forbidden: exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
    );

    const gpu = await apiError(
      core.createNamespacedPod({
        namespace: "quota",
        body: podWith("trainer", { cpu: "100m", memory: "64Mi", "nvidia.com/gpu": "2" }, { "nvidia.com/gpu": "2" }),
      }),
    );
    expect(gpu.body.message).toBe(
      'pods "trainer" is forbidden: exceeded quota: q, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=1',
    );

    await apps.createNamespacedDeployment({
      namespace: "quota",
      body: deployment("d1", { replicas: 0, resources: { requests: { cpu: "100m", memory: "64Mi" } } }),
    });
    const second = await apiError(apps.createNamespacedDeployment({ namespace: "quota", body: deployment("d2", { replicas: 0 }) }));
    expect(second.body.message).toBe(
      'deployments.apps "d2" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
    );

    const used = await eventually(
      async () => {
        const u = (await core.readNamespacedResourceQuota({ name: "q", namespace: "quota" })).status?.used;
        return u?.["count/deployments.apps"] === "1" ? u : undefined;
      },
      3000,
      "usage",
    );
    expect(used).toEqual({ pods: "1", "requests.cpu": "600m", "requests.memory": "512Mi", "requests.nvidia.com/gpu": "0", "count/deployments.apps": "1" });
  });

  it("asks for explicit resources when a quota limits them, and surfaces refusals on the ReplicaSet and Deployment", async () => {
    await core.createNamespacedResourceQuota({
      namespace: "quota",
      body: { metadata: { name: "limits" }, spec: { hard: { "limits.cpu": "4", "limits.memory": "4Gi" } } },
    });
    const missing = await apiError(core.createNamespacedPod({ namespace: "quota", body: podWith("bare", { cpu: "100m" }) }));
    expect(missing.body.message).toBe('pods "bare" is forbidden: failed quota: limits: must specify limits.cpu for: app; limits.memory for: app');
    await apps.patchNamespacedDeployment(
      {
        name: "d1",
        namespace: "quota",
        body: {
          spec: {
            replicas: 3,
            template: {
              spec: {
                containers: [
                  { name: "app", image: "nginx:1.27", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } } },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    // pods: 3 allows two more next to p1
    const d = await eventually(
      async () => {
        const x = await apps.readNamespacedDeployment({ name: "d1", namespace: "quota" });
        return x.status?.conditions?.some((c) => c.type === "ReplicaFailure") ? x : undefined;
      },
      5000,
      "ReplicaFailure on the deployment",
    );
    expect(d.status?.conditions?.find((c) => c.type === "ReplicaFailure")).toMatchObject({ status: "True", reason: "FailedCreate" });
    expect(d.status?.conditions?.find((c) => c.type === "ReplicaFailure")?.message).toMatch(
      /^pods "d1-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3$/,
    );
    const ev = (await core.listNamespacedEvent({ namespace: "quota", fieldSelector: "involvedObject.kind=ReplicaSet,reason=FailedCreate" })).items;
    expect(ev[0]).toMatchObject({
      type: "Warning",
      message: expect.stringMatching(/^Error creating: pods "d1-\S+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3$/),
    });
    // room again: the ReplicaSet retries and the failure clears
    await core.deleteNamespacedPod({ name: "p1", namespace: "quota" });
    await eventually(
      async () => (await apps.readNamespacedDeployment({ name: "d1", namespace: "quota" })).status?.availableReplicas === 3,
      10_000,
      "three replicas",
    );
    await eventually(
      async () => !(await apps.readNamespacedDeployment({ name: "d1", namespace: "quota" })).status?.conditions?.some((c) => c.type === "ReplicaFailure"),
      5000,
      "failure cleared",
    );
  });
});

describe("LimitRange", () => {
  it("applies container defaults at admission, annotates the pod and enforces max", async () => {
    const lr = await core.createNamespacedLimitRange({
      namespace: "limits",
      body: {
        metadata: { name: "defaults" },
        spec: { limits: [{ type: "Container", _default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "100m" }, max: { cpu: "1" } }] },
      },
    });
    expect(lr.spec?.limits[0].defaultRequest).toEqual({ cpu: "100m", memory: "256Mi" });
    const p = await core.createNamespacedPod({
      namespace: "limits",
      body: { metadata: { name: "defaulted" }, spec: { containers: [{ name: "app", image: "nginx:1.27" }] } },
    });
    expect(p.spec?.containers[0].resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    expect(p.metadata?.annotations?.["kubernetes.io/limit-ranger"]).toBe(
      "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app",
    );
    expect(p.status?.qosClass).toBe("Burstable");
    const tooBig = await apiError(core.createNamespacedPod({ namespace: "limits", body: podWith("big", { cpu: "100m" }, { cpu: "2" }) }));
    expect(tooBig.body.message).toBe('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });
});

describe("PodDisruptionBudget", () => {
  it("reports status and refuses evictions that would break it (429), allows them otherwise", async () => {
    await apps.createNamespacedDeployment({ namespace: "pdb", body: deployment("web") });
    await eventually(async () => (await readyPods("pdb", "web")).length === 2, 8000, "two ready pods");
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "pdb",
      body: { metadata: { name: "web-pdb" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } } },
    });
    const status = await eventually(
      async () => (await policy.readNamespacedPodDisruptionBudget({ name: "web-pdb", namespace: "pdb" })).status,
      3000,
      "pdb status",
    );
    expect(status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: 2, observedGeneration: 1 });
    expect(status.conditions).toEqual([expect.objectContaining({ type: "DisruptionAllowed", status: "False", reason: "InsufficientPods" })]);
    const [victim] = await readyPods("pdb", "web");
    const name = victim.metadata?.name ?? "";
    const refused = await apiError(core.createNamespacedPodEviction({ name, namespace: "pdb", body: { metadata: { name, namespace: "pdb" } } }));
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({
      reason: "TooManyRequests",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently" }] },
    });
    await policy.patchNamespacedPodDisruptionBudget({ name: "web-pdb", namespace: "pdb", body: { spec: { minAvailable: null, maxUnavailable: 1 } } }, merge);
    await eventually(
      async () => (await policy.readNamespacedPodDisruptionBudget({ name: "web-pdb", namespace: "pdb" })).status?.disruptionsAllowed === 1,
      3000,
      "one disruption allowed",
    );
    await core.createNamespacedPodEviction({ name, namespace: "pdb", body: { metadata: { name, namespace: "pdb" } } });
    const evicted = await core.readNamespacedPod({ name, namespace: "pdb" }).catch(() => undefined); // may be gone already
    if (evicted) expect(evicted.metadata?.deletionTimestamp).toBeDefined();
    await eventually(async () => (await readyPods("pdb", "web")).filter((p) => p.metadata?.name !== name).length === 2, 8000, "replacement");
  });
});

describe("Endpoints", () => {
  it("lists ready pods as addresses and unready ones as notReadyAddresses, resolving named ports", async () => {
    await apps.createNamespacedDeployment({ namespace: "svc", body: deployment("api", { replicas: 3, ports: [{ name: "http", containerPort: 8080 }] }) });
    await core.createNamespacedService({
      namespace: "svc",
      body: { metadata: { name: "api" }, spec: { selector: { app: "api" }, ports: [{ name: "web", port: 80, targetPort: "http" }] } },
    });
    const ep = await eventually(
      async () => {
        const e = await core.readNamespacedEndpoints({ name: "api", namespace: "svc" }).catch(() => undefined);
        return e?.subsets?.[0]?.addresses?.length === 3 ? e : undefined;
      },
      8000,
      "three addresses",
    );
    const pods = (await core.listNamespacedPod({ namespace: "svc", labelSelector: "app=api" })).items;
    expect(ep.subsets?.[0].ports).toEqual([{ name: "web", port: 8080, protocol: "TCP" }]);
    expect(ep.subsets?.[0].addresses?.map((a) => a.ip).sort()).toEqual(pods.map((p) => p.status?.podIP).sort());
    expect(ep.subsets?.[0].addresses?.[0]).toMatchObject({ nodeName: expect.stringMatching(/^policy-node-\d$/), targetRef: { kind: "Pod", namespace: "svc" } });
    await core.createNamespacedPod({
      namespace: "svc",
      body: {
        metadata: { name: "api-canary", labels: { app: "api" } },
        spec: { containers: [{ name: "app", image: "ghcr.io/acme/api:unready", ports: [{ name: "http", containerPort: 8080 }] }] },
      },
    });
    const withUnready = await eventually(
      async () => {
        const e = await core.readNamespacedEndpoints({ name: "api", namespace: "svc" });
        return e.subsets?.[0]?.notReadyAddresses?.length === 1 ? e : undefined;
      },
      8000,
      "not-ready address",
    );
    expect(withUnready.subsets?.[0].notReadyAddresses?.[0].targetRef?.name).toBe("api-canary");
    expect(withUnready.subsets?.[0].addresses).toHaveLength(3);
    await core.deleteNamespacedService({ name: "api", namespace: "svc" });
    await eventually(async () => (await apiError(core.readNamespacedEndpoints({ name: "api", namespace: "svc" }))).code === 404, 3000, "endpoints removed");
  });
});

describe("HorizontalPodAutoscaler", () => {
  it("scales a Deployment up on simulated CPU, reports metrics and conditions, and back down after stabilisation", async () => {
    await apps.createNamespacedDeployment({
      namespace: "hpa",
      body: deployment("busy", { replicas: 1, annotations: { "sandbox.wharf.dev/cpu-utilization": "200" }, resources: { requests: { cpu: "100m" } } }),
    });
    await eventually(async () => (await readyPods("hpa", "busy")).length === 1, 8000, "one ready pod");
    await hpa.createNamespacedHorizontalPodAutoscaler({
      namespace: "hpa",
      body: {
        metadata: { name: "busy" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "busy" },
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
        },
      },
    });
    // 200% against a 50% target wants 16 replicas: capped at maxReplicas once the new pods report
    const up = await eventually(
      async () => {
        const h = await hpa.readNamespacedHorizontalPodAutoscaler({ name: "busy", namespace: "hpa" });
        return h.status?.desiredReplicas === 4 && h.status.lastScaleTime && h.status.conditions?.some((c) => c.reason === "TooManyReplicas") ? h : undefined;
      },
      8000,
      "scale up to 4",
    );
    expect((await apps.readNamespacedDeployment({ name: "busy", namespace: "hpa" })).spec?.replicas).toBe(4);
    const util = up.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? 0;
    expect(util).toBeGreaterThan(150);
    expect(util).toBeLessThan(260);
    expect(up.status?.currentMetrics?.[0]?.resource?.current?.averageValue).toMatch(/^\d+m$/);
    const conds = Object.fromEntries((up.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
    expect(conds).toMatchObject({ ScalingActive: "True/ValidMetricFound", ScalingLimited: "True/TooManyReplicas" });
    // SucceededRescale right after scaling, ReadyForNewScale on the next sync that keeps the size
    expect(["True/SucceededRescale", "True/ReadyForNewScale"]).toContain(conds.AbleToScale);
    const ev = (
      await core.listNamespacedEvent({ namespace: "hpa", fieldSelector: "involvedObject.name=busy,involvedObject.kind=HorizontalPodAutoscaler" })
    ).items.map((e) => e.message);
    expect(ev).toContain("New size: 4; reason: cpu resource utilization (percentage of request) above target");

    // load drops: after the (shortened) stabilisation window it scales back to minReplicas
    await apps.patchNamespacedDeployment(
      { name: "busy", namespace: "hpa", body: { metadata: { annotations: { "sandbox.wharf.dev/cpu-utilization": "10" } } } },
      merge,
    );
    await sleep(500);
    expect((await apps.readNamespacedDeployment({ name: "busy", namespace: "hpa" })).spec?.replicas).toBe(4);
    await eventually(async () => (await apps.readNamespacedDeployment({ name: "busy", namespace: "hpa" })).spec?.replicas === 1, 10_000, "scale down to 1");
    const down = (
      await core.listNamespacedEvent({ namespace: "hpa", fieldSelector: "involvedObject.name=busy,involvedObject.kind=HorizontalPodAutoscaler" })
    ).items.map((e) => e.message);
    expect(down).toContain("New size: 1; reason: All metrics below target");
  });

  it("scales a StatefulSet too (its annotations steer the simulated load)", async () => {
    await apps.createNamespacedStatefulSet({
      namespace: "hpa",
      body: {
        metadata: { name: "cache", annotations: { "sandbox.wharf.dev/cpu-utilization": "150" } },
        spec: {
          replicas: 1,
          serviceName: "cache",
          selector: { matchLabels: { app: "cache" } },
          template: {
            metadata: { labels: { app: "cache" } },
            spec: { containers: [{ name: "redis", image: "redis:7", resources: { requests: { cpu: "200m" } } }] },
          },
        },
      },
    });
    await eventually(async () => (await readyPods("hpa", "cache")).length === 1, 8000, "cache-0 ready");
    await hpa.createNamespacedHorizontalPodAutoscaler({
      namespace: "hpa",
      body: {
        metadata: { name: "cache" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "cache" },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }],
        },
      },
    });
    await eventually(
      async () => (await apps.readNamespacedStatefulSet({ name: "cache", namespace: "hpa" })).status?.readyReplicas === 3,
      10_000,
      "three ready cache pods",
    );
    expect((await readyPods("hpa", "cache")).map((p) => p.metadata?.name).sort()).toEqual(["cache-0", "cache-1", "cache-2"]);
  });

  it("reports a missing CPU request instead of scaling", async () => {
    await apps.createNamespacedDeployment({ namespace: "hpa", body: deployment("norequest", { replicas: 1 }) });
    await eventually(async () => (await readyPods("hpa", "norequest")).length === 1, 8000, "ready pod");
    await hpa.createNamespacedHorizontalPodAutoscaler({
      namespace: "hpa",
      body: {
        metadata: { name: "norequest" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "norequest" },
          maxReplicas: 3,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
        },
      },
    });
    const h = await eventually(
      async () => {
        const x = await hpa.readNamespacedHorizontalPodAutoscaler({ name: "norequest", namespace: "hpa" });
        return x.status?.conditions?.some((c) => c.type === "ScalingActive") ? x : undefined;
      },
      5000,
      "ScalingActive condition",
    );
    expect(h.status?.conditions?.find((c) => c.type === "ScalingActive")).toMatchObject({ status: "False", reason: "FailedGetResourceMetric" });
    expect(h.status?.conditions?.find((c) => c.type === "ScalingActive")?.message).toMatch(
      /^the HPA was unable to compute the replica count: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container app of Pod norequest-\S+$/,
    );
  });
});
