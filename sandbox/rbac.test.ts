import { AppsV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";
import { apiServerControllers } from "./controllers/index.js";

let sb: TestSandbox;
let rbac: RbacAuthorizationV1Api;
let core: CoreV1Api;
let bobToken: string;

const deployment = (name: string) => ({
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
});

function as(user: string): KubeConfig {
  return kubeConfigFor(sb.clusters[0], user);
}

beforeAll(async () => {
  // API-server behaviour only: no workload controllers changing the objects under test
  sb = await startTestSandbox({ clusters: [{ name: "rbac" }], users: [{ name: "alice", groups: ["devs"] }], controllers: apiServerControllers });
  bobToken = sb.addUser("bob");
  sb.addUser("carol", ["auditors"]);
  sb.addUser("impersonator");
  const kc = kubeConfigFor(sb.clusters[0]);
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  core = kc.makeApiClient(CoreV1Api);
  for (const ns of ["team-a", "team-b"]) await core.createNamespace({ body: { metadata: { name: ns } } });
  // alice (via group devs) may edit team-a only
  await rbac.createNamespacedRoleBinding({
    namespace: "team-a",
    body: {
      metadata: { name: "devs-edit" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "Group", name: "devs", apiGroup: "rbac.authorization.k8s.io" }],
    },
  });
  // bob: pods (not logs) in team-a, one configmap by name
  await rbac.createNamespacedRole({
    namespace: "team-a",
    body: {
      metadata: { name: "pod-reader" },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["configmaps"], resourceNames: ["allowed"], verbs: ["get", "update", "delete"] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: "team-a",
    body: {
      metadata: { name: "bob-reads" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "User", name: "bob", apiGroup: "rbac.authorization.k8s.io" }],
    },
  });
  // carol (auditors) may read logs everywhere with */log, nodes cluster-wide
  await rbac.createClusterRole({
    body: {
      metadata: { name: "log-reader" },
      rules: [
        { apiGroups: [""], resources: ["*/log", "nodes"], verbs: ["get", "list"] },
        { nonResourceURLs: ["/metrics"], verbs: ["get"] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: "auditors" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "log-reader" },
      subjects: [{ kind: "Group", name: "auditors", apiGroup: "rbac.authorization.k8s.io" }],
    },
  });
  await rbac.createClusterRole({
    body: { metadata: { name: "impersonate-alice" }, rules: [{ apiGroups: [""], resources: ["users"], resourceNames: ["alice"], verbs: ["impersonate"] }] },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: "impersonator" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "impersonate-alice" },
      subjects: [{ kind: "User", name: "impersonator", apiGroup: "rbac.authorization.k8s.io" }],
    },
  });
  await core.createNamespacedPod({ namespace: "team-a", body: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
  for (const name of ["allowed", "other"]) await core.createNamespacedConfigMap({ namespace: "team-a", body: { metadata: { name } } });
});
afterAll(async () => sb.dispose());

describe("RBAC authorizer", () => {
  it("lets a RoleBinding to the edit ClusterRole create Deployments in its namespace only", async () => {
    const apps = as("alice").makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: "team-a", body: deployment("ok") });
    const denied = await apiError(apps.createNamespacedDeployment({ namespace: "team-b", body: deployment("no") }));
    expect(denied.code).toBe(403);
    expect(denied.body).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      message: 'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "team-b"',
      details: { group: "apps", kind: "deployments" },
    });
    const roles = await apiError(
      as("alice")
        .makeApiClient(RbacAuthorizationV1Api)
        .createNamespacedRole({ namespace: "team-a", body: { metadata: { name: "x" }, rules: [] } }),
    );
    expect(roles.code).toBe(403);
  });

  it("denies by default with the real messages, cluster scope included", async () => {
    const bob = as("bob").makeApiClient(CoreV1Api);
    const list = await apiError(bob.listNamespacedPod({ namespace: "default" }));
    expect(list.body.message).toBe('pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
    const nodes = await apiError(bob.listNode());
    expect(nodes.body.message).toBe('nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
    expect((await bob.listNamespacedPod({ namespace: "team-a" })).items).toHaveLength(1);
    const nonResource = await request(sb.clusters[0], "GET", "/metrics", { token: bobToken });
    expect(nonResource.json.message).toBe('forbidden: User "bob" cannot get path "/metrics"');
  });

  it("does not grant pods/log with pods, but does with */log", async () => {
    const bobLog = await request(sb.clusters[0], "GET", "/api/v1/namespaces/team-a/pods/p/log", { token: bobToken });
    expect(bobLog.status).toBe(403);
    expect(bobLog.json.message).toBe('pods "p" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "team-a"');
    const carol = as("carol");
    const token = /token: (\S+)/.exec(sb.clusters[0].kubeconfigFor("carol"))?.[1] ?? "";
    expect((await request(sb.clusters[0], "GET", "/api/v1/namespaces/team-a/pods/p/log", { token })).status).toBe(200);
    expect((await carol.makeApiClient(CoreV1Api).listNode()).items.length).toBeGreaterThan(0);
    // a ClusterRole granting nonResourceURLs /metrics reads the workload metrics
    expect((await request(sb.clusters[0], "GET", "/metrics", { token })).status).toBe(200);
  });

  it("limits get/update/delete with resourceNames (and so never list)", async () => {
    const bob = as("bob").makeApiClient(CoreV1Api);
    expect((await bob.readNamespacedConfigMap({ name: "allowed", namespace: "team-a" })).metadata?.name).toBe("allowed");
    const other = await apiError(bob.readNamespacedConfigMap({ name: "other", namespace: "team-a" }));
    expect(other.body.message).toBe('configmaps "other" is forbidden: User "bob" cannot get resource "configmaps" in API group "" in the namespace "team-a"');
    expect((await apiError(bob.listNamespacedConfigMap({ namespace: "team-a" }))).code).toBe(403);
  });

  it("always lets authenticated users discover and review themselves", async () => {
    const bob = sb.clusters[0];
    for (const p of ["/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/openapi/v2"])
      expect((await request(bob, "GET", p, { token: bobToken })).status).toBe(200);
  });
});

describe("authentication", () => {
  it("refuses a token it does not know on every path, /version and /healthz included; without a token they stay public", async () => {
    const c = sb.clusters[0];
    for (const p of ["/version", "/healthz", "/api"]) {
      const r = await request(c, "GET", p, { token: "not-a-token" });
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    }
    expect((await request(c, "GET", "/version", { token: null })).status).toBe(200);
    expect((await request(c, "GET", "/healthz", { token: null })).text).toBe("ok");
  });
});

describe("writes that create or grant", () => {
  it("needs create as well as patch for an apply that creates the object", async () => {
    await rbac.createClusterRole({
      body: { metadata: { name: "cm-patcher" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "patch"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: "team-b",
      body: {
        metadata: { name: "bob-patches" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cm-patcher" },
        subjects: [{ kind: "User", name: "bob", apiGroup: "rbac.authorization.k8s.io" }],
      },
    });
    const apply = (name: string) =>
      request(sb.clusters[0], "PATCH", `/api/v1/namespaces/team-b/configmaps/${name}?fieldManager=bob`, {
        token: bobToken,
        rawBody: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } }),
        headers: { "Content-Type": "application/apply-patch+yaml" },
      });
    const created = await apply("new-one");
    expect(created.status).toBe(403);
    expect(created.json.message).toBe(
      'configmaps "new-one" is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "team-b"',
    );
    await core.createNamespacedConfigMap({ namespace: "team-b", body: { metadata: { name: "existing" } } });
    expect((await apply("existing")).status).toBe(200);
  });

  it("lets a user bind a role only with bind on it or every permission in it, and write roles only with rules it holds or escalate", async () => {
    await rbac.createClusterRole({
      body: {
        metadata: { name: "grant-writer" },
        rules: [
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings", "roles"], verbs: ["create", "update", "patch"] },
          { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], resourceNames: ["edit"], verbs: ["bind"] },
          { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
        ],
      },
    });
    sb.addUser("granter");
    await rbac.createNamespacedRoleBinding({
      namespace: "team-b",
      body: {
        metadata: { name: "granter" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "grant-writer" },
        subjects: [{ kind: "User", name: "granter", apiGroup: "rbac.authorization.k8s.io" }],
      },
    });
    const granter = as("granter").makeApiClient(RbacAuthorizationV1Api);
    const binding = (name: string, role: string) => ({
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "User", name: "dave", apiGroup: "rbac.authorization.k8s.io" }],
    });
    await granter.createNamespacedRoleBinding({ namespace: "team-b", body: binding("dave-edit", "edit") });
    const view = await apiError(granter.createNamespacedRoleBinding({ namespace: "team-b", body: binding("dave-view", "view") }));
    expect(view.code).toBe(403);
    expect(view.body.message).toContain(
      'rolebindings.rbac.authorization.k8s.io "dave-view" is forbidden: user "granter" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n',
    );
    // configmaps get is held, list and watch are not
    expect(view.body.message).toContain('\n{APIGroups:[""], Resources:["configmaps"], Verbs:["list" "watch"]}\n');
    // Holding every permission of a role is enough to bind it without the bind verb.
    await granter.createNamespacedRoleBinding({ namespace: "team-b", body: binding("dave-cm", "grant-writer") });
    await granter.createNamespacedRole({
      namespace: "team-b",
      body: { metadata: { name: "held" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] },
    });
    const more = await apiError(
      granter.createNamespacedRole({
        namespace: "team-b",
        body: { metadata: { name: "more" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] },
      }),
    );
    expect(more.body.message).toContain('roles.rbac.authorization.k8s.io "more" is forbidden: user "granter"');
    expect(more.body.message).toContain('{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
  });
});

describe("impersonation", () => {
  it("honours Impersonate-User for identities allowed to impersonate, and refuses others", async () => {
    const c = sb.clusters[0];
    const admin = await request(c, "GET", "/api/v1/namespaces/team-b/pods", { headers: { "Impersonate-User": "alice", "Impersonate-Group": "devs" } });
    expect(admin.status).toBe(403);
    expect(admin.json.message).toContain('User "alice" cannot list resource "pods"');
    const impToken = /token: (\S+)/.exec(c.kubeconfigFor("impersonator"))?.[1] ?? "";
    const ok = await request(c, "GET", "/api/v1/namespaces/team-a/configmaps", {
      token: impToken,
      headers: { "Impersonate-User": "alice", "Impersonate-Group": "devs" },
    });
    expect(ok.status).toBe(403); // the group needs its own grant
    expect(ok.json.message).toBe('groups "devs" is forbidden: User "impersonator" cannot impersonate resource "groups" in API group "" at the cluster scope');
    const asAlice = await request(c, "GET", "/api/v1/namespaces/team-a/configmaps", { token: impToken, headers: { "Impersonate-User": "alice" } });
    expect(asAlice.status).toBe(403); // alice without her group has no rights
    const bob = await request(c, "GET", "/api/v1/namespaces/team-a/pods", { token: bobToken, headers: { "Impersonate-User": "alice" } });
    expect(bob.json.message).toBe('users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
  });
});

describe("access reviews", () => {
  it("answers SelfSubjectAccessReview for the caller (and an impersonated caller)", async () => {
    const authz = as("alice").makeApiClient(AuthorizationV1Api);
    const yes = await authz.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { namespace: "team-a", verb: "create", group: "apps", resource: "deployments" } } },
    });
    expect(yes.status?.allowed).toBe(true);
    expect(yes.status?.reason).toBe('RBAC: allowed by RoleBinding "devs-edit/team-a" of ClusterRole "edit" to Group "devs"');
    const no = await authz.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { namespace: "team-b", verb: "create", group: "apps", resource: "deployments" } } },
    });
    expect(no.status?.allowed).toBe(false);
    const logs = await as("bob")
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: "team-a", verb: "get", resource: "pods", subresource: "log" } } } });
    expect(logs.status?.allowed).toBe(false);
    const r = await request(sb.clusters[0], "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: "list", resource: "nodes" } } },
      headers: { "Impersonate-User": "carol", "Impersonate-Group": "auditors" },
    });
    expect(r.status).toBe(201);
    expect(r.json.status.allowed).toBe(true);
  });

  it("lists rules with SelfSubjectRulesReview (kubectl auth can-i --list)", async () => {
    const rr = await as("bob")
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectRulesReview({ body: { spec: { namespace: "team-a" } } });
    expect(rr.status?.incomplete).toBe(false);
    expect(rr.status?.resourceRules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ resources: ["pods"], verbs: ["get", "list", "watch"] }),
        expect.objectContaining({ resources: ["configmaps"], resourceNames: ["allowed"] }),
      ]),
    );
    expect(rr.status?.nonResourceRules.some((r) => r.nonResourceURLs?.includes("/version"))).toBe(true);
  });

  it("answers SubjectAccessReview for another user (admin only)", async () => {
    const authz = kubeConfigFor(sb.clusters[0]).makeApiClient(AuthorizationV1Api);
    const sar = await authz.createSubjectAccessReview({
      body: { spec: { user: "bob", resourceAttributes: { namespace: "team-a", verb: "list", resource: "pods" } } },
    });
    expect(sar.status?.allowed).toBe(true);
    const denied = await apiError(
      as("bob")
        .makeApiClient(AuthorizationV1Api)
        .createSubjectAccessReview({ body: { spec: { user: "bob", resourceAttributes: { verb: "list", resource: "pods" } } } }),
    );
    expect(denied.code).toBe(403);
  });

  it("seeds the default ClusterRoles and bindings", async () => {
    const names = (await rbac.listClusterRole()).items.map((r) => r.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(["cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user"]));
    const view = await rbac.readClusterRole({ name: "view" });
    expect(view.rules?.some((r) => r.resources?.includes("secrets"))).toBe(false);
    const crb = await rbac.readClusterRoleBinding({ name: "cluster-admin" });
    expect(crb.subjects).toEqual([expect.objectContaining({ kind: "Group", name: "system:masters" })]);
  });
});
