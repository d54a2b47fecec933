import { AppsV1Api, CoreV1Api, KubernetesObjectApi, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { apiServerControllers } from "./controllers/index.js";

let sb: TestSandbox;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  // API-server behaviour only: no workload controllers changing the objects under test
  sb = await startTestSandbox({ clusters: [{ name: "crud", region: "eu-west" }], controllers: apiServerControllers });
  const kc = kubeConfigFor(sb.clusters[0]);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(async () => sb.dispose());

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { a: "1" }): V1ConfigMap => ({
  metadata: { name, labels },
  data,
});

describe("discovery and server info", () => {
  it("reports version 1.33 and serves /api, /apis and resource lists with verbs and subresources", async () => {
    const c = sb.clusters[0];
    const v = await request(c, "GET", "/version", { token: null });
    expect(v.json).toMatchObject({ major: "1", minor: "33" });
    expect(v.headers["content-type"]).toBe("application/json");
    const api = await request(c, "GET", "/api");
    expect(api.json.versions).toEqual(["v1"]);
    const apis = await request(c, "GET", "/apis");
    const names = apis.json.groups.map((g: { name: string }) => g.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "apps",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "authorization.k8s.io",
        "apiextensions.k8s.io",
        "metrics.k8s.io",
      ]),
    );
    const v1 = await request(c, "GET", "/api/v1");
    const res = v1.json.resources as { name: string; verbs: string[]; shortNames?: string[]; categories?: string[]; kind: string }[];
    const pods = res.findIndex((r) => r.name === "pods");
    expect(res[pods]).toMatchObject({ kind: "Pod", shortNames: ["po"], categories: ["all"] });
    expect(res[pods].verbs).toContain("watch");
    for (const sub of ["pods/log", "pods/status", "pods/eviction"]) expect(res.findIndex((r) => r.name === sub)).toBeGreaterThan(pods);
    const appsList = await request(c, "GET", "/apis/apps/v1");
    const scale = appsList.json.resources.find((r: { name: string }) => r.name === "deployments/scale");
    expect(scale).toMatchObject({ group: "autoscaling", version: "v1", kind: "Scale" });
    const openapi = await request(c, "GET", "/openapi/v2");
    expect(openapi.status).toBe(200);
    expect(openapi.headers["content-type"]).toBe("application/octet-stream");
    expect((await request(c, "GET", "/healthz", { token: null })).text).toBe("ok");
  });

  it("answers 401 with a Status without a valid token", async () => {
    const r = await request(sb.clusters[0], "GET", "/api/v1/namespaces", { token: "nope" });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    expect((await request(sb.clusters[0], "GET", "/api/v1/pods", { token: null })).status).toBe(401);
  });

  it("starts with the default namespaces, a default ServiceAccount in each, and nodes with zones", async () => {
    const ns = await core.listNamespace();
    expect(ns.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]));
    const sa = await core.readNamespacedServiceAccount({ name: "default", namespace: "kube-public" });
    expect(sa.metadata?.uid).toBeTruthy();
    const nodes = await core.listNode();
    expect(nodes.items.length).toBeGreaterThanOrEqual(3);
    expect(nodes.items[0].metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("eu-west-a");
    expect(nodes.items[0].status?.capacity).toMatchObject({ cpu: "8", pods: "110" });
    expect(nodes.items.some((n) => n.status?.capacity?.["nvidia.com/gpu"] === "1")).toBe(true);
  });
});

describe("CRUD", () => {
  it("creates with uid, creationTimestamp, resourceVersion and generation 1, reads, updates and deletes", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: "default", body: cm("crud-a") });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.generation).toBe(1);
    const rv1 = Number(created.metadata?.resourceVersion);
    const read = await core.readNamespacedConfigMap({ name: "crud-a", namespace: "default" });
    expect(read.data).toEqual({ a: "1" });
    read.data = { a: "2" };
    const updated = await core.replaceNamespacedConfigMap({ name: "crud-a", namespace: "default", body: read });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(rv1);
    const deleted = await core.deleteNamespacedConfigMap({ name: "crud-a", namespace: "default" });
    expect(deleted).toMatchObject({ kind: "ConfigMap" });
    const nf = await apiError(core.readNamespacedConfigMap({ name: "crud-a", namespace: "default" }));
    expect(nf.code).toBe(404);
    expect(nf.body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      message: 'configmaps "crud-a" not found',
      details: { name: "crud-a", kind: "configmaps" },
      code: 404,
    });
  });

  it("refuses duplicates, stale resourceVersions and missing namespaces with the real messages", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: cm("cfg") });
    const dup = await apiError(core.createNamespacedConfigMap({ namespace: "default", body: cm("cfg") }));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({ reason: "AlreadyExists", message: 'configmaps "cfg" already exists' });

    const a = await core.readNamespacedConfigMap({ name: "cfg", namespace: "default" });
    const b = await core.readNamespacedConfigMap({ name: "cfg", namespace: "default" });
    a.data = { a: "from-a" };
    await core.replaceNamespacedConfigMap({ name: "cfg", namespace: "default", body: a });
    b.data = { a: "from-b" };
    const stale = await apiError(core.replaceNamespacedConfigMap({ name: "cfg", namespace: "default", body: b }));
    expect(stale.code).toBe(409);
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(stale.body.reason).toBe("Conflict");

    const missing = await apiError(core.createNamespacedConfigMap({ namespace: "nowhere", body: cm("x") }));
    expect(missing.code).toBe(404);
    expect(missing.body.message).toBe('namespaces "nowhere" not found');

    const dnf = await apiError(apps.readNamespacedDeployment({ name: "nope", namespace: "default" }));
    expect(dnf.body).toMatchObject({ message: 'deployments.apps "nope" not found', details: { group: "apps", kind: "deployments" } });
  });

  it("honours generateName and bumps generation only on spec changes", async () => {
    const d = await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { generateName: "web-" },
        spec: {
          selector: { matchLabels: { app: "gen" } },
          template: { metadata: { labels: { app: "gen" } }, spec: { containers: [{ name: "app", image: "nginx" }] } },
        },
      },
    });
    const name = d.metadata?.name ?? "";
    expect(name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(d.spec?.replicas).toBe(1);
    expect(d.metadata?.generation).toBe(1);
    const labelled = await apps.patchNamespacedDeployment({ name, namespace: "default", body: [{ op: "add", path: "/metadata/labels", value: { x: "y" } }] });
    expect(labelled.metadata?.generation).toBe(1);
    const status = await apps.replaceNamespacedDeploymentStatus({
      name,
      namespace: "default",
      body: { ...labelled, status: { replicas: 3, observedGeneration: 1 } },
    });
    expect(status.metadata?.generation).toBe(1);
    expect(status.status?.replicas).toBe(3);
    const scaled = await apps.patchNamespacedDeployment({ name, namespace: "default", body: [{ op: "replace", path: "/spec/replicas", value: 4 }] });
    expect(scaled.metadata?.generation).toBe(2);
    expect(scaled.status?.replicas).toBe(3);
    // a PUT on the main resource cannot change status
    const put = await apps.replaceNamespacedDeployment({ name, namespace: "default", body: { ...scaled, status: { replicas: 99 } } });
    expect(put.status?.replicas).toBe(3);
  });

  it("answers 422 Invalid with causes for bad names, labels and specs", async () => {
    const bad = await apiError(core.createNamespacedConfigMap({ namespace: "default", body: cm("Bad_Name") }));
    expect(bad.code).toBe(422);
    expect(bad.body.reason).toBe("Invalid");
    expect(bad.body.message).toBe(
      `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(bad.body.details.causes[0]).toMatchObject({ reason: "FieldValueInvalid", field: "metadata.name" });
    const ns = await apiError(core.createNamespace({ body: { metadata: { name: "a.b" } } }));
    expect(ns.body.details.causes[0].message).toContain("RFC 1123 label");
    const svc = await apiError(core.createNamespacedService({ namespace: "default", body: { metadata: { name: "1svc" }, spec: { ports: [{ port: 80 }] } } }));
    expect(svc.body.details.causes[0].message).toContain("DNS-1035 label");
    const label = await apiError(core.createNamespacedConfigMap({ namespace: "default", body: cm("ok-name", { app: "not ok!" }) }));
    expect(label.body.details.causes[0]).toMatchObject({ field: "metadata.labels" });
    const pod = await apiError(
      core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "" }] } } }),
    );
    expect(pod.body.details.causes).toEqual([{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }]);
    const dep = await apiError(
      apps.createNamespacedDeployment({
        namespace: "default",
        body: {
          metadata: { name: "mismatch" },
          spec: {
            selector: { matchLabels: { app: "a" } },
            template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
          },
        },
      }),
    );
    expect(dep.body.message).toContain(
      'Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    );
  });

  it("supports dryRun=All without storing anything", async () => {
    const r = await core.createNamespacedConfigMap({ namespace: "default", body: cm("dry"), dryRun: "All" });
    expect(r.metadata?.name).toBe("dry");
    expect((await apiError(core.readNamespacedConfigMap({ name: "dry", namespace: "default" }))).code).toBe(404);
  });
});

describe("lists and selectors", () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: "sel" } } });
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedConfigMap({
        namespace: "sel",
        body: cm(`item-${i}`, { tier: i % 2 === 0 ? "even" : "odd", ...(i < 3 ? { low: "yes" } : {}) }),
      });
    }
  });

  const names = async (labelSelector?: string, fieldSelector?: string) =>
    (await core.listNamespacedConfigMap({ namespace: "sel", labelSelector, fieldSelector })).items.map((c) => c.metadata?.name);

  it("filters by label selectors (= == != in notin key !key)", async () => {
    expect(await names("tier=even")).toEqual(["item-0", "item-2", "item-4", "item-6"]);
    expect(await names("tier==odd")).toEqual(["item-1", "item-3", "item-5"]);
    expect(await names("tier!=even")).toEqual(["item-1", "item-3", "item-5"]);
    expect(await names("tier in (odd, even),low")).toEqual(["item-0", "item-1", "item-2"]);
    expect(await names("tier notin (even),!low")).toEqual(["item-3", "item-5"]);
    expect(await names("!tier")).toEqual([]);
  });

  it("filters by field selectors and refuses unsupported fields", async () => {
    expect(await names(undefined, "metadata.name=item-4")).toEqual(["item-4"]);
    expect(await names(undefined, "metadata.name!=item-4,metadata.namespace=sel")).toHaveLength(6);
    const all = await core.listConfigMapForAllNamespaces({ fieldSelector: "metadata.namespace=sel" });
    expect(all.items).toHaveLength(7);
    const bad = await apiError(core.listNamespacedConfigMap({ namespace: "sel", fieldSelector: "spec.foo=bar" }));
    expect(bad.code).toBe(400);
    expect(bad.body.message).toContain("field label not supported: spec.foo");
    await core.createNamespacedPod({ namespace: "sel", body: { metadata: { name: "p1" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] } } });
    await core.createNamespacedPod({ namespace: "sel", body: { metadata: { name: "p2" }, spec: { containers: [{ name: "c", image: "i" }] } } });
    const onNode = await core.listNamespacedPod({ namespace: "sel", fieldSelector: "spec.nodeName=n1" });
    expect(onNode.items.map((p) => p.metadata?.name)).toEqual(["p1"]);
    const pending = await core.listNamespacedPod({ namespace: "sel", fieldSelector: "status.phase=Pending" });
    expect(pending.items).toHaveLength(2);
    await core.createNamespacedEvent({
      namespace: "sel",
      body: { metadata: { name: "ev1" }, involvedObject: { kind: "Pod", name: "p1", namespace: "sel" }, reason: "Started", message: "hi", type: "Normal" },
    });
    const evs = await core.listNamespacedEvent({ namespace: "sel", fieldSelector: "involvedObject.kind=Pod,involvedObject.name=p1" });
    expect(evs.items.map((e) => e.metadata?.name)).toEqual(["ev1"]);
  });

  it("leaves apiVersion and kind out of list items, like the API server", async () => {
    const raw = await request(sb.clusters[0], "GET", "/api/v1/namespaces/sel/configmaps?limit=2");
    expect(raw.json).toMatchObject({ kind: "ConfigMapList", apiVersion: "v1" });
    expect(raw.json.items[0].kind).toBeUndefined();
    expect(raw.json.items[0].apiVersion).toBeUndefined();
    expect(raw.json.items[0].metadata.name).toBe("item-0");
    const one = await request(sb.clusters[0], "GET", "/api/v1/namespaces/sel/configmaps/item-0");
    expect(one.json).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
  });

  it("paginates with limit and continue", async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: "sel", limit: 3, _continue: cont });
      seen.push(...page.items.map((c) => c.metadata?.name ?? ""));
      cont = page.metadata?._continue;
      pages++;
      if (cont) expect(page.metadata?.remainingItemCount).toBeGreaterThan(0);
    } while (cont);
    expect(pages).toBe(3);
    expect(seen).toEqual(["item-0", "item-1", "item-2", "item-3", "item-4", "item-5", "item-6"]);
  });

  it("answers Table requests with kubectl's columns, paginated too", async () => {
    const c = sb.clusters[0];
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const t = await request(c, "GET", "/api/v1/namespaces/sel/configmaps?limit=5", { headers: { Accept: accept } });
    expect(t.json.kind).toBe("Table");
    expect(t.json.columnDefinitions.map((d: { name: string }) => d.name)).toEqual(["Name", "Data", "Age"]);
    expect(t.json.rows).toHaveLength(5);
    expect(t.json.rows[0].cells[0]).toBe("item-0");
    expect(t.json.rows[0].object.kind).toBe("PartialObjectMetadata");
    const next = await request(c, "GET", `/api/v1/namespaces/sel/configmaps?limit=5&continue=${encodeURIComponent(t.json.metadata.continue)}`, {
      headers: { Accept: accept },
    });
    expect(next.json.rows.map((r: { cells: unknown[] }) => r.cells[0])).toEqual(["item-5", "item-6"]);
    const pods = await request(c, "GET", "/api/v1/namespaces/sel/pods", { headers: { Accept: accept } });
    const cols = pods.json.columnDefinitions.map((d: { name: string; priority: number }) => `${d.name}:${d.priority}`);
    expect(cols.slice(0, 7)).toEqual(["Name:0", "Ready:0", "Status:0", "Restarts:0", "Age:0", "IP:1", "Node:1"]);
    expect(pods.json.rows[0].cells.slice(0, 4)).toEqual(["p1", "0/1", "Pending", "0"]);
    const deps = await request(c, "GET", "/apis/apps/v1/deployments", { headers: { Accept: accept } });
    expect(deps.json.columnDefinitions.slice(0, 5).map((d: { name: string }) => d.name)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age"]);
  });

  it("answers JSON when protobuf is asked for, and deletes collections", async () => {
    const c = sb.clusters[0];
    const r = await request(c, "GET", "/api/v1/namespaces/sel/configmaps", { headers: { Accept: "application/vnd.kubernetes.protobuf" } });
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.json.kind).toBe("ConfigMapList");
    await core.deleteCollectionNamespacedConfigMap({ namespace: "sel", labelSelector: "tier=odd" });
    expect(await names()).toEqual(["item-0", "item-2", "item-4", "item-6"]);
  });

  it("serves generic objects through KubernetesObjectApi", async () => {
    const client = KubernetesObjectApi.makeApiClient(kubeConfigFor(sb.clusters[0]));
    await client.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s1", namespace: "default" }, stringData: { k: "v" } } as never);
    const read = await client.read({ apiVersion: "v1", kind: "Secret", metadata: { name: "s1", namespace: "default" } });
    expect(read).toMatchObject({ type: "Opaque", data: { k: Buffer.from("v").toString("base64") } });
    const list = await client.list("apps/v1", "Deployment", "default");
    expect(list.items.length).toBeGreaterThan(0);
  });
});
