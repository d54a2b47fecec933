import { CoreV1Api, makeInformer, Watch, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { apiServerControllers } from "./controllers/index.js";

let sb: TestSandbox;
let core: CoreV1Api;
const ns = "watched";

beforeAll(async () => {
  // API-server behaviour only: no workload controllers changing the objects under test
  sb = await startTestSandbox({ clusters: [{ name: "watch" }], bookmarkIntervalMs: 200, controllers: apiServerControllers });
  core = kubeConfigFor(sb.clusters[0]).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => sb.dispose());

interface Ev {
  type: string;
  object: V1ConfigMap & { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

/** Starts a client-node watch and collects events until stopped. */
async function collect(path: string, params: Record<string, string | number | boolean | undefined>) {
  const events: Ev[] = [];
  let doneErr: unknown = "open";
  const ctrl = await new Watch(kubeConfigFor(sb.clusters[0])).watch(
    path,
    params,
    (type, object: Ev["object"]) => events.push({ type, object }),
    (err) => {
      doneErr = err ?? null;
    },
  );
  return { events, stop: () => ctrl.abort(), done: () => doneErr !== "open" };
}

describe("watch", () => {
  it("replays every event after a list's resourceVersion, then streams", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const rv = list.metadata?.resourceVersion ?? "";
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "w1" }, data: { a: "1" } } });
    await core.patchNamespacedConfigMap({ name: "w1", namespace: ns, body: [{ op: "replace", path: "/data/a", value: "2" }] });
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: rv });
    await eventually(() => w.events.length >= 2, 3000, "replayed events");
    await core.deleteNamespacedConfigMap({ name: "w1", namespace: ns });
    await eventually(() => w.events.length >= 3, 3000, "live event");
    w.stop();
    expect(w.events.map((e) => `${e.type}:${e.object.metadata?.name ?? ""}`)).toEqual(["ADDED:w1", "MODIFIED:w1", "DELETED:w1"]);
    expect(w.events[1].object.data).toEqual({ a: "2" });
  });

  it("sends synthetic ADDED events for current state without a resourceVersion", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "w2", labels: { keep: "yes" } } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "w3" } } });
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { labelSelector: "keep=yes" });
    await eventually(() => w.events.length >= 1, 3000);
    // leaving the selector is a DELETED for this watch
    await core.patchNamespacedConfigMap({ name: "w2", namespace: ns, body: [{ op: "replace", path: "/metadata/labels/keep", value: "no" }] });
    await eventually(() => w.events.length >= 2, 3000);
    w.stop();
    expect(w.events.map((e) => `${e.type}:${e.object.metadata?.name ?? ""}`)).toEqual(["ADDED:w2", "DELETED:w2"]);
  });

  it("flushes headers at once and writes one JSON event per line", async () => {
    const c = sb.clusters[0];
    const r = await request(c, "GET", `/api/v1/namespaces/${ns}/configmaps?watch=1&timeoutSeconds=1`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    const lines = r.text.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty("type", "ADDED");
  });

  it("answers a too old resourceVersion with 200, an ERROR 410 Expired event, then closes", async () => {
    const c = sb.clusters[0];
    // restore a snapshot: history before it is gone, as after a compaction
    c.store.restore(c.store.snapshot());
    const r = await request(c, "GET", `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=1`);
    expect(r.status).toBe(200);
    const ev = JSON.parse(r.text.trim()) as { type: string; object: { kind: string; code: number; reason: string; message: string } };
    expect(ev.type).toBe("ERROR");
    expect(ev.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(ev.object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });

  it("sends BOOKMARK events when asked and ends at timeoutSeconds", async () => {
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, {
      allowWatchBookmarks: true,
      resourceVersion: String(sb.clusters[0].store.resourceVersion),
      timeoutSeconds: 1,
    });
    await eventually(() => w.events.some((e) => e.type === "BOOKMARK"), 3000, "bookmark");
    await eventually(() => w.done(), 3000, "timeout close");
    expect(Number(w.events.find((e) => e.type === "BOOKMARK")?.object.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it("keeps an informer (makeInformer) in sync through adds, updates and deletes", async () => {
    const kc = kubeConfigFor(sb.clusters[0]);
    const informer = makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
    const seen: string[] = [];
    informer.on("add", (o) => seen.push(`add:${o.metadata?.name ?? ""}`));
    informer.on("update", (o) => seen.push(`update:${o.metadata?.name ?? ""}`));
    informer.on("delete", (o) => seen.push(`delete:${o.metadata?.name ?? ""}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "inf" }, data: { v: "1" } } });
      await eventually(() => informer.get("inf", ns), 3000, "informer add");
      await core.patchNamespacedConfigMap({ name: "inf", namespace: ns, body: [{ op: "replace", path: "/data/v", value: "2" }] });
      await eventually(() => informer.get("inf", ns)?.data?.v === "2", 3000, "informer update");
      await core.deleteNamespacedConfigMap({ name: "inf", namespace: ns });
      await eventually(() => !informer.get("inf", ns), 3000, "informer delete");
      const names = informer
        .list(ns)
        .map((c) => c.metadata?.name)
        .sort();
      const listed = (await core.listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata?.name).sort();
      expect(names).toEqual(listed);
      expect(seen).toEqual(expect.arrayContaining(["add:inf", "update:inf", "delete:inf"]));
    } finally {
      await informer.stop();
    }
  });

  it("streams Table rows for kubectl get --watch", async () => {
    const c = sb.clusters[0];
    const r = await request(c, "GET", `/api/v1/namespaces/${ns}/configmaps?watch=1&timeoutSeconds=1`, {
      headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
    });
    const first = JSON.parse(r.text.split("\n")[0]) as { object: { kind: string; rows: unknown[] } };
    expect(first.object.kind).toBe("Table");
    expect(first.object.rows).toHaveLength(1);
  });
});
