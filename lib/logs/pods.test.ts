/**
 * The pod watcher against a real (sandbox) cluster registered in the
 * catalog: the pods of a Deployment as they come (ready) and go (deleted),
 * one watch shared by its subscribers, and a cluster that stops answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { registerCluster } from "@/lib/catalog/clusters";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { KubernetesPodWatcher } from "./pods";
import type { PodInfo, PodWatchEvent } from "./types";

const NS = "pods";
const SELECTOR = "app=web";
const env = sandboxForThisFile({ clusters: [{ name: "pods-east", region: "us-east" }], simulation: FAST_SIMULATION });
const kc = new KubeConfig();
let clusterId = "";
const watcher = new KubernetesPodWatcher({ idleCloseMs: 200, retryMs: [100, 500] });

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const c = env.sandbox.cluster("pods-east");
  kc.loadFromString(c.kubeconfig);
  clusterId = (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace: NS,
    body: {
      metadata: { name: "web" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "registry.example.com/pods/web:v1" }] } },
      },
    },
  });
});

afterAll(() => watcher.close());

/** A subscriber keeping the pods it was told about. */
function follower() {
  const events: PodWatchEvent[] = [];
  const pods = new Map<string, PodInfo>();
  const listener = (e: PodWatchEvent) => {
    events.push(e);
    if (e.kind === "sync") {
      pods.clear();
      for (const p of e.pods) pods.set(p.name, p);
    } else if (e.kind === "upsert") pods.set(e.pod.name, e.pod);
    else if (e.kind === "deleted") pods.delete(e.pod.name);
  };
  const sub = watcher.watch(clusterId, NS, SELECTOR, listener);
  return { events, pods, close: () => sub.close(), ready: () => [...pods.values()].filter((p) => p.ready && !p.deleting) };
}

describe("the pods of a service", () => {
  it("reports a new pod of the Deployment once it is ready, a deleted one as deleted, over one watch shared by two subscribers", async () => {
    const a = follower();
    await until(async () => a.ready().length === 1, 20_000, "the first pod ready");
    const b = follower();
    await until(async () => b.events[0]?.kind === "sync" && b.ready().length === 1, 5_000, "b's sync");
    expect(watcher.stats()).toEqual([{ clusterId, namespace: NS, selector: SELECTOR, subscribers: 2 }]);
    const [first] = a.ready();
    expect(first.containers).toEqual([{ name: "app", restartCount: 0, state: "running" }]);

    await kc
      .makeApiClient(AppsV1Api)
      .patchNamespacedDeploymentScale(
        { name: "web", namespace: NS, body: { spec: { replicas: 2 } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    await until(async () => a.ready().length === 2 && b.ready().length === 2, 20_000, "the new pod ready");
    const added = a.ready().find((p) => p.name !== first.name)!;
    expect(a.events.some((e) => e.kind === "upsert" && e.pod.name === added.name && e.pod.ready)).toBe(true);

    await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: first.name, namespace: NS });
    await until(async () => a.events.some((e) => e.kind === "deleted" && e.pod.name === first.name), 20_000, "the deletion");
    expect(b.events.some((e) => e.kind === "deleted" && e.pod.name === first.name)).toBe(true);
    a.close();
    b.close();
    await until(async () => watcher.stats().length === 0, 5_000, "the idle close");
  });

  it("says a cluster that stops answering is unreachable, then syncs and resumes when it is back", async () => {
    const a = follower();
    await until(async () => a.events.some((e) => e.kind === "sync"), 10_000, "the first sync");
    const cluster = env.sandbox.cluster("pods-east");
    await cluster.stop();
    try {
      await until(async () => a.events.some((e) => e.kind === "unreachable"), 15_000, "unreachable");
    } finally {
      await cluster.start();
    }
    expect(a.events.find((e) => e.kind === "unreachable")).toMatchObject({ message: expect.stringContaining("pods-east") });
    await until(async () => a.events.at(-1)?.kind === "resumed", 15_000, "resumed");
    const kinds = a.events.map((e) => e.kind);
    expect(kinds.slice(kinds.indexOf("unreachable"))).toEqual(["unreachable", "sync", "resumed"]);
    expect(a.ready().length).toBeGreaterThanOrEqual(1);
    a.close();
  });
});
