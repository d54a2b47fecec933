import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Hammer } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { knownError } from "@/lib/http/boundary";
import { pageParams, pageRead } from "@/lib/http/page";
import { listRuns, RUN_FILTERS, type RunsPage } from "@/lib/ci/history";
import { BuildsTabs } from "@/components/ci/builds-tabs";
import { RunsFilters } from "@/components/ci/runs-filters";
import { RunsTable } from "@/components/ci/runs-table";
import { RunStartDialog } from "@/components/ci/run-start-dialog";
import { PageHeader } from "@/components/shell/page-header";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: `Builds of ${(await params).slug}` };
}

type Search = Record<string, string | string[] | undefined>;

/** The filters of the URL (the first value of each), as the list reads them. */
function filtersOf(search: Search): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of RUN_FILTERS) {
    const v = search[k];
    const first = Array.isArray(v) ? v[0] : v;
    if (first?.trim()) out[k] = first.trim();
  }
  return out;
}

/**
 * Bad filters in a shared URL are answered at the filter bar, the list
 * unfiltered below them; the project's own refusals (missing: 404, not
 * readable: 403) stay the usual pages.
 */
async function readRuns(ctx: Awaited<ReturnType<typeof requireCtx>>, slug: string, filters: Record<string, string>) {
  try {
    return { page: await listRuns(ctx, { projectSlug: slug, ...filters }), errors: {} as Record<string, string[]> };
  } catch (e) {
    const known = knownError(e);
    const errors = known?.code === "INVALID_INPUT" ? known.fieldErrors : undefined;
    if (!errors || "projectSlug" in errors) throw e;
    return { page: await listRuns(ctx, { projectSlug: slug }), errors };
  }
}

export default async function BuildsPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<Search> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const filters = filtersOf(await pageParams(searchParams));
  const { page, errors } = await pageRead(readRuns(ctx, slug, filters));
  const shown: Record<string, string> = Object.keys(errors).length ? {} : filters;
  const filtered = Object.keys(shown).length > 0;
  return (
    <>
      <PageHeader
        title={`Builds of ${page.project.name}`}
        description="Every run of the project's pipelines, newest first: pushes, webhooks and runs by hand."
        actions={
          <>
            <Button asChild variant="outline">
              <Link href={`/projects/${page.project.slug}`}>Project</Link>
            </Button>
            {page.rights.start && page.project.services.length > 0 && (
              <RunStartDialog slug={page.project.slug} services={page.project.services} defaultService={shown.service} />
            )}
          </>
        }
      />
      <BuildsTabs slug={page.project.slug} hide={page.rights.editSettings ? [] : ["settings"]} />
      <RunsFilters services={page.project.services} errors={errors} />
      {Object.keys(errors).length > 0 && (
        <Alert variant="destructive" className="mb-4" role="alert">
          <AlertTitle>Some filters need attention</AlertTitle>
          <AlertDescription>All runs are shown until they are fixed: see the messages under the filters above.</AlertDescription>
        </Alert>
      )}
      {page.runs.length === 0 ? (
        <EmptyState icon={Hammer} title={filtered ? "No run matches these filters" : "No builds yet"} description={emptyHint(page, filtered)} />
      ) : (
        <RunsTable slug={page.project.slug} filters={shown} initial={{ runs: page.runs, nextCursor: page.nextCursor, active: page.active }} />
      )}
    </>
  );
}

function emptyHint(page: RunsPage, filtered: boolean): string {
  if (filtered) return "Clear a filter or two to see more runs.";
  if (page.project.services.length === 0) return "Add a service to the project first: each service gets its own pipeline.";
  return page.rights.start
    ? "Push a commit to develop (or a branch your branch policy builds) and its run appears here, or start one by hand with Run."
    : "Runs appear here when someone pushes to develop (or a branch the branch policy builds) or starts one by hand.";
}
