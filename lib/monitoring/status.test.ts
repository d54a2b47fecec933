/**
 * Metrics sources and the monitoring status every page starts from, against
 * the test run's real Prometheus; a cluster's own Prometheus URL set (and
 * refused) through the cluster registry; a project's query and who may read it.
 */
import net from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { updateCluster } from "@/lib/catalog/clusters";
import { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { testMonitoring } from "@/test/monitoring";
import { monitoringStatus } from "./status";
import { unsafeClusterSources } from "./sources";
import { queryProject } from "./project";

let closedPort = 0;
const globalUrl = () => testMonitoring().prometheusUrl;

async function makeCluster(name: string, prometheusUrl = "") {
  return db().cluster.create({
    data: { name, region: "local", apiUrl: `https://${name}.invalid:6443`, kubeconfigEncrypted: "unused", context: name, prometheusUrl },
  });
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
});

afterEach(async () => {
  process.env.WHARF_PROMETHEUS_URL = globalUrl();
  await db().environmentCluster.deleteMany({});
  await db().cluster.deleteMany({});
});

describe("monitoringStatus", () => {
  it("says monitoring is not set up, and what to install, when no Prometheus is configured", async () => {
    delete process.env.WHARF_PROMETHEUS_URL;
    await makeCluster("stat-east");
    const status = await monitoringStatus(await ctxFor(await makeUser("developer")), { fresh: true });
    expect(status.state).toBe("not_configured");
    if (status.state === "not_configured") expect(status.install).toContain("apt-get install prometheus prometheus-alertmanager");
  });

  it("is up when the portal's Prometheus answers, listing the clusters read from it", async () => {
    await makeCluster("stat-east");
    await makeCluster("stat-west");
    const status = await monitoringStatus(await ctxFor(await makeUser("manager")), { fresh: true });
    expect(status).toMatchObject({ state: "up", sources: [{ source: "global", url: globalUrl(), clusters: ["stat-east", "stat-west"], ok: true }] });
  });

  it("is down naming the source that does not answer and why, while the others stay up", async () => {
    await makeCluster("stat-east");
    await makeCluster("stat-west", `http://127.0.0.1:${closedPort}`);
    const status = await monitoringStatus(await ctxFor(await makeUser("ops")), { fresh: true });
    expect(status.state).toBe("down");
    if (status.state !== "down") return;
    expect(status.down).toEqual([
      expect.objectContaining({
        source: "cluster:stat-west",
        clusters: ["stat-west"],
        reason: `Prometheus at http://127.0.0.1:${closedPort} refused the connection: is it running?`,
      }),
    ]);
    expect(status.message).toBe(`Metrics of stat-west cannot be read: Prometheus at http://127.0.0.1:${closedPort} refused the connection: is it running?`);
    expect(status.sources.find((s) => s.source === "global")).toMatchObject({ ok: true, clusters: ["stat-east"] });
  });
});

describe("a cluster's own Prometheus URL", () => {
  it("is set by an admin on the cluster, audited, and replaces the global source for that cluster", async () => {
    const admin = await ctxFor(await makeUser("admin"));
    const c = await makeCluster("own-east");
    await updateCluster(admin, { id: c.id, version: c.version, region: "local", tier: "shared", prometheusUrl: "https://prometheus.east.example.com/" });
    const [source] = await unsafeClusterSources(["own-east"]);
    expect(source).toEqual({
      cluster: "own-east",
      source: { id: "cluster:own-east", url: "https://prometheus.east.example.com", managed: false },
      byLabel: false,
    });
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "cluster.update", targetId: c.id } });
    expect(audit.before).toMatchObject({ prometheusUrl: "" });
    expect(audit.after).toMatchObject({ prometheusUrl: "https://prometheus.east.example.com" });
    const row = await db().cluster.findUniqueOrThrow({ where: { id: c.id } });
    await updateCluster(admin, { id: c.id, version: row.version, region: "local", tier: "shared", prometheusUrl: "" });
    expect((await unsafeClusterSources(["own-east"]))[0]).toMatchObject({ byLabel: true, source: { id: "global" } });
  });

  it.each([
    ["http://admin:secret@prometheus:9090", "Remove the user name and password"],
    ["file:///etc/passwd", "Use an http:// or https:// URL"],
    ["gopher://prometheus:9090", "Use an http:// or https:// URL"],
    ["http://prometheus:9090/api/v1/query?query=up", "Remove the query"],
    ["prometheus:9090 please", "Enter the Prometheus URL"],
  ])("refuses %s at its field", async (url, message) => {
    const admin = await ctxFor(await makeUser("admin"));
    const c = await makeCluster("own-west");
    const e = await refusal(updateCluster(admin, { id: c.id, version: c.version, region: "local", tier: "shared", prometheusUrl: url }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.fieldErrors?.prometheusUrl?.[0]).toContain(message);
    expect((await db().cluster.findUniqueOrThrow({ where: { id: c.id } })).prometheusUrl).toBe("");
  });

  it("is refused to ops, who may not change a cluster's registration", async () => {
    const c = await makeCluster("own-north");
    const e = await refusal(
      updateCluster(await ctxFor(await makeUser("ops")), { id: c.id, version: c.version, region: "local", tier: "shared", prometheusUrl: "http://p:9090" }),
    );
    expect(e.code).toBe("FORBIDDEN");
  });
});

describe("queryProject", () => {
  async function projectOn(cluster: string) {
    const owner = await makeUser("developer");
    const viewer = await makeUser("developer");
    const project = await makeProject({ owner, members: [[viewer, "viewer"]] });
    const c = await makeCluster(cluster);
    await db().environment.create({ data: { projectId: project.id, kind: "dev", clusters: { create: { clusterId: c.id } } } });
    return { project, owner, viewer };
  }

  it("reads a project's namespaces on each of its clusters, for a viewer of the project", async () => {
    const { project, viewer } = await projectOn("q-east");
    const r = await queryProject(await ctxFor(viewer), { projectId: project.id, promql: "sum by (cluster) (rate(http_requests_total[1m]))" });
    expect(r.namespaces).toEqual([`${project.slug}-dev`]);
    expect(r.clusters).toEqual([{ cluster: "q-east", ok: true, source: "global", series: [], warnings: [] }]);
  });

  it("refuses a member of another project and a developer who is no member", async () => {
    const { project } = await projectOn("q-west");
    const other = await makeUser("developer");
    await makeProject({ owner: other });
    for (const user of [other, await makeUser("developer")]) {
      const e = await refusal(queryProject(await ctxFor(user), { projectId: project.id, promql: "up" }));
      expect(e.code).toBe("FORBIDDEN");
    }
  });

  it("refuses PromQL that does not parse at its field, saying where", async () => {
    const { project, owner } = await projectOn("q-south");
    const e = await refusal(queryProject(await ctxFor(owner), { projectId: project.id, promql: "sum(rate(up[1m])" }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.fieldErrors?.promql).toEqual(["The expression ends too early at line 1, column 17: something is missing (a closing bracket, an operand)"]);
  });
});
