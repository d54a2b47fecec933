/**
 * The cluster registry against live (sandbox) clusters: reachable, then
 * stopped, slowed and refusing; credentials the cluster rejects or that lack
 * permissions; one API server registered twice.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { KubernetesObjectApi, RbacAuthorizationV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { db } from "@/lib/db/client";
import type { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { grantManifest } from "@/lib/kube/access";
import { checkCluster, registerCluster, requiredPermissionRows, testKubeconfig, updateCluster } from "./clusters";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { kubeConfigFor } from "@/sandbox/testing/helpers";

// A third cluster, never registered: what a kubeconfig of a new cluster meets.
const env = sandboxForThisFile({
  clusters: [
    { name: "sandbox-east", region: "us-east" },
    { name: "sandbox-west", region: "us-west" },
    { name: "fresh", region: "eu-west" },
  ],
});
const FRESH = 2;

const caught = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

let admin: Ctx;
beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
});

/** Applies YAML documents on a sandbox cluster as its admin (what an admin does with kubectl apply). */
async function applyAsAdmin(cluster: number, yamlText: string) {
  const objects = kubeConfigFor(env.sandbox.clusters[cluster]!).makeApiClient(KubernetesObjectApi);
  for (const doc of parseAllDocuments(yamlText)) await objects.create(doc.toJS() as KubernetesObject);
}

/** A sandbox identity whose rights are the given rows granted through its own ClusterRole, and its kubeconfig. */
async function identityWith(user: string, rows: ReturnType<typeof requiredPermissionRows>, cluster = 0) {
  env.sandbox.addUser(user);
  await applyAsAdmin(cluster, grantManifest(rows, user, `role-${user}`));
  return env.sandbox.clusters[cluster]!.kubeconfigFor(user);
}

/** Every permission Wharf needs except the named verbs on the named resources. */
function allBut(...gaps: { resource: string; verbs: string[] }[]) {
  return requiredPermissionRows()
    .map((row) => {
      const gap = gaps.find((g) => g.resource === row.resource);
      return gap ? { ...row, verbs: row.verbs.filter((v) => !gap.verbs.includes(v)) } : row;
    })
    .filter((row) => row.verbs.length > 0);
}

describe("registering and checking a live cluster", () => {
  it("registers both sandbox clusters from their kubeconfigs and shows them reachable with version and latency", async () => {
    for (const cluster of env.sandbox.clusters.slice(0, 2)) {
      const c = await registerCluster(admin, {
        name: cluster.name,
        region: cluster.region ?? "local",
        tier: "dev",
        kubeconfig: cluster.kubeconfig,
        displayName: "",
        context: "",
      });
      expect(c.status).toBe("reachable");
      expect(c.identity).toBe("kubernetes-admin");
      expect(c.missingPermissions).toEqual([]);
      expect(c.kubernetesVersion).toMatch(/^v1\.33\.\d+/);
      expect(c.latencyMs).toBeGreaterThanOrEqual(0);
      expect(c.apiUrl).toBe(cluster.server.replace(/\/$/, ""));
    }
  });

  it("tests a kubeconfig of a live cluster without saving it", async () => {
    const r = await testKubeconfig(admin, { kubeconfig: env.sandbox.clusters[0]!.kubeconfig, name: "probe" });
    expect(r.status).toBe("reachable");
    expect(r.version).toMatch(/^v1\.33/);
    expect(await db().cluster.count({ where: { name: "probe" } })).toBe(0);
  });

  it("follows the cluster down and up again, auditing both transitions", async () => {
    const live = env.sandbox.clusters[1]!;
    const c = await db().cluster.findUniqueOrThrow({ where: { name: live.name } });
    await live.stop();
    try {
      const down = await checkCluster(admin, c.id);
      expect(down.status).toBe("unreachable");
      expect(down.reason).toMatch(/Connection refused/);
    } finally {
      await live.start();
    }
    const up = await checkCluster(admin, c.id);
    expect(up.status).toBe("reachable");
    const transitions = await db().auditEvent.findMany({ where: { targetId: c.id, action: "cluster.status" }, orderBy: { at: "asc" } });
    expect(transitions.map((t) => (t.after as { status: string }).status)).toEqual(["unreachable", "reachable"]);
  });

  it("reports a cluster that answers too late, and one that refuses the credentials", async () => {
    const live = env.sandbox.clusters[0]!;
    const c = await db().cluster.findUniqueOrThrow({ where: { name: live.name } });
    live.setLatency(Number(process.env.WHARF_CLUSTER_TIMEOUT_MS) + 1000);
    try {
      const slow = await checkCluster(admin, c.id);
      expect(slow.status).toBe("unreachable");
      expect(slow.reason).toMatch(/No answer from https:\/\/127\.0\.0\.1:\d+ within 2 s/);
    } finally {
      live.setLatency(0);
    }
    live.failNext(1, 401, "Unauthorized");
    const refused = await checkCluster(admin, c.id);
    expect(refused.status).toBe("credentials_rejected");
    expect(refused.reason).toBe("The cluster rejected the credentials (401 Unauthorized): the token or client certificate is wrong, expired or revoked.");
    expect((await checkCluster(admin, c.id)).status).toBe("reachable");
  });
});

describe("credentials the cluster rejects", () => {
  it("shows a wrong token as rejected at Test connection, and refuses to register it", async () => {
    const wrong = env.sandbox.clusters[FRESH]!.kubeconfig.replace(/token: \S+/, "token: not-the-token");
    const tested = await testKubeconfig(admin, { kubeconfig: wrong, name: "wrong-token" });
    expect(tested.status).toBe("credentials_rejected");
    expect(tested.reason).toMatch(/rejected the credentials \(401 Unauthorized\)/);
    const e = await caught(registerCluster(admin, { name: "wrong-token", region: "x", tier: "dev", kubeconfig: wrong, displayName: "", context: "" }));
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.fieldErrors?.kubeconfig?.[0]).toMatch(/^Not registered: The cluster rejected the credentials \(401 Unauthorized\)/);
    expect(await db().cluster.count({ where: { name: "wrong-token" } })).toBe(0);
  });
});

describe("credentials that lack permissions", () => {
  it("names each missing permission and what it is needed for, refuses to register, and registers once the suggested ClusterRole is applied", async () => {
    const kubeconfig = await identityWith(
      "partial",
      allBut({ resource: "clusterroles", verbs: ["bind"] }, { resource: "namespaces", verbs: ["delete"] }, { resource: "nodes", verbs: ["list"] }),
      FRESH,
    );
    const tested = await testKubeconfig(admin, { kubeconfig, name: "partial" });
    expect(tested.status).toBe("missing_permissions");
    expect(tested.identity).toBe("partial");
    expect(tested.missing).toEqual([
      { group: "", resource: "nodes", verbs: ["list"], names: [], neededFor: ["the allocatable capacity onboarding requests are checked against"] },
      { group: "", resource: "namespaces", verbs: ["delete"], names: [], neededFor: ["deleting the namespaces of an archived project"] },
      {
        group: "rbac.authorization.k8s.io",
        resource: "clusterroles",
        verbs: ["bind"],
        names: ["edit", "view"],
        neededFor: ["granting the ClusterRoles edit and view in those RoleBindings"],
      },
    ]);
    expect(tested.reason).toBe(
      "The credentials (partial) are accepted but may not do everything Wharf needs; missing cluster-wide: " +
        "list nodes; delete namespaces; bind clusterroles.rbac.authorization.k8s.io edit, view.",
    );

    const e = await caught(registerCluster(admin, { name: "partial", region: "x", tier: "dev", kubeconfig, displayName: "", context: "" }));
    expect(e?.code).toBe("PRECONDITION_FAILED");
    const message = e?.fieldErrors?.kubeconfig?.[0] ?? "";
    expect(message).toContain("Not registered: the cluster accepts the credentials (partial), but they may not do everything Wharf needs");
    expect(message).toContain(
      "• bind clusterroles.rbac.authorization.k8s.io edit, view: needed for granting the ClusterRoles edit and view in those RoleBindings",
    );
    expect(await db().cluster.count({ where: { name: "partial" } })).toBe(0);

    // What Test connection suggests is what it takes.
    await applyAsAdmin(FRESH, tested.grant);
    expect((await testKubeconfig(admin, { kubeconfig, name: "partial" })).status).toBe("reachable");
  });

  it("notices at the periodic check when permissions are taken away, and when the token is revoked", async () => {
    const kubeconfig = await identityWith("revocable", requiredPermissionRows(), 1);
    // Its own server for this test: the sandbox clusters are registered already under their names.
    const c = await registerCluster(admin, { name: "revocable", region: "x", tier: "dev", kubeconfig, displayName: "", context: "" }).catch((e: AppError) => e);
    // The same API server as sandbox-west: refused, naming it.
    expect((c as AppError).code).toBe("ALREADY_EXISTS");
    expect((c as AppError).fieldErrors?.kubeconfig?.[0]).toContain('already registered as "sandbox-west"');

    // Replace sandbox-west's kubeconfig with this identity's, then take its rights away.
    const west = await db().cluster.findUniqueOrThrow({ where: { name: "sandbox-west" } });
    await updateCluster(admin, { id: west.id, version: west.version, displayName: "", region: west.region, tier: west.tier, kubeconfig, context: "" });
    expect((await checkCluster(admin, west.id)).status).toBe("reachable");
    const rbac = kubeConfigFor(env.sandbox.clusters[1]!).makeApiClient(RbacAuthorizationV1Api);
    await rbac.deleteClusterRoleBinding({ name: "role-revocable" });
    const limited = await checkCluster(admin, west.id);
    expect(limited.status).toBe("missing_permissions");
    expect(limited.missing.length).toBe(requiredPermissionRows().length);
    const row = await db().cluster.findUniqueOrThrow({ where: { id: west.id } });
    expect(row.status).toBe("missing_permissions");
    expect(row.identity).toBe("revocable");
    expect(row.missingPermissions).toEqual(limited.missing);

    env.sandbox.rotateToken("revocable");
    const revoked = await checkCluster(admin, west.id);
    expect(revoked.status).toBe("credentials_rejected");
    const transitions = await db().auditEvent.findMany({ where: { targetId: west.id, action: "cluster.status" }, orderBy: { at: "asc" } });
    expect(transitions.map((t) => (t.after as { status: string }).status).slice(-2)).toEqual(["missing_permissions", "credentials_rejected"]);

    // Back to the admin's kubeconfig for the tests that follow.
    const current = await db().cluster.findUniqueOrThrow({ where: { id: west.id } });
    await updateCluster(admin, {
      id: west.id,
      version: current.version,
      displayName: "",
      region: west.region,
      tier: west.tier,
      kubeconfig: env.sandbox.clusters[1]!.kubeconfig,
      context: "",
    });
    expect((await checkCluster(admin, west.id)).status).toBe("reachable");
  });
});

describe("one API server registered twice", () => {
  it("refuses a second registration of a registered server and names it, at Test connection too", async () => {
    const east = env.sandbox.clusters[0]!;
    const tested = await testKubeconfig(admin, { kubeconfig: east.kubeconfig, name: "east-again" });
    expect(tested.registeredAs).toBe(east.name);
    const e = await caught(registerCluster(admin, { name: "east-again", region: "x", tier: "dev", kubeconfig: east.kubeconfig, displayName: "", context: "" }));
    expect(e?.code).toBe("ALREADY_EXISTS");
    expect(e?.fieldErrors?.kubeconfig?.[0]).toBe(
      `This API server is already registered as "${east.name}" (same server ${east.server} and certificate authority). ` +
        `Edit "${east.name}" to replace its kubeconfig instead of registering the cluster twice.`,
    );
    expect(await db().cluster.count({ where: { name: "east-again" } })).toBe(0);
    // Its own registration is not a twin of itself.
    expect((await testKubeconfig(admin, { kubeconfig: east.kubeconfig, name: east.name })).registeredAs).toBeNull();
  });

  it("tells API servers apart by their certificate authority when the URL is the same", async () => {
    const withCa = (cluster: number) =>
      env.sandbox.clusters[0]!.kubeconfig.replace(/server: \S+/, "server: https://127.0.0.1:59131").replace(
        /certificate-authority-data: \S+/,
        `certificate-authority-data: ${env.sandbox.clusters[cluster]!.caData}`,
      );
    const base = { region: "x", tier: "dev" as const, displayName: "", context: "" };
    // Nobody answers there: both are registered as unreachable, their credentials checked once they answer.
    expect((await registerCluster(admin, { ...base, name: "ca-east", kubeconfig: withCa(0) })).status).toBe("unreachable");
    expect((await registerCluster(admin, { ...base, name: "ca-west", kubeconfig: withCa(1) })).status).toBe("unreachable");
    const e = await caught(registerCluster(admin, { ...base, name: "ca-east-2", kubeconfig: withCa(0) }));
    expect(e?.fieldErrors?.kubeconfig?.[0]).toContain('already registered as "ca-east"');
  });
});
