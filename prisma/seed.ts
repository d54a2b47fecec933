/**
 * Demo data: four demo users (one per platform role) for the dev sign-in,
 * a few more people, three teams and five projects with services and members
 * (`seed`), and their services deployed with a short history (`seedReleases`:
 * a few releases per service across environments, production approved by
 * ops, one failed release rolled back). Idempotent: what exists is left
 * alone, so it runs on every `npm run dev`. Goes through the domain services
 * and the real release engine, so the demo has a real audit trail and runs on
 * the (sandbox) clusters.
 */
import { ensureGeneratedDashboard } from "../lib/monitoring/dashboards";
import { RULES_RUN_KIND, startRulesRun } from "../lib/monitoring/rules-deploy";
import { saveRuleSettings } from "../lib/monitoring/rules-edit";
import { db } from "../lib/db/client";
import { systemCtx, type Ctx } from "../lib/context";
import { loadActor } from "../lib/access/actor";
import { createRelease, rollbackTo } from "../lib/deploy/releases";
import { getServiceSpec, saveServiceSpec } from "../lib/deploy/specs";
import { decideTicket } from "../lib/tickets/engine";
import { readClusters } from "../lib/kube/fanout";
import { VersionApi } from "@kubernetes/client-node";
import { createTeam, setTeamMember } from "../lib/catalog/teams";
import { createProject } from "../lib/catalog/projects";
import { addService, setEnvironment, setMember } from "../lib/catalog/project-parts";
import type { TCreateProject } from "../lib/catalog/schemas";
import { ensureApplication } from "../lib/config/namespaces";
import { editItems } from "../lib/config/edit";
import { publishDraft } from "../lib/config/publish";
import { getWorkingCopy } from "../lib/config/read";
import { recordAudit } from "../lib/audit/record";
import { CI_RUN_KIND } from "../lib/ci/regenerate";
import { portalRepositoryExists } from "../lib/git/store";
import { publishTemplateRepository } from "../lib/provisioning/repository";
import { unsafeLoadTemplateCatalog } from "../lib/templates/gallery";
import { computePlan, createRun } from "../lib/provisioning/engine";
import { loadPlanInput } from "../lib/provisioning/plan-input";

export const DEMO_USERS = [
  { email: "dana@wharf.dev", name: "Dana Developer", platformRole: "developer", isDemo: true },
  { email: "omar@wharf.dev", name: "Omar Ops", platformRole: "ops", isDemo: true },
  { email: "mia@wharf.dev", name: "Mia Manager", platformRole: "manager", isDemo: true },
  { email: "ada@wharf.dev", name: "Ada Admin", platformRole: "admin", isDemo: true },
  { email: "lee@wharf.dev", name: "Lee Chen", platformRole: "developer", isDemo: false },
  { email: "priya@wharf.dev", name: "Priya Patel", platformRole: "developer", isDemo: false },
  { email: "sam@wharf.dev", name: "Sam Okafor", platformRole: "developer", isDemo: false },
] as const;

const TEAMS = [
  { slug: "payments", name: "Payments", description: "Checkout, ledger and everything that moves money.", members: ["lee", "dana"] },
  { slug: "storefront", name: "Storefront", description: "The web shop and its APIs.", members: ["priya", "dana", "sam"] },
  { slug: "data-platform", name: "Data Platform", description: "Search, recommendations and the ML platform.", members: ["priya", "lee"] },
] as const;

type Who = "dana" | "lee" | "priya" | "sam" | "omar";
interface DemoProject extends Omit<TCreateProject, "teamId" | "ownerId"> {
  team: string;
  owner: Who;
  services: { slug: string; name: string; kind: "api" | "web" | "worker" | "job" }[];
  members: [Who, "maintainer" | "developer" | "viewer"][];
  environments: ("dev" | "test" | "staging" | "prod")[];
}

const PROJECTS: DemoProject[] = [
  {
    slug: "checkout-api",
    name: "Checkout API",
    team: "payments",
    owner: "dana",
    tier: "critical",
    description: "Takes the basket to a paid order: pricing, payment intents, order creation.",
    language: "Java",
    framework: "Spring Boot",
    repositoryUrl: "",
    labels: { domain: "payments", pci: "true" },
    services: [
      { slug: "api", name: "Checkout API", kind: "api" },
      { slug: "worker", name: "Order events worker", kind: "worker" },
    ],
    members: [
      ["lee", "maintainer"],
      ["sam", "viewer"],
    ],
    environments: ["dev", "staging", "prod"],
  },
  {
    slug: "ledger",
    name: "Ledger",
    team: "payments",
    owner: "lee",
    tier: "critical",
    description: "Double-entry ledger of every money movement.",
    language: "Java",
    framework: "Spring Boot",
    repositoryUrl: "",
    labels: { domain: "payments" },
    services: [
      { slug: "api", name: "Ledger API", kind: "api" },
      { slug: "reconcile", name: "Nightly reconciliation", kind: "job" },
    ],
    members: [["dana", "developer"]],
    environments: ["dev", "prod"],
  },
  {
    slug: "storefront-web",
    name: "Storefront Web",
    team: "storefront",
    owner: "priya",
    tier: "standard",
    description: "The customer-facing web shop.",
    language: "TypeScript",
    framework: "Next.js",
    repositoryUrl: "",
    labels: { domain: "storefront", public: "true" },
    services: [
      { slug: "web", name: "Web", kind: "web" },
      { slug: "bff", name: "Backend for frontend", kind: "api" },
    ],
    members: [
      ["dana", "developer"],
      ["sam", "maintainer"],
    ],
    environments: ["dev", "test", "prod"],
  },
  {
    slug: "recommendations",
    name: "Recommendations",
    team: "data-platform",
    owner: "priya",
    tier: "experimental",
    description: "Product recommendations served from a GPU model.",
    language: "Python",
    framework: "FastAPI",
    repositoryUrl: "",
    labels: { domain: "ml", gpu: "true" },
    services: [
      { slug: "serving", name: "Model serving", kind: "api" },
      { slug: "trainer", name: "Trainer", kind: "job" },
    ],
    members: [["lee", "developer"]],
    environments: ["dev"],
  },
  {
    slug: "search-indexer",
    name: "Search Indexer",
    team: "data-platform",
    owner: "lee",
    tier: "standard",
    description: "Keeps the product search index in step with the catalogue.",
    language: "Python",
    framework: "FastAPI",
    repositoryUrl: "",
    labels: { domain: "search" },
    services: [{ slug: "indexer", name: "Indexer", kind: "worker" }],
    members: [["priya", "maintainer"]],
    environments: ["dev", "prod"],
  },
];

export async function seed(log: (line: string) => void = console.log) {
  const ctx = systemCtx("seed");
  const users: Record<string, string> = {};
  for (const u of DEMO_USERS) {
    const row = await db().user.upsert({
      where: { email: u.email },
      create: { email: u.email, name: u.name, platformRole: u.platformRole, isDemo: u.isDemo },
      update: {},
    });
    users[u.email.split("@")[0]!] = row.id;
  }
  const teamIds: Record<string, string> = {};
  for (const t of TEAMS) {
    const existing = await db().team.findUnique({ where: { slug: t.slug } });
    const team = existing ?? (await createTeam(ctx, { slug: t.slug, name: t.name, description: t.description }));
    teamIds[t.slug] = team.id;
    if (!existing) {
      for (const [i, m] of t.members.entries()) await setTeamMember(ctx, { teamId: team.id, userId: users[m]!, role: i === 0 ? "lead" : "member" });
    }
  }
  const clusters = await db().cluster.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
  let created = 0;
  for (const p of PROJECTS) {
    if (await db().project.findUnique({ where: { slug: p.slug } })) continue;
    const { team, owner, services, members, environments, ...fields } = p;
    const project = await createProject(ctx, { ...fields, teamId: teamIds[team]!, ownerId: users[owner]! });
    for (const s of services) await addService(ctx, { projectId: project.id, ...s, description: "" });
    for (const [who, role] of members) await setMember(ctx, { projectId: project.id, userId: users[who]!, role });
    // Environments need clusters.
    if (clusters.length) {
      for (const env of environments) {
        // Production runs on every cluster (dual-active); so does the checkout API's dev, to try multi-cluster deploys.
        const on = env === "prod" || p.slug === "checkout-api" ? clusters : clusters.slice(0, 1);
        await setEnvironment(ctx, { projectId: project.id, kind: env, clusterIds: on.map((c) => c.id) });
      }
    }
    created++;
  }
  // Every demo project has its dashboard (lib/monitoring/dashboards.ts), generated once: a database from before gets it too.
  for (const p of PROJECTS) {
    const row = await db().project.findUnique({ where: { slug: p.slug }, select: { id: true } });
    if (row) await ensureGeneratedDashboard(ctx, row.id);
  }
  await seedDemoAlerting();
  // ... and its alert rules in Wharf's Prometheus and on its clusters (a run the worker applies), once. For a project
  // created just now that run writes the rule file only: its environments' onboarding runs (started by setEnvironment)
  // apply its PrometheusRules after the namespaces they go in (startRulesRun leaves those clusters to them).
  for (const p of PROJECTS) {
    const row = await db().project.findUnique({ where: { slug: p.slug }, select: { id: true } });
    if (!row || (await db().provisioningRun.count({ where: { projectId: row.id, kind: RULES_RUN_KIND } }))) continue;
    await db().$transaction((tx) => startRulesRun(tx, ctx, row.id));
  }
  log(
    `seed: ${DEMO_USERS.length} users, ${TEAMS.length} teams, ${created} new projects${clusters.length ? "" : " (no clusters registered: environments skipped)"}`,
  );
  await seedDemoPipeline(log);
}

/** The alerting demo's project and service (README's walkthrough, docs/alerting.md, e2e/alerting.spec.ts). */
export const ALERTING_DEMO = { project: "storefront-web", service: "web", environment: "dev", for: "15s" } as const;

/**
 * The alerting demo: storefront-web's error-ratio rule of web in dev waits 15 s instead of the default 5 min, so the
 * sandbox's `errors` tag opens an incident within a minute of its rollout. Saved through the rules page's own save
 * (promtool-checked, versioned, audited by the project's owner) once, when the project has no rule settings yet.
 * Production defaults are unchanged. (The service's rollback on alert is in its spec: seedReleases.)
 */
async function seedDemoAlerting() {
  const project = await db().project.findUnique({
    where: { slug: ALERTING_DEMO.project },
    select: { id: true, lifecycle: true, owner: { select: { email: true } }, alertRules: { select: { id: true } }, _count: { select: { environments: true } } },
  });
  if (!project || project.alertRules || project.lifecycle !== "active" || project._count.environments === 0) return;
  await saveRuleSettings(await userCtx(project.owner.email), {
    projectId: project.id,
    version: 0,
    settings: { rules: { [`error_ratio/${ALERTING_DEMO.service}/${ALERTING_DEMO.environment}`]: { enabled: true, for: ALERTING_DEMO.for } }, extra: [] },
  });
}

/** Dana's project for the CI demo (docs/ci.md): its dev environment runs on every cluster. */
export const CI_DEMO_PROJECT = "checkout-api";

/**
 * The CI demo: checkout-api's code on the portal's Git server (the Spring Boot template's files, published once) and
 * its pipelines on the build cluster (a provisioning run for the worker, queued once), when a cluster is marked for
 * builds (npm run dev marks sandbox-east), so Dana's push to develop
 * builds each service and deploys the images to dev on both clusters. The project keeps no template id: its
 * services' specs stay the demo's own. A dev database from before this gets both on its next start.
 */
async function seedDemoPipeline(log: (line: string) => void) {
  const project = await db().project.findUnique({
    where: { slug: CI_DEMO_PROJECT },
    include: { team: { select: { slug: true } }, owner: { select: { name: true, email: true } } },
  });
  if (!project) return;
  if (!(await db().cluster.findFirst({ where: { builds: true }, select: { id: true } }))) {
    log(`seed: no cluster is marked for builds, so ${project.slug} gets no repository and pipeline for the CI demo`);
    return;
  }
  const ctx = systemCtx("seed");
  if (!(await portalRepositoryExists(project.slug))) {
    const template = (await unsafeLoadTemplateCatalog()).templates.find((t) => t.id === "spring-boot");
    if (template) {
      const { published } = await publishTemplateRepository(project, template);
      await db().$transaction(async (tx) => {
        await tx.project.update({ where: { id: project.id }, data: { repositoryUrl: published.cloneUrl, version: { increment: 1 } } });
        await recordAudit(tx, ctx, {
          action: "project.update",
          target: { type: "project", id: project.id, label: project.slug },
          projectId: project.id,
          before: { repositoryUrl: project.repositoryUrl },
          after: { repositoryUrl: published.cloneUrl },
        });
      });
      log(`seed: ${project.slug}'s repository is on the portal's Git server: ${published.cloneUrl}`);
    }
  }
  const applied = await db().provisioningStep.findFirst({
    where: { kind: "ci-onboard", run: { projectId: project.id, status: { not: "failed" } } },
    select: { id: true },
  });
  if (applied) return;
  const drafts = computePlan(await loadPlanInput(project.id, "onboarding"))
    .filter((d) => d.key === "ci-pipeline")
    .map((d) => ({ ...d, dependsOn: [] }));
  await db().$transaction((tx) => createRun(tx, { kind: CI_RUN_KIND, projectId: project.id, drafts }));
  log(`seed: ${project.slug}'s pipelines are being applied on the build cluster`);
}

type Env = "dev" | "test" | "staging" | "prod";
/** One release of a demo history: a tag on a spec version, or a rollback to the n-th release of the same history. */
type Step = { tag: string; spec?: number } | { rollbackTo: number };

/** The histories that tell a story; every other service gets two releases in dev and one elsewhere. */
const HISTORIES: Record<string, Partial<Record<Env, Step[]>>> = {
  "checkout-api/api": {
    // A failed release (its pods crash) and the rollback to the one before it.
    dev: [{ tag: "1.0.0", spec: 0 }, { tag: "1.1.0", spec: 1 }, { tag: "1.2.0-crash", spec: 1 }, { rollbackTo: 2 }],
    staging: [{ tag: "1.1.0", spec: 1 }],
    prod: [
      { tag: "1.0.0", spec: 0 },
      { tag: "1.1.0", spec: 1 },
    ],
  },
};
const DEFAULT_HISTORY = (env: Env): Step[] => (env === "dev" ? [{ tag: "1.0.0" }, { tag: "1.1.0" }] : [{ tag: "1.0.0" }]);

const FINISHED = ["succeeded", "failed", "rolled_back", "rejected", "cancelled"];

/** Polls the database until `check` returns something, or the deadline passes. */
async function waitFor<T>(check: () => Promise<T | null | undefined | false>, deadline: number, signal?: AbortSignal): Promise<T | null> {
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline || signal?.aborted) return null;
    await new Promise((r) => setTimeout(r, 400));
  }
}

/**
 * ledger/api's `application` namespace (published in dev by its owner, in prod by Ada, with sandbox-east's own
 * greeting in prod) and a spec that mounts it at /etc/config and as environment variables: its releases carry a
 * ConfigMap, on both clusters in prod. Each step is skipped when done already.
 */
async function seedDemoConfig(serviceId: string, ownerEmail: string) {
  const owner = await userCtx(ownerEmail);
  const ada = await userCtx("ada@wharf.dev");
  const app = await ensureApplication(serviceId);
  const items = [
    { key: "greeting", value: "Hello from the ledger", comment: "Shown on the home page" },
    { key: "ledger.currency", value: "EUR", comment: "Currency of new accounts" },
  ];
  const prodClusters = await db().environmentCluster.findMany({
    where: { environment: { kind: "prod", project: { services: { some: { id: serviceId } } } } },
    select: { cluster: { select: { name: true } } },
    orderBy: { cluster: { name: "asc" } },
  });
  const sets = [
    { environment: "dev" as const, cluster: "default", by: owner, items },
    { environment: "prod" as const, cluster: "default", by: ada, items },
    // Two data centres, two greetings: sandbox-east's own values, the other cluster falls back to default.
    ...(prodClusters.length > 1
      ? [
          {
            environment: "prod" as const,
            cluster: prodClusters[0]!.cluster.name,
            by: ada,
            items: [{ ...items[0]!, value: `Hello from ${prodClusters[0]!.cluster.name}` }, items[1]!],
          },
        ]
      : []),
  ];
  await publishDemoItems(serviceId, app.id, sets);
  const current = await getServiceSpec(owner, serviceId);
  if (!current.saved) {
    await saveServiceSpec(owner, {
      serviceId,
      baseVersion: current.version,
      spec: { ...current.spec, config: [{ name: "application", mountPath: "/etc/config", env: true }] },
      comment: "Read application from /etc/config/application.properties and as environment variables",
    });
  }
}

/** Publishes each set of items as the first release of its environment and cluster (skipped once there is one). */
async function publishDemoItems(
  serviceId: string,
  namespaceId: string,
  sets: { environment: "dev" | "test" | "staging" | "prod"; cluster: string; by: Ctx; items: { key: string; value: string; comment: string }[] }[],
) {
  for (const set of sets) {
    const ref = { namespaceId, serviceId, environment: set.environment, cluster: set.cluster };
    const wc = await getWorkingCopy(set.by, ref);
    if (wc.latestRelease) continue;
    await editItems(set.by, { ...ref, draftVersion: wc.draftVersion, changes: set.items.map((i) => ({ op: "set" as const, ...i })) });
    const draft = await getWorkingCopy(set.by, ref);
    await publishDraft(set.by, { ...ref, draftVersion: draft.draftVersion, baseReleaseId: null, comment: "Demo configuration" });
  }
}

/**
 * checkout-api/api reads its config through the Apollo protocol only: a greeting in dev, published by its owner
 * Dana, for the README's client script to print (and for Dana to change).
 */
async function seedApolloDemoConfig(serviceId: string, ownerEmail: string) {
  const owner = await userCtx(ownerEmail);
  const app = await ensureApplication(serviceId);
  const items = [
    { key: "greeting", value: "Hello from checkout", comment: "Shown on the order confirmation" },
    { key: "checkout.express", value: "on", comment: "Express checkout for returning customers" },
  ];
  await publishDemoItems(serviceId, app.id, [{ environment: "dev", cluster: "default", by: owner, items }]);
}

async function userCtx(email: string): Promise<Ctx> {
  const user = await db().user.findUniqueOrThrow({ where: { email } });
  const actor = await loadActor(user.id);
  if (!actor) throw new Error(`${email} cannot act (disabled?)`);
  return { actor, requestId: "seed" };
}

/**
 * Deploys the demo services that were never deployed, through the real release functions, and waits
 * for their rollouts on the clusters. Each service's history runs in order; services run side by side.
 * With `worker`, a job worker of its own runs the releases' steps (the dev command's worker may be busy
 * with its own concurrency; the e2e harness runs its worker in another process). Never throws: a
 * history that cannot finish is reported and the rest go on.
 */
export async function seedReleases(
  log: (line: string) => void = console.log,
  opts: { worker?: { connectionString: string }; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ releases: number; failed: string[] }> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 300_000);
  const services = await db().service.findMany({
    where: { project: { slug: { in: PROJECTS.map((p) => p.slug) }, lifecycle: "active" } },
    select: {
      id: true,
      slug: true,
      project: {
        select: { id: true, slug: true, owner: { select: { email: true } }, environments: { select: { kind: true, _count: { select: { clusters: true } } } } },
      },
      releases: { select: { environment: true }, distinct: ["environment"] },
    },
    orderBy: [{ project: { slug: "asc" } }, { slug: "asc" }],
  });
  const todo = services.flatMap((s) =>
    s.project.environments
      .filter((e) => e._count.clusters > 0 && !s.releases.some((r) => r.environment === e.kind))
      .map((e) => ({ service: s, env: e.kind as Env, steps: HISTORIES[`${s.project.slug}/${s.slug}`]?.[e.kind as Env] ?? DEFAULT_HISTORY(e.kind as Env) })),
  );
  if (todo.length === 0) return { releases: 0, failed: [] };
  // Clusters that do not answer (`npm run db:seed` without the sandbox) would leave every rollout hanging.
  const clusterIds = (await db().cluster.findMany({ select: { id: true } })).map((c) => c.id);
  const down = (await readClusters(clusterIds, "seed-version", (conn) => conn.api(VersionApi).getCode(), { timeoutMs: 3000, ttlMs: 0 })).filter((r) => !r.ok);
  if (down.length) {
    log(`demo releases skipped: ${down.map((d) => `${d.cluster} does not answer`).join(", ")} (start the clusters, e.g. npm run dev)`);
    return { releases: 0, failed: down.map((d) => d.cluster) };
  }
  const count = todo.reduce((n, t) => n + t.steps.length, 0);
  log(`demo releases: ${count} releases of ${todo.length} services x environments, rolling out on the clusters...`);

  const worker = opts.worker
    ? await (
        await import("../lib/jobs/worker")
      ).startWorker({ connectionString: opts.worker.connectionString, concurrency: 24, schedule: false, pollInterval: 200 })
    : null;
  const failed: string[] = [];
  /** What the seeded releases link their news to: marked read at the end, so nobody starts with a bell full of the seed's releases. */
  const links: string[] = [];
  try {
    const ops = await userCtx("omar@wharf.dev");
    // A spec change between the demo's releases, so comparing them shows one (the quoted "on" stays a string in YAML).
    const checkout = services.find((s) => s.project.slug === "checkout-api" && s.slug === "api");
    if (checkout && todo.some((t) => t.service.id === checkout.id)) {
      const owner = await userCtx(checkout.project.owner.email);
      const current = await getServiceSpec(owner, checkout.id);
      if (!current.saved) {
        await saveServiceSpec(owner, {
          serviceId: checkout.id,
          baseVersion: current.version,
          spec: {
            ...current.spec,
            env: [
              { name: "PAYMENT_PROVIDER", value: "stripe" },
              { name: "EXPRESS_CHECKOUT", value: "on" },
            ],
          },
          comment: "Express checkout behind a flag",
        });
      }
    }
    // storefront-web/web is a Next.js app: its images' name tells the sandbox to log pino JSON (the log center parses
    // its levels from JSON), while checkout-api logs text (logfmt), so the demo has both kinds.
    const storefront = services.find((s) => s.project.slug === "storefront-web" && s.slug === "web");
    if (storefront && todo.some((t) => t.service.id === storefront.id)) {
      const owner = await userCtx(storefront.project.owner.email);
      const current = await getServiceSpec(owner, storefront.id);
      if (!current.saved && !current.spec.image.repository.endsWith("-next")) {
        await saveServiceSpec(owner, {
          serviceId: storefront.id,
          baseVersion: current.version,
          // The alerting demo: an incident linked to one of its releases within 15 minutes rolls it back (docs/alerting.md).
          spec: {
            ...current.spec,
            image: { repository: `${current.spec.image.repository}-next` },
            rollout: { ...current.spec.rollout, rollbackOnAlert: { enabled: true, withinMinutes: 15, severity: "critical" } },
          },
          comment: "Images from the Next.js build; roll back on a critical alert",
        });
      }
    }
    // ledger/api reads its config in Kubernetes (the others through the Apollo protocol only).
    const ledger = services.find((s) => s.project.slug === "ledger" && s.slug === "api");
    if (ledger && todo.some((t) => t.service.id === ledger.id)) {
      await seedDemoConfig(ledger.id, ledger.project.owner.email).catch((e: unknown) =>
        log(`demo config of ledger/api: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    if (checkout && todo.some((t) => t.service.id === checkout.id)) {
      await seedApolloDemoConfig(checkout.id, checkout.project.owner.email).catch((e: unknown) =>
        log(`demo config of checkout-api/api: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    // Provisioning (namespaces, quotas) comes first: the seed's environments started it.
    const projectIds = [...new Set(todo.map((t) => t.service.project.id))];
    const provisioned = await waitFor(
      async () => {
        const runs = await db().provisioningRun.findMany({
          where: { projectId: { in: projectIds }, kind: "onboarding" },
          select: { projectId: true, status: true },
        });
        return runs.every((r) => r.status === "succeeded" || r.status === "failed") ? runs : null;
      },
      deadline,
      opts.signal,
    );
    const broken = new Set((provisioned ?? []).filter((r) => r.status === "failed").map((r) => r.projectId));

    await Promise.all(
      todo.map(async ({ service, env, steps }) => {
        const name = `${service.project.slug}/${service.slug} ${env}`;
        if (!provisioned || broken.has(service.project.id)) {
          failed.push(`${name} (its namespaces were not provisioned)`);
          return;
        }
        const owner = await userCtx(service.project.owner.email);
        const made: string[] = [];
        for (const step of steps) {
          if (opts.signal?.aborted) return;
          try {
            const r =
              "rollbackTo" in step
                ? await rollbackTo(owner, { releaseId: made[step.rollbackTo - 1]! })
                : await createRelease(owner, { serviceId: service.id, environment: env, tag: step.tag, specVersion: step.spec });
            made.push(r.id);
            links.push(`/releases/${r.id}`);
            if (r.ticketNumber) {
              links.push(`/tickets/${r.ticketNumber}`);
              const ticket = await db().ticket.findUniqueOrThrow({ where: { number: r.ticketNumber } });
              await decideTicket(ops, { ticketId: ticket.id, decision: "approve", comment: "Approved for the demo: the same tag runs in dev." });
            }
            const done = await waitFor(
              async () => {
                const row = await db().release.findUniqueOrThrow({ where: { id: r.id }, select: { status: true } });
                return FINISHED.includes(row.status) ? row : null;
              },
              deadline,
              opts.signal,
            );
            if (!done) {
              failed.push(`${name} (release #${r.number} did not finish in time)`);
              return;
            }
          } catch (e) {
            failed.push(`${name} (${e instanceof Error ? e.message : String(e)})`);
            return;
          }
        }
      }),
    );
    await db().notification.updateMany({ where: { link: { in: links }, readAt: null }, data: { readAt: new Date() } });
  } finally {
    await worker?.stop();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  log(
    failed.length
      ? `demo releases: done in ${seconds} s; not seeded: ${failed.join("; ")}`
      : `demo releases: ${count} releases rolled out in ${seconds} s (checkout-api/api has a failed release and its rollback)`,
  );
  return { releases: count, failed };
}
