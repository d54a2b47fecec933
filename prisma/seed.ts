/**
 * Demo data: four demo users (one per platform role) for the dev sign-in,
 * a few more people, three teams and five projects with services and members.
 * Idempotent: what exists is left alone, so it runs on every `npm run dev`.
 * Goes through the domain services, so the demo has a real audit trail.
 */
import { db } from "../lib/db/client";
import { systemCtx } from "../lib/context";
import { createTeam, setTeamMember } from "../lib/catalog/teams";
import { createProject } from "../lib/catalog/projects";
import { addService, setEnvironment, setMember } from "../lib/catalog/project-parts";
import type { TCreateProject } from "../lib/catalog/schemas";

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
  log(
    `seed: ${DEMO_USERS.length} users, ${TEAMS.length} teams, ${created} new projects${clusters.length ? "" : " (no clusters registered: environments skipped)"}`,
  );
}
