/**
 * A project's alert rules deployed both ways by a real worker: the rule file
 * lands in the test run's rules folder and the real Prometheus loads it
 * (`/api/v1/rules`), and each environment's PrometheusRule is on both
 * sandbox clusters (read back with client-node). Edits: refused to a
 * developer and to another project's maintainer (nothing stored), bad
 * PromQL refused at its field, a file promtool refuses never written and
 * its reason recorded and shown.
 */
import fs from "node:fs";
import path from "node:path";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { registerCluster } from "@/lib/catalog/clusters";
import { applyEnvironment, setEnvironment } from "@/lib/catalog/project-parts";
import type { Ctx } from "@/lib/context";
import { isAppError } from "@/lib/errors";
import { saveServiceSpec, specAtVersion } from "@/lib/deploy/specs";
import { getRun } from "@/lib/provisioning/engine";
import { startRun } from "@/lib/provisioning/start";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { testMonitoring } from "@/test/monitoring";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { reload, rules as promRules } from "./prom";
import { RULES_RUN_KIND, startRulesRun } from "./rules-deploy";
import { rulesPage, saveRuleSettings } from "./rules-edit";

const box = sandboxForThisFile({
  clusters: [
    { name: "rules-east", region: "us-east" },
    { name: "rules-west", region: "us-west" },
  ],
});
workerForThisFile();

let admin: Ctx;
let owner: Ctx;
let developer: Ctx;
let otherMaintainer: Ctx;
let projectId = "";
const SLUG = "ruleshop";

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  const ids: string[] = [];
  for (const c of box.sandbox.clusters) {
    const row = await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" });
    ids.push(row.id);
  }
  const ownerUser = await makeUser("developer", "rules owner");
  const devUser = await makeUser("developer", "rules dev");
  const otherUser = await makeUser("developer", "rules other maintainer");
  const project = await makeProject({ owner: ownerUser, slug: SLUG, members: [[devUser, "developer"]], lifecycle: "active" });
  await makeProject({ owner: await makeUser("developer"), members: [[otherUser, "maintainer"]], lifecycle: "active" });
  projectId = project.id;
  await setEnvironment(admin, { projectId, kind: "prod", clusterIds: ids });
  // The environment's namespaces first: a rules run leaves a cluster whose namespace an onboarding still has to create to that onboarding.
  await until(
    async () => ((await db().provisioningRun.count({ where: { projectId, status: { in: ["pending", "running"] } } })) === 0 ? true : null),
    60_000,
    "the prod environment to be provisioned",
  );
  await db().service.create({ data: { projectId, slug: "api", name: "api", kind: "api" } });
  [owner, developer, otherMaintainer] = await Promise.all([ctxFor(ownerUser), ctxFor(devUser), ctxFor(otherUser)]);
});

afterAll(async () => {
  fs.rmSync(path.join(testMonitoring().rulesDir, `${SLUG}.yml`), { force: true });
  await reload(prometheus());
});

async function finished(runId: string) {
  return until(
    async () => {
      const run = await getRun(runId);
      return run && run.status !== "running" && run.status !== "pending" ? run : null;
    },
    60_000,
    `run ${runId} to finish`,
  );
}

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.userMessage, fieldErrors: e.fieldErrors };
    throw e;
  }
  throw new Error("expected a refusal");
}

const prometheus = () => ({ id: "global", url: testMonitoring().prometheusUrl, managed: true });

describe("deploying a project's rules", () => {
  it("writes the project's rule file, Prometheus loads it, and the PrometheusRule is on both clusters after a maintainer's edit", async () => {
    const saved = await saveRuleSettings(owner, {
      projectId,
      version: 0,
      settings: {
        rules: { "error_ratio/api/prod": { threshold: 0.05, for: "10m" }, "pods_not_ready/api/prod": { enabled: false } },
        extra: [{ id: "queue", alert: "QueueBacklog", expr: "sum(queue_depth) > 100", summary: "Orders pile up" }],
      },
    });
    expect(saved.version).toBe(1);
    expect(saved.runId).toBeTruthy();
    const run = await finished(saved.runId!);
    expect(run.kind).toBe(RULES_RUN_KIND);
    expect(run.status, JSON.stringify(run.steps.map((s) => [s.kind, s.status, s.lastError]))).toBe("succeeded");
    expect(run.steps.map((s) => s.kind).sort()).toEqual(["monitoring-rules-apply", "monitoring-rules-apply", "monitoring-rules-file"]);

    const file = path.join(testMonitoring().rulesDir, `${SLUG}.yml`);
    expect(fs.readFileSync(file, "utf8")).toContain('alert: "QueueBacklog"');
    const loaded = await promRules(prometheus());
    if (!loaded.ok) throw new Error(loaded.reason);
    const group = loaded.data.groups.find((g) => g.file === file && g.name === `wharf:${SLUG}:prod`);
    expect(group?.rules.map((r) => r.name)).toEqual(expect.arrayContaining(["WharfErrorRatioHigh", "WharfLatencyP99High", "WharfQuotaHigh", "QueueBacklog"]));
    expect(group?.rules.some((r) => r.name === "WharfPodsNotReady")).toBe(false);
    expect(group?.rules.find((r) => r.name === "WharfErrorRatioHigh")?.query).toMatch(/> 0\.05$/);

    for (const c of box.sandbox.clusters) {
      const kc = new KubeConfig();
      kc.loadFromString(c.kubeconfig);
      const object = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: "monitoring.coreos.com",
        version: "v1",
        namespace: `${SLUG}-prod`,
        plural: "prometheusrules",
        name: `wharf-${SLUG}`,
      })) as { spec: { groups: { name: string; rules: { alert: string; labels: Record<string, string> }[] }[] } };
      expect(object.spec.groups.map((g) => g.name)).toEqual([`wharf:${SLUG}:prod`]);
      expect(object.spec.groups[0].rules.find((r) => r.alert === "WharfErrorRatioHigh")?.labels).toMatchObject({
        project: SLUG,
        service: "api",
        environment: "prod",
      });
    }
    const audit = await db().auditEvent.findFirst({ where: { projectId, action: "monitoring.rules.edit" }, orderBy: { at: "desc" } });
    // The prod environment's onboarding wrote the generated rules: version 0, no change saved.
    expect(audit?.before).toMatchObject({ version: 0, settings: {} });
    expect(audit?.after).toMatchObject({ version: 1, settings: { rules: { "error_ratio/api/prod": { threshold: 0.05 } } } });

    const page = await rulesPage(owner, SLUG);
    expect(page.file).toMatchObject({ writtenVersion: 1, lastError: "" });
    const row = page.rules.find((r) => r.key === "error_ratio/api/prod");
    expect(row?.prometheus?.health).toMatch(/^(ok|unknown)$/);
  });

  it("refuses an edit to a developer of the project and to a maintainer of another project, storing nothing", async () => {
    const before = await db().alertRuleSettings.findUnique({ where: { projectId } });
    const input = { projectId, version: before?.version ?? 0, settings: { rules: { "quota_high/-/prod": { enabled: false } } } };
    expect(await refusal(saveRuleSettings(developer, input))).toMatchObject({ code: "FORBIDDEN" });
    expect(await refusal(saveRuleSettings(otherMaintainer, input))).toMatchObject({ code: "FORBIDDEN" });
    const after = await db().alertRuleSettings.findUnique({ where: { projectId } });
    expect(after?.version).toBe(before?.version);
    expect(after?.settings).toEqual(before?.settings);
    expect((await rulesPage(developer, SLUG)).canEdit).toBe(false);
  });

  it("refuses bad PromQL in an extra rule at its field, with line and column", async () => {
    const r = await refusal(
      saveRuleSettings(owner, { projectId, version: 1, settings: { extra: [{ id: "broken", alert: "Broken", expr: "sum(rate(http_requests_total[5m])" }] } }),
    );
    expect(r.code).toBe("INVALID_INPUT");
    expect(r.fieldErrors?.["settings.extra.0.expr"]?.[0]).toMatch(/at line 1, column \d+/);
  });

  it("never writes a file promtool refuses: the old file stays, the reason is recorded and shown on the rules page", async () => {
    const file = path.join(testMonitoring().rulesDir, `${SLUG}.yml`);
    const old = fs.readFileSync(file, "utf8");
    const r = await refusal(
      saveRuleSettings(owner, { projectId, version: 1, settings: { extra: [{ id: "mad", alert: "MadLatency", expr: "mad_over_time(up[5m]) > 1" }] } }),
    );
    expect(r.code).toBe("INVALID_INPUT");
    expect(r.message).toMatch(/^promtool refused the rules, so nothing was saved or written: .*unknown function with name "mad_over_time"/);
    expect(fs.readFileSync(file, "utf8")).toBe(old);
    const row = await db().alertRuleSettings.findUniqueOrThrow({ where: { projectId } });
    expect(row.version).toBe(1);
    expect(row.lastError).toContain('unknown function with name "mad_over_time"');
    expect((await rulesPage(owner, SLUG)).file.lastError).toContain("mad_over_time");
    expect(await db().auditEvent.count({ where: { projectId, action: "monitoring.rules.refused" } })).toBe(1);
  });

  it("leaves a cluster whose namespace an onboarding still has to create to that onboarding, which applies the rules after the namespace", async () => {
    const slug = "rulesnew";
    const project = await makeProject({ owner: await makeUser("developer"), slug, lifecycle: "active" });
    await db().service.create({ data: { projectId: project.id, slug: "api", name: "api", kind: "api" } });
    const clusterIds = (await db().cluster.findMany({ where: { name: { in: box.sandbox.clusters.map((c) => c.name) } }, select: { id: true } })).map(
      (c) => c.id,
    );
    // In one transaction: the onboarding of dev is not even visible to the worker when the rules run is planned.
    const { rules, onboarding } = await db().$transaction(async (tx) => {
      const onboarding = await applyEnvironment(tx, admin, { projectId: project.id, kind: "dev", clusterIds });
      return { onboarding, rules: await startRulesRun(tx, admin, project.id) };
    });
    expect((await getRun(rules!.runId))!.steps.map((s) => s.kind)).toEqual(["monitoring-rules-file"]);
    const run = await finished(onboarding!.runId);
    expect(run.status, JSON.stringify(run.steps.filter((s) => s.status !== "succeeded").map((s) => [s.kind, s.lastError]))).toBe("succeeded");
    const applies = run.steps.filter((s) => s.kind === "monitoring-rules-apply");
    expect(applies.map((s) => s.attempts)).toEqual([1, 1]); // never a 404 retried
    await finished(rules!.runId);
    for (const c of box.sandbox.clusters) {
      const kc = new KubeConfig();
      kc.loadFromString(c.kubeconfig);
      const object = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: "monitoring.coreos.com",
        version: "v1",
        namespace: `${slug}-dev`,
        plural: "prometheusrules",
        name: `wharf-${slug}`,
      });
      expect(object).toMatchObject({ metadata: { name: `wharf-${slug}` } });
    }
    fs.rmSync(path.join(testMonitoring().rulesDir, `${slug}.yml`), { force: true });
  });

  it("plans the rules again when a saved spec changes an objective: the rule file for Wharf's Prometheus has the new threshold", async () => {
    const api = await db().service.findFirstOrThrow({ where: { projectId, slug: "api" } });
    const file = path.join(testMonitoring().rulesDir, `${SLUG}.yml`);
    expect(fs.readFileSync(file, "utf8")).toMatch(/http_request_duration_seconds_bucket.*\)\)\) > 0\.5"?$/m);
    const spec = await specAtVersion(api.id, 0);

    // A change the rules do not depend on plans nothing.
    const quiet = await saveServiceSpec(owner, { serviceId: api.id, baseVersion: 0, spec: { ...spec, replicas: 3 } });
    expect(quiet.rulesRunId).toBeNull();

    const saved = await saveServiceSpec(owner, {
      serviceId: api.id,
      baseVersion: quiet.version,
      spec: { ...spec, replicas: 3, objectives: { latencyP99Seconds: 1.5 } },
    });
    expect(saved.rulesRunId).toBeTruthy();
    const run = await finished(saved.rulesRunId!);
    expect([run.kind, run.status]).toEqual([RULES_RUN_KIND, "succeeded"]);
    expect(fs.readFileSync(file, "utf8")).toMatch(/http_request_duration_seconds_bucket.*\)\)\) > 1\.5"?$/m);
    const loaded = await promRules(prometheus());
    if (!loaded.ok) throw new Error(loaded.reason);
    const group = loaded.data.groups.find((g) => g.file === file && g.name === `wharf:${SLUG}:prod`);
    expect(group?.rules.find((r) => r.name === "WharfLatencyP99High")?.query).toMatch(/> 1\.5$/);
    const audit = await db().auditEvent.findFirst({ where: { projectId, action: "service.spec.update" }, orderBy: { at: "desc" } });
    expect(audit?.after).toMatchObject({ version: saved.version, rulesRunId: saved.rulesRunId });
  });

  it("writes each environment added to a running project into the rule file, and Prometheus evaluates its rules", async () => {
    const slug = "rulesgrow";
    const project = await makeProject({ owner: await makeUser("developer"), slug, lifecycle: "active" });
    await db().service.create({ data: { projectId: project.id, slug: "api", name: "api", kind: "api" } });
    const east = await db().cluster.findUniqueOrThrow({ where: { name: box.sandbox.clusters[0]!.name }, select: { id: true } });
    const file = path.join(testMonitoring().rulesDir, `${slug}.yml`);
    const loadedGroups = async () => {
      const loaded = await promRules(prometheus());
      if (!loaded.ok) throw new Error(loaded.reason);
      return loaded.data.groups
        .filter((g) => g.file === file)
        .map((g) => g.name)
        .sort();
    };
    const addEnvironment = async (kind: "dev" | "staging") => {
      const started = await db().$transaction((tx) => applyEnvironment(tx, admin, { projectId: project.id, kind, clusterIds: [east.id] }));
      const run = await finished(started!.runId);
      expect(run.status, JSON.stringify(run.steps.filter((s) => s.status !== "succeeded").map((s) => [s.kind, s.lastError]))).toBe("succeeded");
      // The project-wide steps of a run for one environment: only the rule file, which holds every environment.
      expect(run.steps.filter((s) => s.environment === null).map((s) => s.kind)).toEqual(["monitoring-rules-file"]);
    };
    try {
      await addEnvironment("dev");
      expect(await loadedGroups()).toEqual([`wharf:${slug}:dev`]);
      await addEnvironment("staging");
      expect(await loadedGroups()).toEqual([`wharf:${slug}:dev`, `wharf:${slug}:staging`]);
      expect(fs.readFileSync(file, "utf8")).toContain(`"environment": "staging"`);
    } finally {
      fs.rmSync(file, { force: true });
      await reload(prometheus());
    }
  });

  it("archiving the project removes its rule file, Prometheus forgets its rules, and its PrometheusRules leave both clusters", async () => {
    const file = path.join(testMonitoring().rulesDir, `${SLUG}.yml`);
    expect(fs.existsSync(file)).toBe(true);
    const { runId } = await db().$transaction((tx) => startRun(tx, admin, { kind: "archive", projectId }));
    const run = await finished(runId);
    expect(run.status, JSON.stringify(run.steps.map((s) => [s.kind, s.status, s.lastError]))).toBe("succeeded");
    expect(
      run.steps
        .map((s) => s.kind)
        .filter((k) => k.startsWith("monitoring-"))
        .sort(),
    ).toEqual(["monitoring-rules-delete", "monitoring-rules-delete", "monitoring-rules-remove-file"]);
    expect(fs.existsSync(file)).toBe(false);
    const loaded = await promRules(prometheus());
    if (!loaded.ok) throw new Error(loaded.reason);
    expect(loaded.data.groups.filter((g) => g.file === file)).toEqual([]);
    for (const c of box.sandbox.clusters) {
      const kc = new KubeConfig();
      kc.loadFromString(c.kubeconfig);
      const read = kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: "monitoring.coreos.com",
        version: "v1",
        namespace: `${SLUG}-prod`,
        plural: "prometheusrules",
        name: `wharf-${SLUG}`,
      });
      await expect(read, c.name).rejects.toMatchObject({ code: 404 });
    }
    expect((await db().project.findUniqueOrThrow({ where: { id: projectId } })).lifecycle).toBe("archived");
  });
});
