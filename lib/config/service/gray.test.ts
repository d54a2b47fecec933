/**
 * Gray release by pod label with clients that send no label: the config
 * service finds the pod of the IP a client reports on the environment's
 * clusters (sandbox clusters, reached through their kubeconfigs) and applies
 * the rule to its labels. Real clients: ctrip-apollo (long polling) and
 * node-apollo.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import apollo from "ctrip-apollo";
import nodeApollo from "node-apollo";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until } from "@/test/worker";
import { FAST_SIMULATION, kubeConfigFor } from "@/sandbox/testing/helpers";
import { editItems } from "../edit";
import { publishDraft } from "../publish";
import { startGray } from "../gray";
import { ensureApplication } from "../namespaces";
import { getWorkingCopy, listConfigInstances } from "../read";
import { startConfigService, type ConfigService } from "./server";

const env = sandboxForThisFile({ simulation: FAST_SIMULATION });
let svc: ConfigService;
let owner: Ctx;
let kc: KubeConfig;
const ref = { namespaceId: "", serviceId: "", environment: "dev" as const, cluster: "default" };
const appId = "gray.api";
const stopPolling: (() => unknown)[] = [];

/** A pod of the service on sandbox-east, running, with its IP. */
async function startPod(name: string, labels: Record<string, string>) {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace: "gray-dev",
    body: { metadata: { name, labels: { app: "api", ...labels } }, spec: { containers: [{ name: "api", image: "registry.example.com/gray/api:v1" }] } },
  });
  return until(async () => (await core.readNamespacedPod({ name, namespace: "gray-dev" })).status?.podIP, 20_000, `${name}'s IP`);
}

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const clusters = [];
  for (const c of env.sandbox.clusters)
    clusters.push(await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" }));
  const user = await makeUser();
  const project = await makeProject({ owner: user, slug: "gray", lifecycle: "active" });
  owner = await ctxFor(user);
  await db().environment.create({ data: { projectId: project.id, kind: "dev", clusters: { create: clusters.map((c) => ({ clusterId: c.id })) } } });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
  ref.serviceId = service.id;
  ref.namespaceId = (await ensureApplication(service.id)).id;
  kc = kubeConfigFor(env.sandbox.clusters[0]!);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "gray-dev" } } });
  await editItems(owner, { ...ref, draftVersion: 0, changes: [{ op: "set", key: "greeting", value: "Hello" }] });
  await publishDraft(owner, { ...ref, draftVersion: 1, baseReleaseId: null, comment: "main" });
  svc = await startConfigService({ port: 0, pollTimeoutMs: 3_000, instanceFlushMs: 100 });
});

afterAll(async () => {
  for (const s of stopPolling) s();
  await svc?.stop();
});

function client(ip: string) {
  const app = apollo({ host: `${svc.url}/dev`, appId, ip, pollingRetryPolicy: () => ({ delay: 100, reset: false }) });
  stopPolling.push(() => app.cluster().enableUpdateNotification(false));
  return app.namespace("application");
}

function nextChange(ns: NodeJS.EventEmitter) {
  return new Promise<{ key: string; newValue: string }>((resolve) => ns.once("change", resolve));
}

describe("gray release by pod label", () => {
  it("reaches the clients whose IP is a pod labelled track=canary, and no other", async () => {
    const canaryIp = await startPod("api-canary-0", { track: "canary" });
    const stableIp = await startPod("api-stable-0", { track: "stable" });
    const canary = client(canaryIp);
    const stable = client(stableIp);
    await Promise.all([canary.ready(), stable.ready()]);
    expect([canary.get("greeting"), stable.get("greeting")]).toEqual(["Hello", "Hello"]);

    const changed = nextChange(canary);
    await startGray(owner, {
      ...ref,
      rule: { labels: { track: "canary" } },
      changes: { set: [{ key: "greeting", value: "Canary" }], delete: [] },
      comment: "try",
    });
    expect(await changed).toMatchObject({ key: "greeting", newValue: "Canary" });
    // The stable pod's client was woken too, and asked again: it keeps the main release.
    const asked = await fetch(`${svc.url}/dev/configs/${appId}/default/application?ip=${stableIp}`);
    expect(((await asked.json()) as { configurations: Record<string, string> }).configurations).toEqual({ greeting: "Hello" });
    expect(stable.get("greeting")).toBe("Hello");
    // node-apollo (the cached endpoint) and a client that names its cluster agree.
    expect(
      await nodeApollo.remoteConfigServiceFromCache({
        configServerUrl: `${svc.url}/dev`,
        appId,
        clusterName: "sandbox-east",
        namespaceName: "application",
        clientIp: canaryIp,
      }),
    ).toEqual({
      greeting: "Canary",
    });
    expect(
      await nodeApollo.remoteConfigServiceFromCache({
        configServerUrl: `${svc.url}/dev`,
        appId,
        clusterName: "default",
        namespaceName: "application",
        clientIp: "10.254.254.254",
      }),
    ).toEqual({
      greeting: "Hello",
    });

    await svc.flushInstances();
    const seen = await listConfigInstances(owner, ref);
    const byIp = new Map(seen.instances.map((i) => [i.ip, i]));
    expect(byIp.get(canaryIp)).toMatchObject({
      pod: "api-canary-0",
      labels: { app: "api", track: "canary" },
      matchesGray: true,
      release: { number: 2, gray: true },
    });
    expect(byIp.get(stableIp)).toMatchObject({
      pod: "api-stable-0",
      labels: { app: "api", track: "stable" },
      matchesGray: false,
      release: { number: 1, gray: false },
    });
    expect((await getWorkingCopy(owner, ref)).gray?.description).toBe("track=canary");
  });

  it("recognises a pod that just started, even while the namespace's pods are cached", async () => {
    // The listing read for the first test is fresh; a new canary pod's IP is not in it.
    const ip = await startPod("api-canary-1", { track: "canary" });
    const ns = client(ip);
    await ns.ready();
    expect(ns.get("greeting")).toBe("Canary");
  });
});
