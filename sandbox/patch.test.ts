import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject, setHeaderOptions, type V1Deployment } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strategicMergePatch } from "./patch/strategic.js";
import { apiError, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { apiServerControllers } from "./controllers/index.js";

let sb: TestSandbox;
let apps: AppsV1Api;
let core: CoreV1Api;
const ns = "default";
const as = (strategy: string) => setHeaderOptions("Content-Type", strategy);

function deployment(name: string, extra: Partial<V1Deployment["spec"]> = {}): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: "app",
              image: "nginx:1.25",
              ports: [{ containerPort: 80 }],
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
            { name: "sidecar", image: "busybox" },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
      ...extra,
    },
  };
}

beforeAll(async () => {
  // API-server behaviour only: no workload controllers changing the objects under test
  sb = await startTestSandbox({ clusters: [{ name: "patch" }], controllers: apiServerControllers });
  const kc = kubeConfigFor(sb.clusters[0]);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => sb.dispose());

describe("JSON patch and merge patch", () => {
  it("applies RFC 6902 operations (the client-node default)", async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("jp") });
    const d = await apps.patchNamespacedDeployment({
      name: "jp",
      namespace: ns,
      body: [
        { op: "replace", path: "/spec/replicas", value: 5 },
        { op: "add", path: "/metadata/annotations", value: { note: "x" } },
        { op: "remove", path: "/spec/template/spec/containers/1" },
      ],
    });
    expect(d.spec?.replicas).toBe(5);
    expect(d.metadata?.annotations).toEqual({ note: "x" });
    expect(d.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["app"]);
    const failed = await apiError(apps.patchNamespacedDeployment({ name: "jp", namespace: ns, body: [{ op: "test", path: "/spec/replicas", value: 1 }] }));
    expect(failed.code).toBe(422);
  });

  it("applies merge patches: objects merged, lists replaced, null deletes", async () => {
    const d = await apps.patchNamespacedDeployment(
      {
        name: "jp",
        namespace: ns,
        body: { metadata: { annotations: { note: null, other: "y" } }, spec: { template: { spec: { containers: [{ name: "only", image: "x" }] } } } },
      },
      as(PatchStrategy.MergePatch),
    );
    expect(d.metadata?.annotations).toEqual({ other: "y" });
    expect(d.spec?.template.spec?.containers).toHaveLength(1);
    expect(d.spec?.template.spec?.containers[0].name).toBe("only");
  });

  it("refuses unknown patch content types with 415", async () => {
    const r = await request(sb.clusters[0], "PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/jp`, {
      body: {},
      headers: { "Content-Type": "application/x-nope" },
    });
    expect(r.status).toBe(415);
    expect(r.json.reason).toBe("UnsupportedMediaType");
  });
});

describe("strategic merge patch", () => {
  it("merges containers, env, ports and volumeMounts by key over HTTP", async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment("smp") });
    const d = await apps.patchNamespacedDeployment(
      {
        name: "smp",
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: "app",
                    image: "nginx:1.26",
                    env: [
                      { name: "B", value: "two" },
                      { name: "C", value: "3" },
                    ],
                    ports: [{ containerPort: 8080 }],
                    volumeMounts: [{ mountPath: "/data", readOnly: true }],
                  },
                ],
              },
            },
          },
        },
      },
      as(PatchStrategy.StrategicMergePatch),
    );
    const [app, sidecar] = d.spec?.template.spec?.containers ?? [];
    expect(app.image).toBe("nginx:1.26");
    expect(sidecar.name).toBe("sidecar");
    expect(app.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "two" },
      { name: "C", value: "3" },
    ]);
    expect(app.ports?.map((p) => p.containerPort)).toEqual([80, 8080]);
    expect(app.volumeMounts).toEqual([{ name: "data", mountPath: "/data", readOnly: true }]);
  });

  it("honours $patch delete/replace, $setElementOrder, $retainKeys, $deleteFromPrimitiveList and null", async () => {
    const d = await apps.patchNamespacedDeployment(
      {
        name: "smp",
        namespace: ns,
        body: {
          metadata: { labels: { app: null }, finalizers: ["a.io/x", "a.io/y"] },
          spec: {
            strategy: { $retainKeys: ["type"], type: "Recreate" },
            template: {
              spec: {
                "$setElementOrder/containers": [{ name: "sidecar" }, { name: "app" }],
                containers: [{ name: "app", env: [{ name: "A", $patch: "delete" }] }],
                volumes: [{ $patch: "replace" }, { name: "cache", emptyDir: {} }],
              },
            },
          },
        },
      },
      as(PatchStrategy.StrategicMergePatch),
    );
    expect(d.metadata?.labels).toBeUndefined();
    expect(d.spec?.strategy).toEqual({ type: "Recreate" });
    expect(d.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["sidecar", "app"]);
    expect(d.spec?.template.spec?.containers[1].env?.map((e) => e.name)).toEqual(["B", "C"]);
    expect(d.spec?.template.spec?.volumes).toEqual([{ name: "cache", emptyDir: {} }]);
    const d2 = await apps.patchNamespacedDeployment(
      { name: "smp", namespace: ns, body: { metadata: { "$deleteFromPrimitiveList/finalizers": ["a.io/x"], finalizers: ["a.io/z"] } } },
      as(PatchStrategy.StrategicMergePatch),
    );
    expect(d2.metadata?.finalizers).toEqual(["a.io/y", "a.io/z"]);
    await apps.patchNamespacedDeployment({ name: "smp", namespace: ns, body: [{ op: "remove", path: "/metadata/finalizers" }] });
  });

  it("is a pure function with Kubernetes list semantics", () => {
    const original = {
      spec: {
        ports: [
          { port: 80, name: "http" },
          { port: 443, name: "https" },
        ],
        tolerations: [{ key: "a" }],
      },
    };
    const out = strategicMergePatch(original, { spec: { ports: [{ port: 443, name: "tls" }, { port: 8080 }], tolerations: [{ key: "b" }] } });
    expect(out).toEqual({ spec: { ports: [{ port: 80, name: "http" }, { port: 443, name: "tls" }, { port: 8080 }], tolerations: [{ key: "b" }] } });
    expect(strategicMergePatch({ a: { b: 1 } }, { a: { $patch: "delete" } })).toEqual({});
    expect(strategicMergePatch({ a: { b: 1, c: 2 } }, { a: { $patch: "replace", d: 3 } })).toEqual({ a: { d: 3 } });
  });

  it("is the default of KubernetesObjectApi.patch", async () => {
    const client = KubernetesObjectApi.makeApiClient(kubeConfigFor(sb.clusters[0]));
    const patched = await client.patch({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "smp", namespace: ns },
      spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox:2" }] } } },
    } as never);
    const containers = (patched as V1Deployment).spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => `${c.name}=${c.image ?? ""}`)).toEqual(["sidecar=busybox:2", "app=nginx:1.26"]);
  });
});

describe("server-side apply", () => {
  const apply = (body: unknown, fieldManager: string, force = false) =>
    apps.patchNamespacedDeployment({ name: "ssa", namespace: ns, body, fieldManager, force }, as(PatchStrategy.ServerSideApply));

  it("creates a missing object, is idempotent and records managedFields", async () => {
    const cfg = deployment("ssa");
    const created = await apply(cfg, "wharf");
    expect(created.metadata?.uid).toBeTruthy();
    const rv = created.metadata?.resourceVersion;
    const mf = created.metadata?.managedFields ?? [];
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({ manager: "wharf", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1" });
    const fields = mf[0].fieldsV1 as Record<string, Record<string, unknown>>;
    expect(fields["f:spec"]["f:replicas"]).toEqual({});
    expect(Object.keys((fields["f:spec"]["f:template"] as Record<string, Record<string, Record<string, unknown>>>)["f:spec"]["f:containers"])).toContain(
      'k:{"name":"app"}',
    );
    const again = await apply(cfg, "wharf");
    expect(again.metadata?.resourceVersion).toBe(rv);
    expect(again.metadata?.managedFields).toEqual(created.metadata?.managedFields);
  });

  it("requires a fieldManager", async () => {
    const r = await request(sb.clusters[0], "PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/ssa`, {
      body: deployment("ssa"),
      headers: { "Content-Type": PatchStrategy.ServerSideApply },
    });
    expect(r.status).toBe(400);
  });

  it("conflicts with another manager's fields unless forced, then moves ownership", async () => {
    const other = await apiError(apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa" }, spec: { replicas: 7 } }, "scaler"));
    expect(other.code).toBe(409);
    expect(other.body.reason).toBe("Conflict");
    expect(other.body.message).toBe('Apply failed with 1 conflict: conflict with "wharf": .spec.replicas');
    expect(other.body.details.causes[0]).toMatchObject({ reason: "FieldManagerConflict", field: ".spec.replicas" });
    const forced = await apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa" }, spec: { replicas: 7 } }, "scaler", true);
    expect(forced.spec?.replicas).toBe(7);
    const managers = (forced.metadata?.managedFields ?? []).map((m) => m.manager).sort();
    expect(managers).toEqual(["scaler", "wharf"]);
    const wharf = forced.metadata?.managedFields?.find((m) => m.manager === "wharf");
    expect((wharf?.fieldsV1 as Record<string, Record<string, unknown>>)["f:spec"]["f:replicas"]).toBeUndefined();
    // same value from two managers: shared, no conflict
    const shared = await apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa", labels: { app: "ssa" } } }, "labeller");
    expect(shared.metadata?.labels).toEqual({ app: "ssa" });
  });

  it("conflicts with a field changed by an Update (merge patch) manager", async () => {
    await apps.patchNamespacedDeployment(
      { name: "ssa", namespace: ns, body: { spec: { minReadySeconds: 5 } }, fieldManager: "editor" },
      as(PatchStrategy.MergePatch),
    );
    const c = await apiError(apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa" }, spec: { minReadySeconds: 9 } }, "wharf"));
    expect(c.code).toBe(409);
    expect(c.body.message).toMatch(/^Apply failed with 1 conflict: conflict with "editor" using apps\/v1 at \d{4}-.*: \.spec\.minReadySeconds$/);
  });

  it("removes fields a manager no longer applies", async () => {
    const cfg = deployment("ssa");
    cfg.spec = { ...cfg.spec!, replicas: undefined };
    delete cfg.spec.replicas;
    cfg.spec.template.spec!.containers = [cfg.spec.template.spec!.containers[0]];
    cfg.metadata!.annotations = { team: "a" };
    const d = await apply(cfg, "wharf");
    expect(d.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["app"]);
    expect(d.metadata?.annotations).toEqual({ team: "a" });
    delete cfg.metadata!.annotations;
    const d2 = await apply(cfg, "wharf");
    expect(d2.metadata?.annotations ?? {}).toEqual({});
    expect(d2.spec?.replicas).toBe(7);
  });

  it("applies configmaps with the typed core API too", async () => {
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied", namespace: ns }, data: { a: "1" } };
    const first = await core.patchNamespacedConfigMap({ name: "applied", namespace: ns, body, fieldManager: "wharf" }, as(PatchStrategy.ServerSideApply));
    const second = await core.patchNamespacedConfigMap({ name: "applied", namespace: ns, body, fieldManager: "wharf" }, as(PatchStrategy.ServerSideApply));
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });
});

describe("server-side apply through KubernetesObjectApi (how the portal applies)", () => {
  it("creates, then leaves the object untouched on a repeated apply", async () => {
    const client = KubernetesObjectApi.makeApiClient(kubeConfigFor(sb.clusters[0]));
    const ns: KubernetesObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "portal-team", labels: { "wharf.dev/team": "a" } } };
    const first = await client.patch(ns, undefined, undefined, "wharf", true, PatchStrategy.ServerSideApply);
    const second = await client.patch(ns, undefined, undefined, "wharf", true, PatchStrategy.ServerSideApply);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(second.metadata?.labels).toEqual({ "wharf.dev/team": "a", "kubernetes.io/metadata.name": "portal-team" });
    const rb: KubernetesObject & Record<string, unknown> = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "team-edit", namespace: "portal-team" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "Group", name: "team-a", apiGroup: "rbac.authorization.k8s.io" }],
    };
    const created = await client.patch(rb, undefined, undefined, "wharf", true, PatchStrategy.ServerSideApply);
    const again = await client.patch(rb, undefined, undefined, "wharf", true, PatchStrategy.ServerSideApply);
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });
});
