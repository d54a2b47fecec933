import { readFileSync } from "node:fs";
import path from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { startSandbox } from "./index.js";
import { apiError, kubeConfigFor, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { apiServerControllers } from "./controllers/index.js";

let sb: TestSandbox;

beforeAll(async () => {
  // API-server behaviour only: no workload controllers changing the objects under test
  sb = await startTestSandbox({ users: [{ name: "dev", groups: ["devs"] }], controllers: apiServerControllers });
});
afterAll(async () => sb.dispose());

const coreOf = (i: number) => kubeConfigFor(sb.clusters[i]).makeApiClient(CoreV1Api);

describe("sandbox handle and kubeconfig", () => {
  it("starts sandbox-east and sandbox-west by default, each with its own port and CA", () => {
    expect(sb.clusters.map((c) => `${c.name}/${c.region}`)).toEqual(["sandbox-east/us-east", "sandbox-west/us-west"]);
    const [east, west] = sb.clusters;
    expect(east.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(east.server).not.toBe(west.server);
    expect(east.caData).not.toBe(west.caData);
    expect(sb.cluster("sandbox-west")).toBe(west);
    expect(() => sb.cluster("nope")).toThrow(/no cluster named "nope"/);
  });

  it("writes a merged kubeconfig with a context per cluster and user that client-node loads", async () => {
    const text = readFileSync(sb.kubeconfigPath, "utf8");
    const doc = YAML.parse(text) as { contexts: { name: string }[]; "current-context": string };
    expect(doc.contexts.map((c) => c.name).sort()).toEqual(["sandbox-east", "sandbox-east-dev", "sandbox-west", "sandbox-west-dev"]);
    expect(doc["current-context"]).toBe("sandbox-east");
    const kc = new KubeConfig();
    kc.loadFromFile(sb.kubeconfigPath);
    kc.setCurrentContext("sandbox-west");
    const ns = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(ns.items.length).toBeGreaterThanOrEqual(4);
    kc.setCurrentContext("sandbox-west-dev");
    expect((await apiError(kc.makeApiClient(CoreV1Api).listNamespace())).code).toBe(403);
    for (const c of sb.clusters) expect(readFileSync(path.join(sb.dir, "state", c.name, "kubeconfig"), "utf8")).toContain(c.server);
  });

  it("adds users whose token works on every cluster", async () => {
    const token = sb.addUser("ops", ["system:masters"]);
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    for (const c of sb.clusters) {
      const kc = new KubeConfig();
      kc.loadFromString(c.kubeconfigFor("ops"));
      expect((await kc.makeApiClient(CoreV1Api).listNode()).items.length).toBeGreaterThan(0);
    }
    expect(readFileSync(sb.kubeconfigPath, "utf8")).toContain("sandbox-west-ops");
  });
});

describe("faults", () => {
  it("stop closes the port (connections refused) and start reopens it with the same state", async () => {
    const west = sb.clusters[1];
    const core = coreOf(1);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "survives" } } });
    const server = west.server;
    await west.stop();
    expect(west.state).toBe("stopped");
    await expect(core.listNamespace()).rejects.toThrow(/ECONNREFUSED|connect|fetch failed/i);
    // the other cluster is unaffected
    expect((await coreOf(0).listNamespace()).items.length).toBeGreaterThan(0);
    await west.start();
    expect(west.server).toBe(server);
    expect((await coreOf(1).readNamespacedConfigMap({ name: "survives", namespace: "default" })).metadata?.name).toBe("survives");
  });

  it("adds latency to every request", async () => {
    const east = sb.clusters[0];
    east.setLatency(300);
    const t0 = Date.now();
    await coreOf(0).listNamespace();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    east.setLatency(0);
    const t1 = Date.now();
    await coreOf(0).listNamespace();
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it("fails the next N requests with a Status", async () => {
    const east = sb.clusters[0];
    east.failNext(2, 503, "etcd is sad");
    const e1 = await apiError(coreOf(0).listNamespace());
    expect(e1.code).toBe(503);
    expect(e1.body).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", message: "etcd is sad", code: 503 });
    expect((await apiError(coreOf(0).listNamespace())).code).toBe(503);
    expect((await coreOf(0).listNamespace()).items.length).toBeGreaterThan(0);
  });

  it("drives the same faults through the admin endpoint", async () => {
    const admin = sb.adminUrl ?? "";
    const post = (p: string, body?: unknown) => fetch(`${admin}${p}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
    const list = (await (await fetch(`${admin}/clusters`)).json()) as { name: string; url: string; state: string }[];
    expect(list.map((c) => `${c.name}:${c.state}`)).toEqual(["sandbox-east:running", "sandbox-west:running"]);
    expect(list[0].url).toBe(sb.clusters[0].server);
    expect((await post("/clusters/sandbox-east/stop")).status).toBe(200);
    await expect(coreOf(0).listNamespace()).rejects.toThrow();
    await post("/clusters/sandbox-east/start");
    await post("/clusters/sandbox-east/fail", { count: 1, status: 500, message: "boom" });
    expect((await apiError(coreOf(0).listNamespace())).body.message).toBe("boom");
    await post("/clusters/sandbox-east/latency", { ms: 200 });
    expect(sb.clusters[0].latency).toBe(200);
    await post("/clusters/sandbox-east/latency", { ms: 0 });
    const user = (await (await post("/users", { name: "viewer", groups: ["viewers"] })).json()) as { token: string };
    const kc = new KubeConfig();
    kc.loadFromString(sb.clusters[0].kubeconfigFor("viewer"));
    expect(kc.getCurrentUser()?.token).toBe(user.token);
    expect((await post("/clusters/nope/stop")).status).toBe(404);
  });
});

describe("snapshot and restore", () => {
  it("keeps objects and tokens across a restart", async () => {
    const dir = path.join(sb.dir, "snap");
    const opts = {
      stateDir: dir,
      kubeconfigPath: path.join(dir, "kubeconfig"),
      snapshot: true,
      clusters: [{ name: "snap", region: "ap-south" }],
      adminPort: -1,
    };
    const first = await startSandbox(opts);
    const kc = kubeConfigFor(first.clusters[0]);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "kept" } } });
    await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: "kept", body: { metadata: { name: "cfg" }, data: { a: "1" } } });
    const rv = first.clusters[0].store.resourceVersion;
    const token = first.addUser("keeper");
    await first.stop();

    const second = await startSandbox(opts);
    try {
      const c = second.clusters[0];
      expect(c.store.resourceVersion).toBeGreaterThanOrEqual(rv);
      const kc2 = new KubeConfig();
      kc2.loadFromString(c.kubeconfig);
      const cm = await kc2.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: "cfg", namespace: "kept" });
      expect(cm.data).toEqual({ a: "1" });
      expect(second.addUser("keeper")).toBe(token);
      const created = await kc2.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: "kept", body: { metadata: { name: "after" } } });
      expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(rv);
    } finally {
      await second.stop();
    }
  });
});
