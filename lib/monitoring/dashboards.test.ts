/**
 * Project dashboards against the test run's real Prometheus scraping this
 * file's sandbox clusters (dash-east, dash-west): generation per service and
 * environment, every query answering per cluster, the onboarding step,
 * versions and their audit, who may edit, PromQL errors at their position, a
 * source that is down, a project without traffic, and the Grafana export.
 */
import net from "node:net";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import type { Dashboard, Panel } from "@grafana/schema";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { getServiceSpec, saveServiceSpec } from "@/lib/deploy/specs";
import { computePlan } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { scrapeForThisFile, testMonitoring } from "@/test/monitoring";
import { eventually, FAST_SIMULATION, kubeConfigFor } from "@/sandbox/testing/helpers";
import { checkPromql } from "./promql";
import { expandQuery, panelsOf } from "./dashboards-model";
import { dashboardOnboardStep } from "./dashboards-step";
import { toGrafana } from "./dashboards-grafana";
import {
  createGeneratedDashboard,
  editPanelQuery,
  getProjectDashboard,
  planDashboardRegeneration,
  readDashboardData,
  regenerateDashboard,
  type PanelData,
} from "./dashboards";

const CLUSTERS = [
  { name: "dash-east", region: "us-east" },
  { name: "dash-west", region: "us-west" },
];
const box = sandboxForThisFile({ clusters: CLUSTERS, simulation: FAST_SIMULATION });
scrapeForThisFile(() => box.sandbox.clusters);

let admin: Ctx;
const clusterIds: string[] = [];

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  for (const c of box.sandbox.clusters)
    clusterIds.push(
      (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id,
    );
});

afterEach(() => {
  process.env.WHARF_PROMETHEUS_URL = testMonitoring().prometheusUrl;
});

/** A project with dev on both clusters and prod on the east one, an api service (prod autoscaled) and a worker. */
async function project(slug: string) {
  const ownerUser = await makeUser("developer", `owner ${slug}`);
  const maintainerUser = await makeUser("developer", `maint ${slug}`);
  const developerUser = await makeUser("developer", `dev ${slug}`);
  const p = await makeProject({ owner: ownerUser, slug, members: [[maintainerUser, "maintainer"]] });
  await db().projectMember.create({ data: { projectId: p.id, userId: developerUser.id, role: "developer" } });
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds });
  await setEnvironment(admin, { projectId: p.id, kind: "prod", clusterIds: [clusterIds[0]!] });
  const owner = await ctxFor(ownerUser);
  const api = await db().service.create({ data: { projectId: p.id, slug: "api", name: "API", kind: "api" } });
  const { spec } = await getServiceSpec(owner, api.id);
  await saveServiceSpec(owner, {
    serviceId: api.id,
    baseVersion: 0,
    spec: {
      ...spec,
      resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      overrides: { prod: { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 } } },
    },
  });
  await db().service.create({ data: { projectId: p.id, slug: "jobs", name: "Jobs", kind: "worker" } });
  return { project: p, owner, maintainer: await ctxFor(maintainerUser), developer: await ctxFor(developerUser) };
}

/** The api Deployment in `<slug>-dev` on both clusters, serving 30 requests a second per pod. */
async function deployApi(slug: string) {
  for (const cluster of box.sandbox.clusters) {
    const kc = kubeConfigFor(cluster);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: `${slug}-dev` } } });
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: `${slug}-dev`,
      body: {
        metadata: { name: "api", annotations: { "sandbox.wharf.dev/rps": "30" } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "api" } },
          template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "app", image: `registry.wharf.local/${slug}/api:v1` }] } },
        },
      },
    });
  }
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

const auditOf = (projectId: string) =>
  db().auditEvent.findMany({ where: { projectId, action: { startsWith: "monitoring.dashboard" } }, orderBy: [{ at: "asc" }, { id: "asc" }] });

describe("a generated dashboard", () => {
  it("has a row per service with its panels, thresholds from each environment's spec, and queries that parse", async () => {
    const { project: p, maintainer } = await project("dash-gen");
    await createGeneratedDashboard(maintainer, { projectId: p.id });
    const view = await getProjectDashboard(maintainer, p.slug);
    const body = view.dashboard!.body;
    expect(body.rows.map((r) => [r.id, r.panels.map((x) => x.id.split(".")[1])])).toEqual([
      ["project", ["requests"]],
      ["api", ["requests", "errors", "latency", "cpu", "memory", "restarts", "replicas"]],
      ["jobs", ["cpu", "memory", "restarts", "replicas"]],
    ]);
    const api = body.rows[1]!;
    expect(api.panels.find((x) => x.id === "api.latency")!.queries.map((q) => q.legend)).toEqual(["p50", "p95", "p99"]);
    expect(api.panels.find((x) => x.id === "api.cpu")!.thresholds).toEqual([
      { label: "request", value: 0.2 },
      { label: "limit", value: 1 },
    ]);
    expect(api.panels.find((x) => x.id === "api.memory")!.thresholds).toEqual([{ label: "limit", value: 512 * 2 ** 20 }]);
    // Only prod is autoscaled: its bounds are prod's lines.
    expect(api.panels.find((x) => x.id === "api.replicas")!.thresholds).toEqual([
      { label: "min replicas", value: 2, environments: ["prod"] },
      { label: "max replicas", value: 6, environments: ["prod"] },
    ]);
    for (const { row, panel } of panelsOf(body))
      for (const q of panel.queries) {
        expect(checkPromql(expandQuery(q.promql, row.service)), `${panel.id} ${q.ref}`).toEqual({ ok: true });
        expect(q.promql).toMatch(/by \(cluster(, le)?\)/);
      }
    expect(view.versions).toMatchObject([{ version: 1, author: `maint dash-gen` }]);
    const audit = await auditOf(p.id);
    expect(audit.map((a) => [a.action, a.actorLabel])).toEqual([["monitoring.dashboard.create", "maint.dash-gen@test.wharf"]]);
  });

  it("is added by the onboarding plan and written by its step once, audited as the system", async () => {
    const { project: p } = await project("dash-onb");
    const drafts = computePlan(await loadPlanInput(p.id, "onboarding"));
    expect(drafts.find((d) => d.kind === "monitoring-dashboard")).toMatchObject({ title: "Dashboard of dash-onb" });
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;
    const run = (attempt: number) => dashboardOnboardStep.run({}, { stepId: "s", runId: "r", projectId: p.id, attempt, log });
    expect(await run(1)).toMatchObject({ created: true, version: 1, panels: 12 });
    expect(await run(2)).toMatchObject({ created: false, version: 1 });
    const audit = await auditOf(p.id);
    expect(audit.map((a) => [a.action, a.actorLabel])).toEqual([["monitoring.dashboard.create", "system"]]);
  });

  it("shows live figures from both clusters in every panel of a deployed service", async () => {
    const { project: p, developer } = await project("dash-live");
    await createGeneratedDashboard(admin, { projectId: p.id });
    await deployApi("dash-live");
    const data = await eventually(
      async () => {
        const d = await readDashboardData(developer, { slug: p.slug, environment: "dev", range: "15m" });
        const api = d.panels.filter((x) => x.id.startsWith("api.") || x.id === "project.requests");
        const clustersOf = (x: PanelData) => [...new Set(x.series.filter((s) => s.points.some(([, v]) => v !== null)).map((s) => s.cluster))].sort();
        return api.length === 8 && api.every((x) => clustersOf(x).join() === "dash-east,dash-west") && d;
      },
      60_000,
      "every api panel with a series from both clusters",
    );
    expect(data.clusters).toEqual(["dash-east", "dash-west"]);
    // Traffic without errors is a ratio of 0, not an empty panel.
    const errors = data.panels.find((x) => x.id === "api.errors")!;
    expect(errors.empty).toBe(false);
    expect(errors.series.every((s) => s.points.every(([, v]) => v === null || (v >= 0 && v < 1)))).toBe(true);
    const latency = data.panels.find((x) => x.id === "api.latency")!;
    expect(new Set(latency.series.map((s) => s.legend))).toEqual(new Set(["p50", "p95", "p99"]));
    const requests = data.panels.find((x) => x.id === "api.requests")!;
    expect(Math.max(...requests.series.flatMap((s) => s.points.map(([, v]) => v ?? 0)))).toBeGreaterThan(0);
    // The cluster filter: only the one asked for.
    const east = await readDashboardData(developer, { slug: p.slug, environment: "dev", range: "15m", clusters: ["dash-east"] });
    expect(new Set(east.panels.flatMap((x) => x.series.map((s) => s.cluster)))).toEqual(new Set(["dash-east"]));
  });

  it("says a panel is empty when the project has no traffic in the range (not zeros)", async () => {
    const { project: p, developer } = await project("dash-quiet");
    await createGeneratedDashboard(admin, { projectId: p.id });
    const data = await readDashboardData(developer, { slug: p.slug, environment: "dev", range: "1h" });
    const requests = data.panels.find((x) => x.id === "api.requests")!;
    expect(requests).toMatchObject({ empty: true, failures: [] });
    expect(data.panels.find((x) => x.id === "api.errors")).toMatchObject({ empty: true, failures: [] });
    const body = (await getProjectDashboard(developer, p.slug)).dashboard!.body;
    expect(panelsOf(body).find((x) => x.panel.id === "api.requests")!.panel.empty).toBe("No traffic in this range");
  });

  it("names the source and why on each panel when Prometheus is down", async () => {
    const { project: p, developer } = await project("dash-down");
    await createGeneratedDashboard(admin, { projectId: p.id });
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        const free = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(free));
      });
    });
    process.env.WHARF_PROMETHEUS_URL = `http://127.0.0.1:${port}`;
    const data = await readDashboardData(developer, { slug: p.slug, environment: "dev", range: "1h" });
    for (const panel of data.panels) {
      expect(panel.empty).toBe(false);
      expect(panel.failures.map((f) => f.cluster)).toEqual(["dash-east", "dash-west"]);
      expect(panel.failures[0]).toMatchObject({ source: "global", reason: `Prometheus at http://127.0.0.1:${port} refused the connection: is it running?` });
    }
  });
});

describe("editing and regenerating", () => {
  it("saves a maintainer's edit as a new version with the query before and after in the audit, and regeneration keeps it", async () => {
    const { project: p, maintainer } = await project("dash-edit");
    await createGeneratedDashboard(maintainer, { projectId: p.id });
    const edited = 'sum by (cluster) (rate(http_requests_total{pod=~"$service-.*", method="GET"}[5m]))';
    expect(await editPanelQuery(maintainer, { projectId: p.id, baseVersion: 1, panelId: "api.requests", ref: "A", promql: edited })).toMatchObject({
      version: 2,
    });
    const audit = await auditOf(p.id);
    expect(audit.at(-1)).toMatchObject({
      action: "monitoring.dashboard.edit",
      before: { version: 1, panel: "api.requests", ref: "A", promql: expect.stringContaining("[a-z0-9]+-[a-z0-9]+") },
      after: { version: 2, panel: "api.requests", ref: "A", promql: edited },
    });
    // A stale edit (from version 1) is refused, nothing stored.
    expect((await refusal(editPanelQuery(maintainer, { projectId: p.id, baseVersion: 1, panelId: "api.requests", ref: "A", promql: "up" }))).code).toBe(
      "CONFLICT",
    );

    // A new service: the plan says what is added and that the edit is kept.
    await db().service.create({ data: { projectId: p.id, slug: "web", name: "Web", kind: "web" } });
    const plan = await planDashboardRegeneration(maintainer, { projectId: p.id });
    expect(plan.baseVersion).toBe(2);
    expect(plan.changes.filter((c) => c.kind === "added").map((c) => c.panelId)).toEqual([
      "web.requests",
      "web.errors",
      "web.latency",
      "web.cpu",
      "web.memory",
      "web.restarts",
      "web.replicas",
    ]);
    expect(plan.changes).toContainEqual(expect.objectContaining({ kind: "kept", panelId: "api.requests" }));
    expect(plan.changes).toContainEqual(expect.objectContaining({ kind: "changed", panelId: "project.requests", what: "queries" }));
    expect(await regenerateDashboard(maintainer, { projectId: p.id, baseVersion: 2 })).toMatchObject({ version: 3 });
    const body = (await getProjectDashboard(maintainer, p.slug)).dashboard!.body;
    expect(panelsOf(body).find((x) => x.panel.id === "api.requests")!.panel.queries[0]!.promql).toBe(edited);
    expect(body.generatedFrom.services).toEqual(["api", "jobs", "web"]);
    expect((await auditOf(p.id)).map((a) => a.action)).toEqual(["monitoring.dashboard.create", "monitoring.dashboard.edit", "monitoring.dashboard.regenerate"]);
  });

  it("refuses an edit to a developer of the project and a maintainer of another project, storing nothing", async () => {
    const { project: p, developer, maintainer } = await project("dash-deny");
    const other = await project("dash-other");
    await createGeneratedDashboard(maintainer, { projectId: p.id });
    const edit = (ctx: Ctx) => editPanelQuery(ctx, { projectId: p.id, baseVersion: 1, panelId: "api.requests", ref: "A", promql: "sum by (cluster) (up)" });
    expect((await refusal(edit(developer))).code).toBe("FORBIDDEN");
    expect((await refusal(edit(other.maintainer))).code).toBe("FORBIDDEN");
    expect((await refusal(regenerateDashboard(developer, { projectId: p.id, baseVersion: 1 }))).code).toBe("FORBIDDEN");
    expect((await refusal(createGeneratedDashboard(other.maintainer, { projectId: other.project.id.replace(/.*/, p.id) }))).code).toBe("FORBIDDEN");
    expect(await db().dashboardVersion.count({ where: { dashboard: { projectId: p.id } } })).toBe(1);
    expect((await auditOf(p.id)).length).toBe(1);
    // Reading stays open to the developer; the maintainer of another project does not see it exists.
    expect((await getProjectDashboard(developer, p.slug)).canEdit).toBe(false);
    expect((await refusal(getProjectDashboard(other.maintainer, p.slug))).code).toBe("NOT_FOUND");
  });

  it("refuses PromQL that does not parse, naming the line and column, and stores nothing", async () => {
    const { project: p, maintainer } = await project("dash-bad");
    await createGeneratedDashboard(maintainer, { projectId: p.id });
    const e = await refusal(
      editPanelQuery(maintainer, {
        projectId: p.id,
        baseVersion: 1,
        panelId: "api.errors",
        ref: "A",
        promql: 'sum by (cluster) (rate(http_requests_total{pod=~"$service-.*"}[5m])',
      }),
    );
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.userMessage).toBe(
      "The query does not parse: The expression ends too early at line 1, column 68: something is missing (a closing bracket, an operand)",
    );
    expect(e.fieldErrors?.position).toEqual(["67:1:68"]);
    expect(await db().dashboardVersion.count({ where: { dashboard: { projectId: p.id } } })).toBe(1);
  });
});

describe("the Grafana export", () => {
  it("is a Grafana dashboard with a datasource variable, time settings, rows and panels with their targets", async () => {
    const { project: p, maintainer } = await project("dash-graf");
    await createGeneratedDashboard(maintainer, { projectId: p.id });
    const view = await getProjectDashboard(maintainer, p.slug);
    const out: Dashboard = toGrafana(view.dashboard!.body, view.project, view.dashboard!.version);
    // Through JSON, as it is downloaded.
    const json = JSON.parse(JSON.stringify(out)) as Dashboard;
    expect(json).toMatchObject({ schemaVersion: 39, version: 1, time: { from: "now-1h", to: "now" }, uid: "wharf-dash-graf" });
    expect(json.templating?.list?.map((v) => [v.name, v.type])).toEqual([
      ["datasource", "datasource"],
      ["namespace", "custom"],
      ["cluster", "query"],
    ]);
    expect(json.templating?.list?.[1]?.options?.map((o) => o.value)).toEqual(["dash-graf-dev", "dash-graf-prod"]);
    const panels = (json.panels ?? []).filter((x): x is Panel => x.type !== "row");
    expect(json.panels?.filter((x) => x.type === "row").map((r) => r.title)).toEqual(["All services", "API", "Jobs"]);
    expect(panels).toHaveLength(12);
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) {
        const expr = String(t.expr);
        expect(expr).not.toContain("$service");
        expect(expr).toContain('namespace=~"$namespace", cluster=~"$cluster"');
        expect(checkPromql(expr.replaceAll("$namespace", "ns").replaceAll("$cluster", "c"))).toEqual({ ok: true });
      }
    }
    const cpu = panels.find((x) => x.title === "CPU per pod (busiest)")!;
    expect(cpu.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value)).toEqual([null, 0.2, 1]);
  });
});
