/**
 * The command palette's search: projects, services, tickets and releases whose
 * names match, each kind scoped in its query by what the actor may see (the
 * catalog is readable by everyone; tickets by `ticket.view`; releases by
 * `deploy.read`) and bounded to a few hits, so the answer stays small and fast
 * with 10,000 projects and 50,000 services (trigram indexes on the project's
 * searchText and the service's slug and name).
 */
import { z } from "zod";
import { db, type Prisma } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { parseInput } from "@/lib/errors";
import { likeContains, likeEscape } from "@/lib/db/like";
import { platform, scopeOf } from "@/lib/access/policy";
import { visibleWhere } from "@/lib/tickets/approval";
import { allTicketTypes } from "@/lib/tickets/types";

export const ZSearchQuery = z.object({
  q: z
    .string({ message: "Say what to search for in q" })
    .trim()
    .min(2, { message: "Type at least 2 characters" })
    .max(100, { message: "Search for at most 100 characters" }),
});
export type TSearchQuery = z.input<typeof ZSearchQuery>;

export type SearchKind = "project" | "service" | "ticket" | "release";

/** One thing to jump to. */
export interface SearchHit {
  kind: SearchKind;
  id: string;
  title: string;
  subtitle: string;
  href: string;
}

/** Hits per kind: enough to find the one meant, few enough to read at a glance. */
export const HITS_PER_KIND = 6;

export async function search(ctx: Ctx, raw: TSearchQuery): Promise<{ q: string; hits: SearchHit[] }> {
  authorize(ctx, "catalog.read", platform);
  const { q } = parseInput(ZSearchQuery, raw);
  const needle = q.toLowerCase();
  const [projects, services, tickets, releases] = await Promise.all([
    searchProjects(ctx, needle),
    searchServices(needle),
    searchTickets(ctx, q),
    searchReleases(ctx, needle),
  ]);
  return { q, hits: [...projects, ...services, ...tickets, ...releases] };
}

/** Projects by name, slug, description and labels; exact and prefix slugs first, then the actor's own, archived last. */
async function searchProjects(ctx: Ctx, needle: string): Promise<SearchHit[]> {
  const contains = likeContains(needle);
  const prefix = `${likeEscape(needle)}%`;
  const rows = await db().$queryRaw<{ id: string; slug: string; name: string; lifecycle: string; team: string }[]>`
    select p.id, p.slug, p.name, p.lifecycle::text as lifecycle, t.name as team
    from "Project" p join "Team" t on t.id = p."teamId"
    where p."searchText" like ${contains}
    order by p.slug = ${needle} desc,
             p.slug like ${prefix} desc,
             exists (select 1 from "ProjectMember" m where m."projectId" = p.id and m."userId" = ${ctx.actor.id}) desc,
             p.lifecycle = 'archived',
             p.name
    limit ${HITS_PER_KIND}`;
  return rows.map((p) => ({
    kind: "project",
    id: p.id,
    title: p.name,
    subtitle: [p.slug, p.team, p.lifecycle === "active" ? "" : p.lifecycle].filter(Boolean).join(" · "),
    href: `/projects/${p.slug}`,
  }));
}

/** Services by slug or name; "project/service" narrows to a project's services. */
async function searchServices(needle: string): Promise<SearchHit[]> {
  const [projectPart, servicePart] = needle.includes("/") ? needle.split("/", 2) : [null, needle];
  const term = (servicePart ?? "").trim();
  if (!term && !projectPart) return [];
  const contains = likeContains(term);
  const projectFilter = projectPart ? `${likeEscape(projectPart.trim())}%` : "%";
  const rows = await db().$queryRaw<{ id: string; slug: string; name: string; projectSlug: string; projectName: string }[]>`
    select s.id, s.slug, s.name, p.slug as "projectSlug", p.name as "projectName"
    from "Service" s join "Project" p on p.id = s."projectId"
    where (s.slug ilike ${contains} or s.name ilike ${contains}) and p.slug like ${projectFilter}
    order by s.slug = ${term} desc, p.lifecycle = 'archived', s.slug, p.slug
    limit ${HITS_PER_KIND}`;
  return rows.map((s) => ({
    kind: "service",
    id: s.id,
    title: `${s.projectSlug}/${s.slug}`,
    subtitle: `${s.name} · ${s.projectName}`,
    href: `/projects/${s.projectSlug}/services/${s.slug}`,
  }));
}

/** Tickets the actor may see, by number (`#12`, `12`) or title; newest first. */
async function searchTickets(ctx: Ctx, q: string): Promise<SearchHit[]> {
  const number = /^#?(\d{1,9})$/.exec(q)?.[1];
  const match: Prisma.TicketWhereInput = number ? { number: Number(number) } : { title: { contains: q, mode: "insensitive" } };
  const rows = await db().ticket.findMany({
    where: { AND: [visibleWhere(ctx.actor), match] },
    orderBy: { createdAt: "desc" },
    take: HITS_PER_KIND,
    select: { id: true, number: true, title: true, type: true, status: true, project: { select: { slug: true } } },
  });
  const labels = new Map(allTicketTypes().map((t) => [t.type, t.label]));
  return rows.map((t) => ({
    kind: "ticket",
    id: t.id,
    title: `#${t.number} ${t.title}`,
    subtitle: [labels.get(t.type) ?? t.type, t.status, t.project?.slug].filter(Boolean).join(" · "),
    href: `/tickets/${t.number}`,
  }));
}

/** Releases the actor may read (deploy.read on their project), by image tag; newest first. */
async function searchReleases(ctx: Ctx, needle: string): Promise<SearchHit[]> {
  const scope = scopeOf(ctx.actor, "deploy.read");
  if (!scope.all && scope.projectIds.length === 0) return [];
  const rows = await db().release.findMany({
    where: {
      tag: { contains: needle, mode: "insensitive" },
      ...(scope.all ? {} : { service: { projectId: { in: scope.projectIds } } }),
    },
    orderBy: { createdAt: "desc" },
    take: HITS_PER_KIND,
    select: {
      id: true,
      number: true,
      tag: true,
      environment: true,
      status: true,
      service: { select: { slug: true, project: { select: { slug: true } } } },
    },
  });
  return rows.map((r) => ({
    kind: "release",
    id: r.id,
    title: `${r.service.project.slug}/${r.service.slug} #${r.number} · ${r.tag}`,
    subtitle: `${r.environment} · ${r.status.replace(/_/g, " ")}`,
    href: `/releases/${r.id}`,
  }));
}
