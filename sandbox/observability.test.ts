/**
 * Container logs (formats, determinism, tailLines, sinceSeconds, sinceTime,
 * timestamps, limitBytes, follow, previous and the kubelet's errors) and
 * metrics (Prometheus /metrics on the cluster port and the admin endpoint,
 * metrics.k8s.io), through client-node and raw HTTPS.
 */
import https from "node:https";
import { AppsV1Api, CoreV1Api, Metrics, RbacAuthorizationV1Api, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, eventually, FAST_SIMULATION, kubeConfigFor, request, sleep, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

let sb: TestSandbox;
let core: CoreV1Api;
const NS = "obs";

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "obs" }], simulation: FAST_SIMULATION, users: [{ name: "prom" }, { name: "nobody" }] });
  const kc = kubeConfigFor(sb.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  const pods: [string, string][] = [
    ["orders", "ghcr.io/acme/orders-java:1.4.2"],
    ["cart", "ghcr.io/acme/cart-node:2.0.1"],
    ["search", "ghcr.io/acme/search-fastapi:0.9.0"],
    ["edge", "nginx:1.27"],
    ["billing", "ghcr.io/acme/billing:3.1.0"],
    ["payments", "ghcr.io/acme/payments-node:1.0-crash"],
    ["flaky", "ghcr.io/acme/flaky:unready"],
    ["ghost", "ghcr.io/acme/ghost:does-not-exist"],
  ];
  for (const [name, image] of pods) {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name, labels: { app: name }, annotations: { "sandbox.wharf.dev/rps": "40" } },
        spec: { containers: [{ name: "app", image, resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "1Gi" } } }] },
      },
    });
  }
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace: NS,
    body: {
      metadata: { name: "front" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "front" } },
        template: { metadata: { labels: { app: "front" } }, spec: { containers: [{ name: "app", image: "nginx:1.27" }] } },
      },
    },
  });
  await eventually(
    async () => {
      const list = (await core.listNamespacedPod({ namespace: NS })).items;
      const running = list.filter((p) => p.status?.phase === "Running").length;
      const crashed = list.find((p) => p.metadata?.name === "payments")?.status?.containerStatuses?.[0]?.restartCount ?? 0;
      return running >= 8 && crashed >= 1;
    },
    10_000,
    "pods running and a crash",
  );
  await sleep(1200); // let the running containers log for a while
});
afterAll(async () => sb?.dispose());

const log = (name: string, query = "") => request(sb.clusters[0], "GET", `/api/v1/namespaces/${NS}/pods/${name}/log${query ? `?${query}` : ""}`);
const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("logs", () => {
  it("writes believable lines in the image's flavour", async () => {
    const java = await log("orders");
    expect(java.status).toBe(200);
    expect(java.headers["content-type"]).toContain("text/plain");
    expect(java.text).toContain(":: Spring Boot ::");
    expect(java.text).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z {2}INFO 1 --- \[orders\] \[ {11}main\] c\.e\.orders\.OrdersApplication +: Started OrdersApplication in [\d.]+ seconds/m,
    );
    expect(java.text).toMatch(
      /^\S+ +(INFO|ERROR) 1 --- \[orders\] \[nio-8080-exec-\d+\] \S+ +: \[orders,[0-9a-f]{32},[0-9a-f]{16}\] (GET|POST|PUT|DELETE) \/\S+ -> \d{3} \(\d+ ms\)$/m,
    );

    const cartText = await eventually(
      async () => {
        const t = (await log("cart")).text;
        return t.includes('"msg":"request completed"') ? t : undefined;
      },
      6000,
      "a request line",
    );
    const node = lines(cartText).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(node[0]).toMatchObject({ level: 30, pid: 1, hostname: "cart" });
    expect(node.find((l) => l.msg === "request completed")).toMatchObject({
      req: { method: expect.any(String), url: expect.stringMatching(/^\//) },
      res: { statusCode: expect.any(Number) },
      responseTime: expect.any(Number),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });

    const py = (await log("search")).text;
    expect(py).toContain("INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)");
    expect(py).toMatch(/^INFO: {5}10\.244\.\d+\.\d+:\d+ - "(GET|POST|PUT|DELETE) \/\S+ HTTP\/1\.1" \d{3} [A-Z]/m);

    expect((await log("edge")).text).toMatch(
      /^10\.244\.\d+\.\d+ - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET|POST|PUT|DELETE) \S+ HTTP\/1\.1" \d{3} \d+ /m,
    );
    expect((await log("billing")).text).toMatch(
      /^time=\S+Z level=(info|error) msg="request handled" method=\w+ path=\S+ status=\d{3} duration=\d+ms remote=\S+ trace_id=[0-9a-f]{32}$/m,
    );
    expect((await log("flaky")).text).toMatch(/path=\/ready status=503 /);
  });

  it("is deterministic and grows while the container runs", async () => {
    const first = (await log("orders")).text;
    const second = await eventually(
      async () => {
        const t = (await log("orders")).text;
        return t.length > first.length ? t : undefined;
      },
      5000,
      "more lines",
    );
    expect(second.startsWith(first)).toBe(true);
  });

  it("honours tailLines, timestamps, sinceSeconds, sinceTime and limitBytes", async () => {
    const all = lines((await log("edge")).text);
    expect(all.length).toBeGreaterThan(10);
    const tail = lines((await log("edge", "tailLines=3")).text);
    expect(tail).toHaveLength(3);
    expect(lines((await log("edge")).text)).toEqual(expect.arrayContaining(tail));
    const stamped = lines((await log("edge", "timestamps=true&tailLines=5")).text);
    for (const l of stamped) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S/);
    const recent = lines((await log("edge", "timestamps=true&sinceSeconds=1")).text);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(all.length);
    for (const l of recent) expect(Date.now() - Date.parse(l.split(" ")[0])).toBeLessThan(2500);
    const since = new Date(Date.now() - 500).toISOString();
    const afterTime = lines((await log("edge", `timestamps=true&sinceTime=${encodeURIComponent(since)}`)).text);
    for (const l of afterTime) expect(Date.parse(l.split(" ")[0])).toBeGreaterThanOrEqual(Date.parse(since) - 1);
    const limited = await log("edge", "limitBytes=100");
    expect(Buffer.byteLength(limited.text)).toBe(100);
  });

  it("follows: new lines arrive as time passes until the client goes away", async () => {
    // raw HTTPS: client-node's Log pipes a stream whose abort error it leaves unhandled
    const c = sb.clusters[0];
    const url = new URL(`/api/v1/namespaces/${NS}/pods/billing/log?follow=true&tailLines=1`, c.server);
    let received = "";
    const req = https.get(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, ca: c.caPem, headers: { Authorization: `Bearer ${adminToken(c)}` } },
      (res) => {
        res.on("data", (d: Buffer) => {
          received += d.toString();
        });
        res.on("error", () => undefined);
      },
    );
    req.on("error", () => undefined);
    await eventually(() => lines(received).length >= 1, 3000, "the tail line");
    const initial = lines(received).length;
    await eventually(() => lines(received).length > initial + 2, 5000, "new lines while following");
    req.destroy();
    expect(lines(received).every((l) => l.startsWith("time="))).toBe(true);
  });

  it("serves the previous instance of a crashed container, ending with its fatal error", async () => {
    const pod = await core.readNamespacedPod({ name: "payments", namespace: NS });
    expect(pod.status?.containerStatuses?.[0]?.restartCount ?? 0).toBeGreaterThanOrEqual(1);
    const prev = await log("payments", "previous=true");
    expect(prev.status).toBe(200);
    const l = lines(prev.text);
    expect(l.at(-1)).toBe("Node.js v20.18.0");
    expect(prev.text).toContain("Error: connect ECONNREFUSED 10.96.44.12:5432");
    const viaClient = await core.readNamespacedPodLog({ name: "payments", namespace: NS, previous: true, tailLines: 2 });
    expect(viaClient).toBe("\nNode.js v20.18.0\n");
  });

  it("answers the kubelet's 400s", async () => {
    const none = await log("edge", "previous=true");
    expect(none.status).toBe(400);
    expect(none.json.message).toBe('previous terminated container "app" in pod "edge" not found');
    const pull = await log("ghost");
    expect(pull.status).toBe(400);
    expect(pull.json.message).toMatch(/^container "app" in pod "ghost" is waiting to start: (trying and failing to pull image|image can't be pulled)$/);
    const bad = await log("edge", "container=nope");
    expect(bad.json.message).toBe("container nope is not valid for pod edge");
  });
});

describe("metrics", () => {
  const parse = (text: string) => {
    const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
    const types = new Map<string, string>();
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (t) {
        types.set(t[1], t[2]);
        continue;
      }
      if (line.startsWith("# HELP ")) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not exposition format: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      samples.push({ name: m[1], labels, value: m[3] === "+Inf" ? Infinity : Number(m[3]) });
    }
    return { samples, types };
  };

  it("serves Prometheus text with per-pod series on /metrics", async () => {
    const res = await request(sb.clusters[0], "GET", "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { samples, types } = parse(res.text);
    for (const name of [
      "container_cpu_usage_seconds_total",
      "container_memory_working_set_bytes",
      "http_requests_total",
      "http_request_duration_seconds",
      "jvm_memory_used_bytes",
      "jvm_gc_pause_seconds",
      "kube_pod_container_status_restarts_total",
      "kube_pod_status_phase",
      "kube_deployment_status_replicas",
    ]) {
      expect(types.has(name), name).toBe(true);
    }
    expect(types.get("http_request_duration_seconds")).toBe("histogram");
    const of = (name: string, pod: string) => samples.filter((s) => s.name === name && s.labels.pod === pod);
    expect(of("container_cpu_usage_seconds_total", "orders")[0].value).toBeGreaterThan(0);
    expect(of("container_memory_working_set_bytes", "orders")[0].labels).toMatchObject({ namespace: NS, pod: "orders", container: "app" });
    expect(of("jvm_memory_used_bytes", "orders").map((s) => s.labels.area)).toEqual(expect.arrayContaining(["heap", "nonheap"]));
    expect(of("jvm_memory_used_bytes", "cart")).toHaveLength(0);
    const buckets = of("http_request_duration_seconds_bucket", "edge");
    expect(buckets.at(-1)?.labels.le).toBe("+Inf");
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    expect(of("http_request_duration_seconds_count", "edge")[0].value).toBe(buckets.at(-1)?.value);
    // failure tags show: probes answered 503, restarts and the waiting reason of the crash loop
    expect(of("http_requests_total", "flaky").map((s) => s.labels.code)).toEqual(["503"]);
    expect(of("kube_pod_container_status_restarts_total", "payments")[0].value).toBeGreaterThanOrEqual(1);
    expect(of("kube_pod_status_phase", "ghost").find((s) => s.labels.phase === "Pending")?.value).toBe(1);
    expect(samples.find((s) => s.name === "kube_pod_container_status_waiting_reason" && s.labels.pod === "ghost")?.labels.reason).toMatch(
      /^(ErrImagePull|ImagePullBackOff)$/,
    );
    // counters only grow
    await sleep(600);
    const again = parse((await request(sb.clusters[0], "GET", "/metrics")).text).samples;
    const total = (list: typeof samples) => list.filter((s) => s.name === "http_requests_total" && s.labels.pod === "edge").reduce((n, s) => n + s.value, 0);
    expect(total(again)).toBeGreaterThan(total(samples));
  });

  it("authorises /metrics like the API server (nonResourceURLs) and serves it on the admin endpoint", async () => {
    const rbac = kubeConfigFor(sb.clusters[0]).makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: "metrics-reader" }, rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }] } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: "prom-metrics" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "metrics-reader" },
        subjects: [{ kind: "User", name: "prom", apiGroup: "rbac.authorization.k8s.io" }],
      },
    });
    const token = (user: string) => /token: (\S+)/.exec(sb.clusters[0].kubeconfigFor(user))?.[1] ?? "";
    expect((await request(sb.clusters[0], "GET", "/metrics", { token: token("prom") })).status).toBe(200);
    const denied = await request(sb.clusters[0], "GET", "/metrics", { token: token("nobody") });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe('forbidden: User "nobody" cannot get path "/metrics"');
    const admin = await fetch(`${sb.adminUrl ?? ""}/clusters/obs/metrics`);
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain("# TYPE container_cpu_usage_seconds_total counter");
  });

  it("feeds metrics.k8s.io from the same simulation", async () => {
    const m = new Metrics(kubeConfigFor(sb.clusters[0]));
    const pods = await m.getPodMetrics(NS);
    const orders = pods.items.find((p) => p.metadata.name === "orders");
    expect(orders?.containers[0].usage.cpu).toMatch(/^\d+n$/);
    expect(orders?.containers[0].usage.memory).toMatch(/^\d+Ki$/);
    expect(Number(orders?.containers[0].usage.cpu.slice(0, -1))).toBeGreaterThan(1_000_000);
    expect(pods.items.find((p) => p.metadata.name === "ghost")).toBeUndefined();
    const nodes = await m.getNodeMetrics();
    expect(nodes.items).toHaveLength(3);
    for (const n of nodes.items) expect(Number(n.usage.cpu.slice(0, -1))).toBeGreaterThan(0);
    const running = (await core.listNamespacedPod({ namespace: NS })).items.filter((p: V1Pod) => p.status?.phase === "Running").length;
    expect(pods.items.length).toBe(running);
  });
});
