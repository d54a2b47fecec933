/**
 * The demo data deploys its services: every seeded service runs in every
 * environment of its project, with a short history (production approved by
 * ops, a failed release rolled back), through the real release engine on
 * (sandbox) clusters; a second run adds nothing.
 */
import { resolveClientConfig } from "@/lib/config/resolve";
import { beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { registerCluster } from "@/lib/catalog/clusters";
import { deploymentMatrix } from "@/lib/deploy/matrix";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { RULES_RUN_KIND } from "@/lib/monitoring/rules-deploy";
import { seed, seedReleases } from "./seed";

const env = sandboxForThisFile({ simulation: FAST_SIMULATION });

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  for (const c of env.sandbox.clusters)
    await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" });
  await seed(() => {});
}, 60_000);

describe("the demo data", () => {
  it("applies every demo project's alert rules after the namespaces they go in: its rules run writes the rule file only", async () => {
    const projects = await db().project.findMany({
      where: { environments: { some: {} } },
      select: { slug: true, runs: { select: { kind: true, steps: { select: { id: true, kind: true, environment: true, dependsOn: true } } } } },
    });
    expect(projects.length).toBeGreaterThan(0);
    for (const p of projects) {
      const rules = p.runs.filter((r) => r.kind === RULES_RUN_KIND);
      expect(
        rules.map((r) => r.steps.map((s) => s.kind)),
        p.slug,
      ).toEqual([["monitoring-rules-file"]]);
      const applies = p.runs.flatMap((r) => r.steps.filter((s) => s.kind === "monitoring-rules-apply").map((s) => ({ run: r, step: s })));
      expect(applies.length, p.slug).toBeGreaterThan(0);
      for (const { run, step } of applies) {
        expect(run.kind).toBe("onboarding");
        const before = run.steps.filter((s) => step.dependsOn.includes(s.id));
        expect(
          before.map((s) => [s.kind, s.environment]),
          `${p.slug} ${step.environment}`,
        ).toEqual([["namespace", step.environment]]);
      }
    }
  });

  it("deploys every demo service in every environment, with a failed release rolled back and production approved by ops; a second run adds nothing", async () => {
    const lines: string[] = [];
    const first = await seedReleases((l) => lines.push(l), { worker: { connectionString: process.env.DATABASE_URL! } });
    expect(first.failed).toEqual([]);
    expect(lines.at(-1)).toMatch(/^demo releases: \d+ releases rolled out in \d+ s/);

    // Every service x environment of the demo projects has releases, the newest succeeded.
    const services = await db().service.findMany({ include: { project: { include: { environments: true } } } });
    for (const s of services) {
      for (const e of s.project.environments) {
        const newest = await db().release.findFirst({ where: { serviceId: s.id, environment: e.kind }, orderBy: { number: "desc" } });
        expect(newest?.status, `${s.project.slug}/${s.slug} ${e.kind}`).toBe("succeeded");
      }
    }
    const api = services.find((s) => s.project.slug === "checkout-api" && s.slug === "api")!;
    const dev = await db().release.findMany({ where: { serviceId: api.id, environment: "dev" }, orderBy: { number: "asc" } });
    expect(dev.map((r) => [r.number, r.tag, r.status, r.specVersion])).toEqual([
      [1, "1.0.0", "succeeded", 0],
      [2, "1.1.0", "succeeded", 1],
      [3, "1.2.0-crash", "failed", 1],
      [4, "1.1.0", "succeeded", 1],
    ]);
    expect(dev[2]!.reason).toMatch(/CrashLoopBackOff/);
    // The log center's demo has both kinds of logs: checkout-api's images log text, storefront-web/web's (Next.js) pino JSON.
    const web = services.find((s) => s.project.slug === "storefront-web" && s.slug === "web")!;
    const webRelease = await db().release.findFirstOrThrow({ where: { serviceId: web.id, environment: "prod" } });
    expect(webRelease.image).toMatch(/^registry\.wharf\.local\/storefront-web\/web-next:/);
    expect(dev[0]!.image).toMatch(/^registry\.wharf\.local\/checkout-api\/api:/);
    const prodClusters = await db().environment.findFirstOrThrow({ where: { projectId: web.projectId, kind: "prod" }, include: { clusters: true } });
    expect(prodClusters.clusters).toHaveLength(2);
    expect(dev[3]!.rollbackOfId).toBe(dev[1]!.id);
    const prod = await db().release.findMany({ where: { serviceId: api.id, environment: "prod" }, include: { service: true } });
    const tickets = await db().ticket.findMany({ where: { id: { in: prod.map((r) => r.ticketId!) } }, include: { decidedBy: true } });
    expect(tickets.map((t) => [t.status, t.decidedBy?.email])).toEqual([
      ["done", "omar@wharf.dev"],
      ["done", "omar@wharf.dev"],
    ]);

    // What a new user sees: checkout-api runs everywhere, ready, nothing drifted.
    const dana = await ctxFor(await db().user.findUniqueOrThrow({ where: { email: "dana@wharf.dev" } }));
    const m = await deploymentMatrix(dana, { projectSlug: "checkout-api" });
    expect(m.rows.length).toBe(6);
    for (const row of m.rows) {
      for (const cell of row.cells)
        expect([row.service, row.environment, cell.cluster, cell.status, cell.drift]).toEqual([row.service, row.environment, cell.cluster, "ready", undefined]);
    }
    expect(m.rows.find((r) => r.service === "api" && r.environment === "dev")!.cells.map((c) => c.tag)).toEqual(["1.1.0", "1.1.0"]);

    // The seed's news is there, read: nobody starts with a bell full of it.
    const news = await db().notification.findMany({ where: { user: { email: "dana@wharf.dev" } } });
    expect(news.length).toBeGreaterThan(0);
    expect(news.filter((n) => !n.readAt)).toEqual([]);

    // ledger/api reads its config in Kubernetes: a ConfigMap on both clusters in prod, each with its greeting.
    const ledger = services.find((s) => s.project.slug === "ledger" && s.slug === "api")!;
    const ledgerProd = await db().release.findFirstOrThrow({ where: { serviceId: ledger.id, environment: "prod" }, orderBy: { number: "desc" } });
    const greetings: Record<string, string | undefined> = {};
    for (const c of env.sandbox.clusters) {
      const kc = new KubeConfig();
      kc.loadFromString(c.kubeconfig);
      const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "api", namespace: "ledger-prod" });
      const name = d.spec!.template.spec!.volumes![0]!.projected!.sources![0]!.configMap!.name!;
      const cm = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: "ledger-prod" });
      expect(cm.data?.["application.properties"]).toContain("ledger.currency=EUR");
      greetings[c.name] = cm.data?.["env.GREETING"];
    }
    expect(greetings).toEqual({ "sandbox-east": "Hello from sandbox-east", "sandbox-west": "Hello from the ledger" });
    expect((ledgerProd.config as { clusterName: string }[]).map((c) => c.clusterName).sort()).toEqual(["sandbox-east", "sandbox-west"]);

    // checkout-api/api's greeting in dev, for an Apollo client (the README's script) to print.
    const served = await resolveClientConfig({
      environment: "dev",
      appId: "checkout-api.api",
      cluster: "default",
      namespace: "application",
      instance: { ip: "10.0.0.1" },
      authenticated: false,
    });
    expect(served?.configurations.greeting).toBe("Hello from checkout");

    const again = await seedReleases(() => {}, { worker: { connectionString: process.env.DATABASE_URL! } });
    expect(again).toEqual({ releases: 0, failed: [] });
    expect(await db().release.count({ where: { serviceId: api.id } })).toBe(7);
  }, 300_000);
});
