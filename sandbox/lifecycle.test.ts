import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  Metrics,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forbidden } from "./core/errors.js";
import type { StoreEvent } from "./core/store.js";
import type { KObject } from "./core/types.js";
import { apiError, eventually, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { apiServerControllers } from "./controllers/index.js";

let sb: TestSandbox;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  // API-server behaviour only: no workload controllers changing the objects under test
  sb = await startTestSandbox({ clusters: [{ name: "life" }], controllers: apiServerControllers });
  const kc = kubeConfigFor(sb.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(async () => sb.dispose());

const podSpec = { containers: [{ name: "c", image: "nginx" }] };

async function ownerWithDependents(ns: string, name: string) {
  const owner = await apps.createNamespacedReplicaSet({
    namespace: ns,
    body: { metadata: { name }, spec: { selector: { matchLabels: { o: name } }, template: { metadata: { labels: { o: name } }, spec: podSpec } } },
  });
  const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name, uid: owner.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true };
  for (const i of [1, 2])
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: `${name}-p${i}`, ownerReferences: [ref] }, spec: podSpec } });
  return owner;
}

const podNames = async (ns: string) => (await core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata?.name ?? "");

describe("ownerReference garbage collection", () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: "gc" } } });
  });

  it("deletes dependents in the background", async () => {
    await ownerWithDependents("gc", "bg");
    await apps.deleteNamespacedReplicaSet({ name: "bg", namespace: "gc" });
    await eventually(async () => (await podNames("gc")).filter((n) => n.startsWith("bg-")).length === 0, 3000, "background GC");
  });

  it("keeps the owner until dependents are gone in the foreground", async () => {
    await ownerWithDependents("gc", "fg");
    await apps.deleteNamespacedReplicaSet({ name: "fg", namespace: "gc", propagationPolicy: "Foreground" });
    await eventually(async () => (await apiError(apps.readNamespacedReplicaSet({ name: "fg", namespace: "gc" }))).code === 404, 3000, "foreground owner gone");
    expect((await podNames("gc")).filter((n) => n.startsWith("fg-"))).toEqual([]);
  });

  it("orphans dependents when asked", async () => {
    await ownerWithDependents("gc", "or");
    await apps.deleteNamespacedReplicaSet({ name: "or", namespace: "gc", propagationPolicy: "Orphan" });
    await eventually(async () => (await apiError(apps.readNamespacedReplicaSet({ name: "or", namespace: "gc" }))).code === 404, 3000, "orphaning owner gone");
    const pod = await core.readNamespacedPod({ name: "or-p1", namespace: "gc" });
    expect(pod.metadata?.ownerReferences).toBeUndefined();
  });
});

describe("finalizers", () => {
  it("keeps an object with a deletionTimestamp until its finalizers are removed", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "fin", finalizers: ["wharf.dev/cleanup"] } } });
    const r = await request(sb.clusters[0], "DELETE", "/api/v1/namespaces/default/configmaps/fin");
    expect(r.status).toBe(202);
    expect(r.json.metadata.deletionTimestamp).toBeTruthy();
    const still = await core.readNamespacedConfigMap({ name: "fin", namespace: "default" });
    expect(still.metadata?.deletionTimestamp).toBeTruthy();
    await core.patchNamespacedConfigMap(
      { name: "fin", namespace: "default", body: { metadata: { finalizers: null } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect((await apiError(core.readNamespacedConfigMap({ name: "fin", namespace: "default" }))).code).toBe(404);
  });

  it("checks delete preconditions", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "pre" } } });
    const e = await apiError(core.deleteNamespacedConfigMap({ name: "pre", namespace: "default", body: { preconditions: { uid: "nope" } } }));
    expect(e.code).toBe(409);
    expect(e.body.message).toContain("Precondition failed: UID in precondition: nope");
  });
});

describe("namespace termination", () => {
  it("goes Terminating, deletes its contents, refuses new content, then disappears", async () => {
    await core.createNamespace({ body: { metadata: { name: "doomed" } } });
    await eventually(() => core.readNamespacedServiceAccount({ name: "default", namespace: "doomed" }), 3000, "default SA");
    await core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "held", finalizers: ["wharf.dev/hold"] } } });
    await core.createNamespacedPod({ namespace: "doomed", body: { metadata: { name: "p" }, spec: podSpec } });
    const deleted = await core.deleteNamespace({ name: "doomed" });
    expect(deleted).toMatchObject({ status: { phase: "Terminating" } });
    await eventually(async () => (await podNames("doomed")).length === 0, 3000, "contents deleted");
    const refused = await apiError(core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "late" } } }));
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    expect(refused.body.details.causes[0].reason).toBe("NamespaceTerminating");
    expect((await core.readNamespace({ name: "doomed" })).status?.phase).toBe("Terminating");
    await core.patchNamespacedConfigMap({ name: "held", namespace: "doomed", body: [{ op: "remove", path: "/metadata/finalizers" }] });
    await eventually(async () => (await apiError(core.readNamespace({ name: "doomed" }))).code === 404, 3000, "namespace gone");
  });
});

describe("subresources", () => {
  it("serves /scale as autoscaling/v1 Scale and writes replicas through it", async () => {
    await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name: "sc" },
        spec: { replicas: 2, selector: { matchLabels: { app: "sc" } }, template: { metadata: { labels: { app: "sc" } }, spec: podSpec } },
      },
    });
    const s = await apps.readNamespacedDeploymentScale({ name: "sc", namespace: "default" });
    expect(s).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 2 }, status: { replicas: 0, selector: "app=sc" } });
    await apps.patchNamespacedDeploymentScale(
      { name: "sc", namespace: "default", body: { spec: { replicas: 5 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect((await apps.readNamespacedDeployment({ name: "sc", namespace: "default" })).spec?.replicas).toBe(5);
    const replaced = await apps.replaceNamespacedDeploymentScale({
      name: "sc",
      namespace: "default",
      body: { metadata: { name: "sc", namespace: "default" }, spec: { replicas: 1 } },
    });
    expect(replaced.spec?.replicas).toBe(1);
  });

  it("evicts pods through pods/eviction and keeps the pods/log route", async () => {
    await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "ev" }, spec: podSpec } });
    const log = await request(sb.clusters[0], "GET", "/api/v1/namespaces/default/pods/ev/log?container=c");
    expect(log.status).toBe(200);
    const badLog = await request(sb.clusters[0], "GET", "/api/v1/namespaces/default/pods/ev/log?container=x");
    expect(badLog.status).toBe(400);
    await core.createNamespacedPodEviction({ name: "ev", namespace: "default", body: { metadata: { name: "ev", namespace: "default" } } });
    expect((await apiError(core.readNamespacedPod({ name: "ev", namespace: "default" }))).code).toBe(404);
  });
});

describe("custom resources", () => {
  const crd = (plural: string, kind: string, scope: "Namespaced" | "Cluster") => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.wharf.dev` },
    spec: {
      group: "wharf.dev",
      scope,
      names: { plural, singular: kind.toLowerCase(), kind, shortNames: [plural.slice(0, 3)] },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Owner", type: "string", jsonPath: ".spec.owner" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
        },
      ],
    },
  });

  it("serves namespaced and cluster-scoped kinds, with status, in discovery, until the CRD is deleted", async () => {
    const ext = kubeConfigFor(sb.clusters[0]).makeApiClient(ApiextensionsV1Api);
    const custom = kubeConfigFor(sb.clusters[0]).makeApiClient(CustomObjectsApi);
    const created = await ext.createCustomResourceDefinition({ body: crd("apps", "App", "Namespaced") as never });
    expect(created.status?.conditions?.find((c) => c.type === "Established")?.status).toBe("True");
    await ext.createCustomResourceDefinition({ body: crd("teams", "Team", "Cluster") as never });
    const disco = await request(sb.clusters[0], "GET", "/apis/wharf.dev/v1");
    expect(disco.json.resources.map((r: { name: string }) => r.name)).toEqual(["apps", "apps/status", "teams", "teams/status"]);

    const app = (await custom.createNamespacedCustomObject({
      group: "wharf.dev",
      version: "v1",
      namespace: "default",
      plural: "apps",
      body: { apiVersion: "wharf.dev/v1", kind: "App", metadata: { name: "shop" }, spec: { owner: "team-a" }, status: { ignored: true } },
    })) as KObject;
    expect(app.metadata.generation).toBe(1);
    expect(app.status).toBeUndefined();
    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      group: "wharf.dev",
      version: "v1",
      namespace: "default",
      plural: "apps",
      name: "shop",
      body: { ...app, status: { ready: true } },
    })) as KObject;
    expect(withStatus.status).toEqual({ ready: true });
    expect(withStatus.metadata.generation).toBe(1);
    const team = (await custom.createClusterCustomObject({
      group: "wharf.dev",
      version: "v1",
      plural: "teams",
      body: { apiVersion: "wharf.dev/v1", kind: "Team", metadata: { name: "team-a" }, spec: {} },
    })) as KObject;
    expect(team.metadata.namespace).toBeUndefined();
    const generic = KubernetesObjectApi.makeApiClient(kubeConfigFor(sb.clusters[0]));
    const read = await generic.read({ apiVersion: "wharf.dev/v1", kind: "App", metadata: { name: "shop", namespace: "default" } });
    expect((read as KObject).spec).toEqual({ owner: "team-a" });
    const table = await request(sb.clusters[0], "GET", "/apis/wharf.dev/v1/namespaces/default/apps", {
      headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
    });
    expect(table.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Owner", "Age"]);
    expect(table.json.rows[0].cells.slice(0, 2)).toEqual(["shop", "team-a"]);
    const smp = await request(sb.clusters[0], "PATCH", "/apis/wharf.dev/v1/namespaces/default/apps/shop", {
      body: {},
      headers: { "Content-Type": PatchStrategy.StrategicMergePatch },
    });
    expect(smp.status).toBe(415);

    await ext.deleteCustomResourceDefinition({ name: "apps.wharf.dev" });
    expect((await request(sb.clusters[0], "GET", "/apis/wharf.dev/v1/namespaces/default/apps")).status).toBe(404);
    expect((await request(sb.clusters[0], "GET", "/apis/wharf.dev/v1")).json.resources.map((r: { name: string }) => r.name)).toEqual(["teams", "teams/status"]);
  });
});

describe("store extension points", () => {
  it("runs admission hooks on create (e.g. quota) with the real Forbidden shape", async () => {
    const store = sb.clusters[0].store;
    const remove = store.addAdmissionHook({
      name: "test-quota",
      resources: ["/pods"],
      operations: ["CREATE"],
      admit(req) {
        if (req.namespace === "limited" && store.list("/pods", { namespace: "limited" }).length >= 1) {
          throw forbidden(req.type, req.name, "exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1");
        }
        if (req.object) req.object.metadata.annotations = { ...req.object.metadata.annotations, admitted: "yes" };
      },
    });
    try {
      await core.createNamespace({ body: { metadata: { name: "limited" } } });
      const first = await core.createNamespacedPod({ namespace: "limited", body: { metadata: { name: "one" }, spec: podSpec } });
      expect(first.metadata?.annotations?.admitted).toBe("yes");
      const second = await apiError(core.createNamespacedPod({ namespace: "limited", body: { metadata: { name: "two" }, spec: podSpec } }));
      expect(second.code).toBe(403);
      expect(second.body.message).toBe('pods "two" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    } finally {
      remove();
    }
  });

  it("delivers committed changes to subscribers and informers in order", async () => {
    const store = sb.clusters[0].store;
    const events: string[] = [];
    const unsub = store.subscribe((ev: StoreEvent) => {
      if (ev.gr === "/configmaps" && ev.object.metadata.namespace === "default" && ev.object.metadata.name?.startsWith("sub-"))
        events.push(`${ev.type}:${ev.object.metadata.name}`);
    });
    const informed: string[] = [];
    const stopInformer = store.informer(
      "/configmaps",
      { add: (o) => informed.push(`add:${o.metadata.name ?? ""}`), delete: (o) => informed.push(`delete:${o.metadata.name ?? ""}`) },
      { namespace: "default" },
    );
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "sub-1" } } });
    await core.deleteNamespacedConfigMap({ name: "sub-1", namespace: "default" });
    await store.settled();
    unsub();
    stopInformer();
    expect(events).toEqual(["ADDED:sub-1", "DELETED:sub-1"]);
    expect(informed).toEqual(expect.arrayContaining(["add:sub-1", "delete:sub-1"]));
  });

  it("supports graceful deletion (pods marked Terminating until deleted with grace 0)", async () => {
    const store = sb.clusters[0].store;
    store.setGracefulDeletion(
      "/pods",
      (pod, opts) => opts.gracePeriodSeconds ?? (pod.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30,
    );
    try {
      await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "slow" }, spec: podSpec } });
      const marked = await core.deleteNamespacedPod({ name: "slow", namespace: "default" });
      expect(marked.metadata?.deletionGracePeriodSeconds).toBe(30);
      const table = await request(sb.clusters[0], "GET", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dslow", {
        headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
      });
      expect(table.json.rows[0].cells[2]).toBe("Terminating");
      await core.deleteNamespacedPod({ name: "slow", namespace: "default", gracePeriodSeconds: 0 });
      expect((await apiError(core.readNamespacedPod({ name: "slow", namespace: "default" }))).code).toBe(404);
    } finally {
      store.setGracefulDeletion("/pods", undefined);
    }
  });

  it("serves metrics.k8s.io from the provider (zeros until part 2)", async () => {
    const metrics = new Metrics(kubeConfigFor(sb.clusters[0]));
    const nodes = await metrics.getNodeMetrics();
    expect(nodes.items.length).toBeGreaterThanOrEqual(3);
    expect(nodes.items[0].usage).toEqual({ cpu: "0", memory: "0" });
    await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "m1" }, spec: podSpec } });
    const pods = await metrics.getPodMetrics("default");
    expect(pods.items.find((p) => p.metadata.name === "m1")?.containers).toEqual([{ name: "c", usage: { cpu: "0", memory: "0" } }]);
    sb.clusters[0].setMetricsProvider({
      podMetrics: () => [{ namespace: "default", name: "m1", containers: [{ name: "c", usage: { cpu: "250m", memory: "64Mi" } }] }],
      nodeMetrics: () => [],
    });
    const after = await metrics.getPodMetrics("default");
    expect(after.items[0].containers[0].usage.cpu).toBe("250m");
  });
});
