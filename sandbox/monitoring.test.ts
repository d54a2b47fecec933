/**
 * What alert rules need from a sandbox cluster: kube-state-metrics' quota and
 * autoscaler series on /metrics (quota above 90%, autoscaler at its maximum),
 * and prometheus-operator's PrometheusRule kind served as a CRD (created
 * with client-node, listed by kubectl).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, FAST_SIMULATION, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

let sb: TestSandbox;
const NS = "shop-prod";

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "monrules" }], simulation: FAST_SIMULATION });
  const kc = kubeConfigFor(sb.clusters[0]);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedResourceQuota({
    namespace: NS,
    body: { metadata: { name: "quota" }, spec: { hard: { "requests.cpu": "2", "requests.memory": "1Gi", pods: "10" } } },
  });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace: NS,
    body: {
      metadata: { name: "api" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "api" } },
          spec: { containers: [{ name: "app", image: "shop/api:1.0", resources: { requests: { cpu: "500m", memory: "128Mi" } } }] },
        },
      },
    },
  });
  await kc.makeApiClient(AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({
    namespace: NS,
    body: {
      metadata: { name: "api" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, minReplicas: 1, maxReplicas: 3 },
    },
  });
});
afterAll(() => sb?.stop());

function samples(text: string, name: string) {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => {
      const [, labels = "", value = ""] = /^[^{]+\{(.*)\} (\S+)$/.exec(l) ?? [];
      return { labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
}

describe("metrics for alert rules", () => {
  it("exposes a namespace's quota as kube_resourcequota, hard and used per resource", async () => {
    const quota = await eventually(
      async () => {
        const list = samples((await request(sb.clusters[0], "GET", "/metrics")).text, "kube_resourcequota").filter((s) => s.labels.namespace === NS);
        return list.some((s) => s.labels.type === "used" && s.labels.resource === "requests.cpu" && s.value > 0) && list;
      },
      10_000,
      "the quota's usage on /metrics",
    );
    const of = (resource: string, type: string) => quota.find((s) => s.labels.resource === resource && s.labels.type === type)?.value;
    expect(of("requests.cpu", "hard")).toBe(2);
    expect(of("requests.cpu", "used")).toBe(0.5);
    expect(of("requests.memory", "hard")).toBe(1024 ** 3);
    expect(quota[0].labels.resourcequota).toBe("quota");
  });

  it("exposes an autoscaler's bounds and current replicas as kube_horizontalpodautoscaler_*", async () => {
    const text = (await request(sb.clusters[0], "GET", "/metrics")).text;
    const one = (name: string) => samples(text, name).find((s) => s.labels.namespace === NS && s.labels.horizontalpodautoscaler === "api")?.value;
    expect(one("kube_horizontalpodautoscaler_spec_max_replicas")).toBe(3);
    expect(one("kube_horizontalpodautoscaler_spec_min_replicas")).toBe(1);
    expect(one("kube_horizontalpodautoscaler_status_current_replicas")).toBeGreaterThanOrEqual(0);
  });
});

describe("PrometheusRule (monitoring.coreos.com/v1)", () => {
  const kubectl = path.join(process.env.WHARF_KUBECTL_DIR ?? "/usr/lib/google-cloud-sdk/bin", "kubectl.1.33");
  it("stores a PrometheusRule created with client-node, and kubectl lists it by plural and short name", async () => {
    const custom = kubeConfigFor(sb.clusters[0]).makeApiClient(CustomObjectsApi);
    const body = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "wharf-shop", labels: { "app.kubernetes.io/managed-by": "wharf" } },
      spec: { groups: [{ name: "shop", rules: [{ alert: "ShopDown", expr: "up == 0", for: "5m", labels: { severity: "critical" } }] }] },
    };
    await custom.createNamespacedCustomObject({ group: "monitoring.coreos.com", version: "v1", namespace: NS, plural: "prometheusrules", body });
    const read = (await custom.getNamespacedCustomObject({
      group: "monitoring.coreos.com",
      version: "v1",
      namespace: NS,
      plural: "prometheusrules",
      name: "wharf-shop",
    })) as typeof body;
    expect(read.spec.groups[0].rules[0].alert).toBe("ShopDown");
    if (!existsSync(kubectl)) throw new Error(`kubectl 1.33 not found at ${kubectl} (set WHARF_KUBECTL_DIR)`);
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(kubectl, args, { env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, HOME: sb.dir }, timeout: 20_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${String(err)}: ${stderr}`)) : resolve(stdout),
        ),
      );
    expect(await run(["get", "prometheusrules", "-n", NS, "-o", "name"])).toContain("prometheusrule.monitoring.coreos.com/wharf-shop");
    expect(await run(["get", "promrule", "-n", NS])).toMatch(/^wharf-shop\s+\d+\w+$/m);
  });
});
