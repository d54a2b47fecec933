/** Projects in the catalog: list with search and filters, overview, create, edit. */
import { AppError, parseInput } from "@/lib/errors";
import { db, type Prisma } from "@/lib/db/client";
import { ProjectLifecycle, type ProjectTier } from "@/lib/db/generated/enums";
import { Prisma as Sql } from "@/lib/db/generated/client";
import { likeContains } from "@/lib/db/like";
import { prepared } from "@/lib/db/prepared";
import { isUniqueViolation } from "@/lib/db/errors";
import { staleVersionError } from "@/lib/db/optimistic";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { can, platform, projectResource } from "@/lib/access/policy";
import { changeMembership } from "./members";
import { byEnvironment } from "./environments";
import { changeableProject } from "./project-parts";
import { onboardingTicket } from "@/lib/tickets/onboarding";
import { ZCreateProject, ZUpdateProject, type TCreateProject, type TProjectListQuery, type TUpdateProject } from "./schemas";

/** What the search matches: name, slug, description and labels, lower-cased. */
export function buildSearchText(p: { name: string; slug: string; description: string; labels: Record<string, string> }) {
  const labels = Object.entries(p.labels).map(([k, v]) => `${k}=${v} ${k} ${v}`);
  return [p.name, p.slug, p.description, ...labels].join(" ").toLowerCase();
}

/**
 * "Not archived" as the lifecycles it leaves, not `<> archived`: Postgres answers the list's count from the
 * lifecycle index alone (an index-only scan) for `IN`, where `<>` made it read every row of the table (a
 * sequential scan of 432 pages for 10,000 projects, 3-5 ms per list request; docs/performance.md).
 */
const NOT_ARCHIVED = Object.values(ProjectLifecycle).filter((l) => l !== ProjectLifecycle.archived);

/** pg_trgm's unit: a search shorter than this has no trigram to find in the index. */
const TRIGRAM = 3;

/**
 * Whether the list's statement is prepared (lib/db/prepared.ts): yes, except for a search of one or two characters.
 * Its variants are the combinations of filters and sorts, a few hundred at most. After five runs a prepared statement
 * may keep one generic plan for all values, chosen without the words; words of three characters or more give the
 * trigram index ("Project_searchText_idx") trigrams to look up, shorter ones none, so no one plan suits both: 'a'
 * (9,600 matches) went from 25.0 to 32.5 ms at p50 when prepared, and 'payments' from 17.5 to 16.2
 * (docs/performance.md, twelfth pass).
 */
export function listIsPrepared(q: string | undefined): boolean {
  return !q || q.length >= TRIGRAM;
}

/** The list's sort columns and their tie-break (id, so pages never overlap). Column names from this map only. */
const SORT_COLUMNS: Record<TProjectListQuery["sort"], Sql.Sql> = {
  name: Sql.raw(`"name"`),
  updated: Sql.raw(`"updatedAt"`),
  created: Sql.raw(`"createdAt"`),
  tier: Sql.raw(`"tier"`),
};

interface ListRow {
  total: number;
  id: string;
  slug: string;
  name: string;
  description: string;
  tier: ProjectTier;
  lifecycle: ProjectLifecycle;
  labels: Prisma.JsonValue;
  language: string;
  framework: string;
  updatedAt: Date;
  teamSlug: string;
  teamName: string;
  ownerId: string;
  ownerName: string;
}

/**
 * One page of the catalog, with the count of every match, in one statement: the count rides along as an
 * uncorrelated subquery (evaluated once), from the kept counts where it can. A Prisma count and findMany with two
 * relations were four statements, each parsed and planned by Postgres and costing Prisma 0.15-0.33 ms of CPU
 * (docs/performance.md, fifth pass).
 * Search is literal: `%`, `_` and `\` in the words match themselves, as in the command palette.
 */
export async function listProjects(ctx: Ctx, query: TProjectListQuery) {
  authorize(ctx, "catalog.read", platform);
  // Lifecycle, team and tier, on "Project" (p) or on the kept counts (c, the same column names).
  const keyConds = (t: Sql.Sql): Sql.Sql[] => [
    query.lifecycle ? Sql.sql`${t}.lifecycle = ${query.lifecycle}::"ProjectLifecycle"` : Sql.sql`${t}.lifecycle = any(${NOT_ARCHIVED}::"ProjectLifecycle"[])`,
    ...(query.team ? [Sql.sql`${t}."teamId" in (select id from "Team" where slug = ${query.team})`] : []),
    ...(query.tier ? [Sql.sql`${t}.tier = ${query.tier}::"ProjectTier"`] : []),
  ];
  const conds = keyConds(Sql.raw("p"));
  if (query.q) conds.push(Sql.sql`p."searchText" like ${likeContains(query.q.toLowerCase())}`);
  if (query.mine) conds.push(Sql.sql`exists (select 1 from "ProjectMember" m where m."projectId" = p.id and m."userId" = ${ctx.actor.id})`);
  const where = Sql.join(conds, " and ");
  // Without a search or "mine", the count is a sum of the counts kept by lifecycle, team and tier (ProjectCount).
  const total =
    query.q || query.mine
      ? Sql.sql`(select count(*) from "Project" p where ${where})::int`
      : Sql.sql`(select coalesce(sum(c.n), 0) from "ProjectCount" c where ${Sql.join(keyConds(Sql.raw("c")), " and ")})::int`;
  // The direction comes from the parsed query's enum ("asc" or "desc"), never from raw input.
  const dir = Sql.raw(query.dir === "desc" ? "desc" : "asc");
  const tieBreak = query.sort === "tier" ? Sql.sql`p.name asc, p.id asc` : Sql.sql`p.id asc`;
  const order = Sql.sql`p.${SORT_COLUMNS[query.sort]} ${dir}, ${tieBreak}`;
  const selected = Sql.sql`p.id, p.slug, p.name, p.description, p.tier, p.lifecycle, p.labels, p.language, p.framework, p."updatedAt",
           t.slug as "teamSlug", t.name as "teamName", u.id as "ownerId", u.name as "ownerName"`;
  const joins = Sql.sql`join "Team" t on t.id = p."teamId" join "User" u on u.id = p."ownerId"`;
  const pageOf = Sql.sql`order by ${order} limit ${query.size} offset ${(query.page - 1) * query.size}`;
  // The page is chosen before the joins: a search matching 1,200 projects joins 20 of them to their team and owner.
  const statement =
    query.q || query.mine
      ? // A search or "mine" finds its matches once (the trigram index, or the user's memberships), counts them and takes
        // the page from them. Left to itself, Postgres counted from the index and then walked the name index testing
        // rows against the words again, as if matches were spread evenly through the alphabet: 'payments' (2,200
        // matches, the first after 1,500 names) took 7.95 ms against 5.76 now, 'a' (9,600) 36.6 against 23.2 ms
        // (medians of 200 alternated runs, the same rows; docs/performance.md, tenth pass).
        Sql.sql`
    with m as materialized (select p.id, p.name, p.tier, p."updatedAt", p."createdAt" from "Project" p where ${where})
    select (select count(*) from m)::int as total, ${selected}
      from (select p.id from m p ${pageOf}) s
      join "Project" p on p.id = s.id
      ${joins}
     order by ${order}`
      : Sql.sql`
    select ${total} as total, ${selected}
      from (select p.id, p.slug, p.name, p.description, p.tier, p.lifecycle, p.labels, p.language, p.framework,
                   p."updatedAt", p."createdAt", p."teamId", p."ownerId"
              from "Project" p
             where ${where}
             ${pageOf}) p
      ${joins}
     order by ${order}`;
  const rows = await db().$queryRaw<ListRow[]>(listIsPrepared(query.q) ? prepared(statement) : statement);
  // A page past the last one has no row to carry the count: count on its own (only then).
  const count = rows[0]?.total ?? (await db().$queryRaw<{ total: number }[]>`select ${total} as total`)[0]!.total;
  return {
    total: count,
    page: query.page,
    size: query.size,
    pages: Math.max(1, Math.ceil(count / query.size)),
    projects: rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      description: r.description,
      tier: r.tier,
      lifecycle: r.lifecycle,
      labels: (r.labels ?? {}) as Record<string, string>,
      language: r.language,
      framework: r.framework,
      updatedAt: r.updatedAt,
      team: { slug: r.teamSlug, name: r.teamName },
      owner: { id: r.ownerId, name: r.ownerName },
    })),
  };
}

export type ProjectListItem = Awaited<ReturnType<typeof listProjects>>["projects"][number];

/** The project overview: services, environments with clusters, members, recent activity (when allowed). */
export async function getProjectOverview(ctx: Ctx, slug: string) {
  authorize(ctx, "catalog.read", platform);
  const project = await db().project.findUnique({
    where: { slug },
    include: {
      team: { select: { id: true, slug: true, name: true } },
      owner: { select: { id: true, name: true, email: true } },
      services: { orderBy: { slug: "asc" } },
      environments: {
        include: {
          clusters: {
            include: { cluster: { select: { id: true, name: true, region: true, status: true, tier: true } } },
          },
        },
      },
      members: {
        include: { user: { select: { id: true, name: true, email: true } } },
        orderBy: [{ role: "asc" }, { createdAt: "asc" }],
      },
    },
  });
  if (!project) throw new AppError("NOT_FOUND", `There is no project "${slug}".`);
  const resource = projectResource(project.id);
  authorize(ctx, "catalog.read", resource);
  const environments = byEnvironment(project.environments, (e) => e.kind);
  const canReadActivity = can(ctx.actor, "project.activity.read", resource);
  const [activity, runs, tickets] = await Promise.all([
    canReadActivity ? db().auditEvent.findMany({ where: { projectId: project.id }, orderBy: { at: "desc" }, take: 15 }) : Promise.resolve(null),
    canReadActivity
      ? db().provisioningRun.findMany({
          where: { projectId: project.id },
          orderBy: { createdAt: "desc" },
          take: 5,
          include: { ticket: { select: { number: true } }, _count: { select: { steps: true } } },
        })
      : Promise.resolve([]),
    db().ticket.findMany({
      where: {
        projectId: project.id,
        status: { in: ["open", "approved", "provisioning", "failed"] },
        ...(canReadActivity ? {} : { requesterId: ctx.actor.id }),
      },
      orderBy: { createdAt: "desc" },
      select: { number: true, type: true, status: true, title: true },
    }),
  ]);
  return {
    ...project,
    labels: (project.labels ?? {}) as Record<string, string>,
    environments,
    activity,
    runs,
    // The onboarding request is shown apart (the project waits for it); the others as open requests.
    onboardingRequest: tickets.find((t) => t.type === onboardingTicket.type) ?? null,
    tickets: tickets.filter((t) => t.type !== onboardingTicket.type),
    memberRole: ctx.actor.projectRoles[project.id] ?? null,
    rights: {
      // An owner already holds every project role's rights: nothing to ask for.
      requestAccess:
        project.lifecycle === "active" && can(ctx.actor, "project.access.request", resource) && !can(ctx.actor, "project.members.manage", resource),
      requestQuota: project.lifecycle === "active" && can(ctx.actor, "project.quota.request", resource),
      requestArchive: project.lifecycle === "active" && can(ctx.actor, "project.archive.request", resource),
      update: can(ctx.actor, "project.update", resource),
      changeLifecycle: can(ctx.actor, "project.lifecycle.change", resource),
      changeRisk: can(ctx.actor, "project.settings.risk", resource),
      manageMembers: can(ctx.actor, "project.members.manage", resource),
      manageServices: can(ctx.actor, "project.services.manage", resource),
      manageEnvironments: can(ctx.actor, "project.environments.manage", resource),
      readActivity: activity !== null,
    },
  };
}

export type ProjectOverview = Awaited<ReturnType<typeof getProjectOverview>>;

export async function isProjectSlugAvailable(ctx: Ctx, slug: string): Promise<boolean> {
  authorize(ctx, "catalog.read", platform);
  return (await db().project.count({ where: { slug } })) === 0;
}

const slugTaken = (slug: string) =>
  new AppError("ALREADY_EXISTS", `The slug "${slug}" is already taken.`, {
    fieldErrors: { slug: [`"${slug}" is already taken by another project; choose another`] },
  });

async function assertTeamAndOwner(teamId: string, ownerId: string) {
  const [team, owner] = await Promise.all([
    db().team.findUnique({ where: { id: teamId }, select: { id: true } }),
    db().user.findUnique({ where: { id: ownerId }, select: { id: true, disabled: true } }),
  ]);
  const fieldErrors: Record<string, string[]> = {};
  if (!team) fieldErrors.teamId = ["This team does not exist (any more)"];
  if (!owner || owner.disabled) fieldErrors.ownerId = ["This user does not exist or is disabled"];
  if (Object.keys(fieldErrors).length) throw new AppError("INVALID_INPUT", "Some fields need attention.", { fieldErrors });
}

export async function createProject(ctx: Ctx, raw: TCreateProject) {
  authorize(ctx, "project.create", platform);
  const input = parseInput(ZCreateProject, raw);
  await assertTeamAndOwner(input.teamId, input.ownerId);
  if ((await db().project.count({ where: { slug: input.slug } })) > 0) throw slugTaken(input.slug);
  try {
    return await db().$transaction(async (tx) => {
      const project = await tx.project.create({
        data: {
          ...input,
          lifecycle: "active",
          searchText: buildSearchText(input),
          // The owner is a project member with the owner role from the start.
          members: { create: { userId: input.ownerId, role: "owner" } },
        },
      });
      await recordAudit(tx, ctx, {
        action: "project.create",
        target: { type: "project", id: project.id, label: project.slug },
        projectId: project.id,
        after: project,
      });
      return project;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken(input.slug);
    throw e;
  }
}

/**
 * Edits a project. Widening changes need more than project.update: a new
 * owner needs the members right (and runs through the membership rules:
 * at least one owner, RoleBindings synced), allowing chaos in production
 * needs the risk right, and the lifecycle is an admin's.
 */
export async function updateProject(ctx: Ctx, raw: TUpdateProject) {
  const input = parseInput(ZUpdateProject, raw);
  const before = await db().project.findUnique({ where: { id: input.id } });
  if (!before) throw new AppError("NOT_FOUND", "This project no longer exists.");
  const resource = projectResource(before.id);
  authorize(ctx, "project.update", resource);
  const refuse = (field: string, message: string) => new AppError("FORBIDDEN", message, { fieldErrors: { [field]: [message] } });
  if (input.lifecycle && input.lifecycle !== before.lifecycle && !can(ctx.actor, "project.lifecycle.change", resource)) {
    throw refuse("lifecycle", "Only an admin can change a project's lifecycle directly.");
  }
  if (input.ownerId !== before.ownerId && !can(ctx.actor, "project.members.manage", resource)) {
    throw refuse("ownerId", "Only the project's owner (or an admin) can hand the project to another owner.");
  }
  if (input.allowChaosInProd !== undefined && input.allowChaosInProd !== before.allowChaosInProd && !can(ctx.actor, "project.settings.risk", resource)) {
    throw refuse("allowChaosInProd", "Only the project's owner (or an admin) can allow killing pods in production.");
  }
  if (before.lifecycle === "requested") await changeableProject(before.id);
  await assertTeamAndOwner(input.teamId, input.ownerId);
  const { id, version, ...fields } = input;
  return db().$transaction(async (tx) => {
    const data = {
      ...fields,
      lifecycle: fields.lifecycle ?? before.lifecycle,
      searchText: buildSearchText({ ...fields, slug: before.slug }),
      version: { increment: 1 },
    };
    const { count } = await tx.project.updateMany({ where: { id, version }, data });
    if (count === 0) {
      const current = await tx.project.findUnique({ where: { id }, select: { updatedAt: true } });
      throw await staleVersionError(tx, { type: "project", id, noun: "project" }, current);
    }
    // The new owner is a member with the owner role (the previous one stays owner until someone changes that).
    if (fields.ownerId !== before.ownerId)
      await changeMembership(tx, ctx, { projectId: id, userId: fields.ownerId, role: "owner", because: { via: "project owner" } });
    const after = await tx.project.findUniqueOrThrow({ where: { id } });
    await recordAudit(tx, ctx, {
      action: "project.update",
      target: { type: "project", id, label: after.slug },
      projectId: id,
      before,
      after,
    });
    return after;
  });
}
