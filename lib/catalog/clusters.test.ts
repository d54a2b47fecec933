import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePki } from "@/sandbox/server/pki";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { checkCluster, deleteCluster, listClusters, registerCluster, testKubeconfig, updateCluster } from "./clusters";
import { setEnvironment } from "./project-parts";
import { ctxFor, makeProject, makeUser, unreachableKubeconfig } from "@/test/factories";

const caught = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

describe("the cluster registry", () => {
  it("refuses a malformed kubeconfig at the kubeconfig field and stores nothing", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const e = await caught(
      registerCluster(ctx, { name: "broken", region: "eu", tier: "dev", kubeconfig: "clusters: [\n  - name", displayName: "", context: "" }),
    );
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.fieldErrors?.kubeconfig?.[0]).toMatch(/not valid YAML/);
    expect(await db().cluster.count({ where: { name: "broken" } })).toBe(0);
  });

  it("registers an unreachable cluster and says why it is unreachable", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const c = await registerCluster(ctx, {
      name: "far-away",
      region: "mars-1",
      tier: "prod",
      kubeconfig: unreachableKubeconfig("far-away"),
      displayName: "",
      context: "",
    });
    expect(c.status).toBe("unreachable");
    expect(c.statusReason).toMatch(/Connection refused by 127\.0\.0\.1:59123/);
    expect(c.apiUrl).toBe("https://127.0.0.1:59123");
    const checks = await db().clusterCheck.findMany({ where: { clusterId: c.id } });
    expect(checks).toHaveLength(1);
    expect(await db().auditEvent.count({ where: { targetId: c.id, action: "cluster.register" } })).toBe(1);
  });

  it("keeps the kubeconfig sealed: encrypted in the row, never in ordinary reads or audit", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const c = await registerCluster(ctx, {
      name: "sealed",
      region: "eu",
      tier: "dev",
      kubeconfig: unreachableKubeconfig("sealed", 59124),
      displayName: "",
      context: "",
    });
    expect(c).not.toHaveProperty("kubeconfigEncrypted");
    const listed = await listClusters(ctx);
    expect(listed.find((x) => x.name === "sealed")).not.toHaveProperty("kubeconfigEncrypted");
    const raw = await db().cluster.findUniqueOrThrow({ where: { id: c.id }, select: { kubeconfigEncrypted: true } });
    expect(raw.kubeconfigEncrypted).not.toContain("not-a-real-token");
    expect(decryptSecret(raw.kubeconfigEncrypted, process.env.WHARF_ENCRYPTION_KEY!, "cluster:sealed")).toContain("not-a-real-token");
    const audit = await db().auditEvent.findFirstOrThrow({ where: { targetId: c.id } });
    expect(JSON.stringify(audit.after)).not.toContain(raw.kubeconfigEncrypted.slice(10, 40));
  });

  it("tests a kubeconfig without saving it", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const r = await testKubeconfig(ctx, { kubeconfig: unreachableKubeconfig("probe") });
    expect(r).toMatchObject({ status: "unreachable", server: "https://127.0.0.1:59123", context: "probe" });
    expect(await db().cluster.count({ where: { name: "probe" } })).toBe(0);
  });

  it("refuses a second cluster with the same name", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const input = { name: "twice", region: "eu", tier: "dev" as const, kubeconfig: unreachableKubeconfig("twice", 59125), displayName: "", context: "" };
    await registerCluster(ctx, input);
    const e = await caught(registerCluster(ctx, input));
    expect(e?.code).toBe("ALREADY_EXISTS");
    expect(e?.fieldErrors?.name).toBeDefined();
  });

  it("records each check and audits only status changes", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const c = await registerCluster(ctx, {
      name: "checked",
      region: "eu",
      tier: "dev",
      kubeconfig: unreachableKubeconfig("checked", 59126),
      displayName: "",
      context: "",
    });
    await checkCluster(ctx, c.id);
    await checkCluster(ctx, c.id);
    expect(await db().clusterCheck.count({ where: { clusterId: c.id } })).toBe(3);
    expect(await db().auditEvent.count({ where: { targetId: c.id, action: "cluster.status" } })).toBe(0);
    // As if it had been reachable: the next failing check is a transition, audited by the checker.
    await db().cluster.update({ where: { id: c.id }, data: { status: "reachable" } });
    await checkCluster(ctx, c.id);
    const transition = await db().auditEvent.findFirstOrThrow({ where: { targetId: c.id, action: "cluster.status" } });
    expect(transition.before).toMatchObject({ status: "reachable" });
    expect(transition.after).toMatchObject({ status: "unreachable" });
  });

  it("detects a concurrent edit and refuses to remove a cluster that runs environments", async () => {
    const admin = await makeUser("admin");
    const ctx = await ctxFor(admin);
    const c = await registerCluster(ctx, {
      name: "in-use",
      region: "eu",
      tier: "prod",
      kubeconfig: unreachableKubeconfig("in-use", 59127),
      displayName: "",
      context: "",
    });
    await updateCluster(ctx, { id: c.id, version: c.version, displayName: "In use", region: "eu-1", tier: "prod", kubeconfig: "", context: "" });
    const stale = await caught(
      updateCluster(ctx, { id: c.id, version: c.version, displayName: "Stale", region: "eu-2", tier: "prod", kubeconfig: "", context: "" }),
    );
    expect(stale?.code).toBe("CONFLICT");
    const project = await makeProject({ owner: admin });
    await setEnvironment(ctx, { projectId: project.id, kind: "prod", clusterIds: [c.id] });
    const e = await caught(deleteCluster(ctx, c.id));
    expect(e?.code).toBe("PRECONDITION_FAILED");
    expect(e?.userMessage).toContain(`${project.slug}/prod`);
    expect(await db().cluster.count({ where: { id: c.id } })).toBe(1);
  });
});

/** An HTTPS server standing in for an API server: it records every connection and request it receives. */
async function listeningApiServer(answer?: (path: string, res: import("node:http").ServerResponse) => boolean) {
  const pki = await generatePki("listener");
  const heard = { connections: 0, requests: [] as { path: string; authorization: string }[] };
  const server = https.createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    heard.requests.push({ path: req.url ?? "", authorization: req.headers.authorization ?? "" });
    if (answer?.(req.url ?? "", res)) return;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ major: "1", minor: "33", gitVersion: "v1.33.0" }));
  });
  server.on("connection", () => heard.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = (user: string) => `apiVersion: v1
kind: Config
clusters:
- name: listener
  cluster:
    server: https://127.0.0.1:${port}
    certificate-authority-data: ${Buffer.from(pki.caPem).toString("base64")}
contexts:
- name: listener
  context: { cluster: listener, user: someone }
current-context: listener
users:
- name: someone
  user:
${user
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
`;
  return { heard, kubeconfig, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("kubeconfigs that name files on the portal's machine", () => {
  let api: Awaited<ReturnType<typeof listeningApiServer>>;
  beforeAll(async () => {
    api = await listeningApiServer();
  });
  afterAll(async () => {
    await api.close();
  });

  it("answers Test connection with an embedded token, so the listening server is a real stand-in", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const before = { requests: api.heard.requests.length, connections: api.heard.connections };
    const r = await testKubeconfig(ctx, { kubeconfig: api.kubeconfig("token: embedded-token") });
    expect(r.version).toBe("v1.33.0");
    const heard = api.heard.requests.slice(before.requests);
    expect(heard[0]).toEqual({ path: "/version", authorization: "Bearer embedded-token" });
    expect(heard.every((h) => h.authorization === "Bearer embedded-token")).toBe(true);
    // Dozens of access reviews, over a handful of connections rather than one TLS handshake each.
    expect(heard.length).toBeGreaterThan(30);
    expect(api.heard.connections - before.connections).toBeLessThanOrEqual(12);
  });

  it("refuses a token-file, a local file's contents never leave as a bearer token, and the server hears nothing", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const before = { ...api.heard, requests: api.heard.requests.length };
    for (const user of ["token-file: /etc/hostname", "auth-provider:\n  name: tokenFile\n  config: { tokenFile: /etc/hostname }"]) {
      const tested = await caught(testKubeconfig(ctx, { kubeconfig: api.kubeconfig(user) }));
      expect(tested?.code).toBe("INVALID_INPUT");
      const registered = await caught(
        registerCluster(ctx, { name: "reads-files", region: "eu", tier: "dev", kubeconfig: api.kubeconfig(user), displayName: "", context: "" }),
      );
      expect(registered?.code).toBe("INVALID_INPUT");
    }
    expect(api.heard.requests.length).toBe(before.requests);
    expect(api.heard.connections).toBe(before.connections);
    expect(await db().cluster.count({ where: { name: "reads-files" } })).toBe(0);
  });

  it("gives the same answer whether or not the named file exists", async () => {
    const ctx = await ctxFor(await makeUser("admin"));
    const answer = async (path: string) => (await caught(testKubeconfig(ctx, { kubeconfig: api.kubeconfig(`token-file: ${path}`) })))?.fieldErrors;
    const existing = await answer("/etc/hostname");
    expect(existing?.kubeconfig?.[0]).toMatch(/refers to files on another machine \(token-file\).*embed .* as token/);
    expect(await answer("/no/such/file")).toEqual(existing);
  });
});

describe("credentials a cluster takes for anonymous", () => {
  /** What kube-apiserver with anonymous access on does with credentials it has no authenticator for (e.g. a password). */
  const asAnonymous = (path: string, res: import("node:http").ServerResponse) => {
    const json = (code: number, body: unknown) => res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (path.startsWith("/apis/authentication.k8s.io/v1/selfsubjectreviews")) {
      json(201, { kind: "SelfSubjectReview", status: { userInfo: { username: "system:anonymous", groups: ["system:unauthenticated"] } } });
      return true;
    }
    if (path.startsWith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")) {
      json(403, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "Forbidden",
        code: 403,
        message:
          'selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
      });
      return true;
    }
    return false;
  };

  it("shows them as rejected, not as reachable or as missing permissions, and refuses to register them", async () => {
    const api = await listeningApiServer(asAnonymous);
    try {
      const ctx = await ctxFor(await makeUser("admin"));
      const kubeconfig = api.kubeconfig("username: admin\npassword: hunter2");
      const tested = await testKubeconfig(ctx, { kubeconfig });
      expect(tested).toMatchObject({ status: "credentials_rejected", identity: "system:anonymous", missing: [] });
      expect(tested.reason).toBe("The cluster does not recognise the credentials: it takes the requests for anonymous (system:anonymous).");
      const e = await caught(registerCluster(ctx, { name: "anonymous", region: "eu", tier: "dev", kubeconfig, displayName: "", context: "" }));
      expect(e?.code).toBe("INVALID_INPUT");
      expect(await db().cluster.count({ where: { name: "anonymous" } })).toBe(0);
    } finally {
      await api.close();
    }
  });
});
