import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listProjects, type ProjectListItem } from "@/lib/catalog/projects";
import { listTeamOptions } from "@/lib/catalog/teams";
import { ZProjectListQuery, type TProjectListQuery } from "@/lib/catalog/schemas";
import { PageHeader } from "@/components/shell/page-header";
import { pageParams } from "@/lib/http/page";
import { formatDistanceToNowStrict } from "date-fns";
import { ProjectFilters } from "@/components/catalog/project-filters";
import { ProjectRows, type ProjectRow } from "@/components/catalog/project-rows";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { SpriteIcon } from "@/components/icons/sprite-icon";
import styles from "@/components/catalog/project-table.module.css";

export const metadata: Metadata = { title: "Projects" };

type Search = Record<string, string | string[] | undefined>;

function hrefWith(query: TProjectListQuery, change: Partial<Record<keyof TProjectListQuery, string | number | undefined>>) {
  const params = new URLSearchParams();
  const merged = { ...query, ...change } as Record<string, unknown>;
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === "") continue;
    if ((k === "page" && v === 1) || (k === "size" && v === 20) || (k === "sort" && v === "name") || (k === "dir" && v === "asc")) continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `/projects?${s}` : "/projects";
}

/** A row as the client component needs it: what it shows, worded here (the relative time too, so hydration matches). */
function toRow(p: ProjectListItem): ProjectRow {
  return {
    slug: p.slug,
    name: p.name,
    description: p.description || undefined,
    labels: Object.entries(p.labels),
    team: p.team,
    tier: p.tier,
    stack: [p.language, p.framework].filter(Boolean).join(" · ") || "—",
    owner: p.owner.name,
    lifecycle: p.lifecycle,
    updated: { iso: p.updatedAt.toISOString(), text: formatDistanceToNowStrict(p.updatedAt, { addSuffix: true }) },
  };
}

/** The direction of a column's first click. */
const FIRST_DIRECTION: Record<TProjectListQuery["sort"], TProjectListQuery["dir"]> = { name: "asc", tier: "asc", updated: "desc", created: "desc" };

function SortHead({
  query,
  column,
  children,
  className,
}: {
  query: TProjectListQuery;
  column: TProjectListQuery["sort"];
  children: React.ReactNode;
  className?: string;
}) {
  const active = query.sort === column;
  // A first click sorts the way people read the column: newest dates first, names from A. A second click turns it round.
  const nextDir = active ? (query.dir === "asc" ? "desc" : "asc") : FIRST_DIRECTION[column];
  return (
    <th className={className ? `${styles.head} ${className}` : styles.head} aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : undefined}>
      <a href={hrefWith(query, { sort: column, dir: nextDir, page: 1 })} className={styles.sort}>
        {children}
        {active && (query.dir === "asc" ? <SpriteIcon name="arrow-up" className="size-3" /> : <SpriteIcon name="arrow-down" className="size-3" />)}
      </a>
    </th>
  );
}

export default async function ProjectsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const ctx = await requireCtx();
  const raw = await pageParams(searchParams);
  const query = ZProjectListQuery.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])));
  const [result, teams] = await Promise.all([listProjects(ctx, query), listTeamOptions(ctx)]);
  const filtered = Boolean(query.q || query.team || query.tier || query.lifecycle || query.mine);

  return (
    <>
      <PageHeader
        title="Projects"
        description="Every project on the platform: who owns it, what it runs, where."
        actions={
          <>
            {can(ctx.actor, "project.create", platform) && (
              <Button asChild variant="outline">
                <Link href="/projects/new">
                  <SpriteIcon name="plus" /> New project
                </Link>
              </Button>
            )}
            {can(ctx.actor, "project.request", platform) && (
              <Button asChild>
                <Link href="/projects/onboard">
                  <SpriteIcon name="rocket" /> Onboard a project
                </Link>
              </Button>
            )}
          </>
        }
      />
      <ProjectFilters teams={teams.map((t) => ({ slug: t.slug, name: t.name }))} />
      {result.total === 0 ? (
        <EmptyState
          icon={<SpriteIcon name="boxes" className="size-6" />}
          title={filtered ? "No project matches these filters" : "No projects yet"}
          description={
            filtered
              ? "Try fewer words, or clear the filters."
              : can(ctx.actor, "project.create", platform)
                ? "Create the first project, or let developers onboard theirs."
                : "Projects appear here once they are onboarded."
          }
          action={
            filtered ? (
              <Button asChild variant="outline">
                <Link href="/projects">Clear filters</Link>
              </Button>
            ) : undefined
          }
        />
      ) : result.projects.length === 0 ? (
        // A link or a bookmark to a page that no longer exists (projects archived since): say so, and offer the last one.
        <EmptyState
          icon={<SpriteIcon name="boxes" className="size-6" />}
          title={`There is no page ${result.page}`}
          description={`${result.total === 1 ? "1 project matches" : `${result.total} projects match`}, on ${result.pages === 1 ? "1 page" : `${result.pages} pages`}.`}
          action={
            <Button asChild variant="outline">
              <Link href={hrefWith(query, { page: result.pages })}>Go to page {result.pages}</Link>
            </Button>
          }
        />
      ) : (
        <>
          {/* The shared Table's look from short classes (project-table.module.css), as the rows. */}
          <div className={styles.frame}>
            <table className={styles.table}>
              {/* Plain anchors that navigate in the client (data-client-nav, components/shell/intent-prefetch.tsx), here and in the pager. */}
              <thead data-client-nav="">
                <tr>
                  <SortHead query={query} column="name">
                    Project
                  </SortHead>
                  {/* Header cells with one short class (project-table.module.css) instead of TableHead's 200 characters, twice per page. */}
                  <th className={styles.head}>Team</th>
                  <SortHead query={query} column="tier">
                    Tier
                  </SortHead>
                  <th className={`${styles.head} ${styles.lg}`}>Stack</th>
                  <th className={`${styles.head} ${styles.md}`}>Owner</th>
                  <th className={styles.head}>Lifecycle</th>
                  <SortHead query={query} column="updated" className={styles.md}>
                    Updated
                  </SortHead>
                </tr>
              </thead>
              <ProjectRows rows={result.projects.map(toRow)} />
            </table>
          </div>
          <nav className="mt-4 flex items-center justify-between text-sm" aria-label="Pagination" data-client-nav="">
            <span className="text-muted-foreground" data-testid="result-count">
              {(result.page - 1) * result.size + 1}–{Math.min(result.page * result.size, result.total)} of {result.total} projects
            </span>
            <div className="flex gap-2">
              {/* Button's outline look from one short class (project-table.module.css); a disabled button where there is no page to go to. */}
              {result.page > 1 ? (
                <a className={styles.pager} href={hrefWith(query, { page: result.page - 1 })}>
                  Previous
                </a>
              ) : (
                <button type="button" className={styles.pager} disabled>
                  Previous
                </button>
              )}
              <span className="self-center text-muted-foreground">
                Page {result.page} of {result.pages}
              </span>
              {result.page < result.pages ? (
                <a className={styles.pager} href={hrefWith(query, { page: result.page + 1 })}>
                  Next
                </a>
              ) : (
                <button type="button" className={styles.pager} disabled>
                  Next
                </button>
              )}
            </div>
          </nav>
        </>
      )}
    </>
  );
}
