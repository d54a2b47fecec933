import type { Metadata } from "next";
import { Rocket } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { deploymentMatrix, matrixOptionsFromUrl } from "@/lib/deploy/matrix";
import { ENVIRONMENTS, PAGE_SIZES } from "@/lib/catalog/schemas";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage, pageParams } from "@/lib/http/page";
import { MatrixTable } from "@/components/deploy/matrix-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

export const metadata: Metadata = { title: "Deployments" };

export default async function DeploymentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "deployment.read", platform));
  const opts = matrixOptionsFromUrl(await pageParams(searchParams));
  const matrix = await deploymentMatrix(ctx, opts);
  // The same query for the table's polling and its page links (defaults left out).
  const query = new URLSearchParams(
    Object.entries({
      project: opts.projectSlug ?? "",
      env: opts.environment ?? "",
      q: opts.q ?? "",
      page: opts.page === 1 ? "" : String(opts.page),
      size: opts.size === PAGE_SIZES[0] ? "" : String(opts.size),
    }).filter(([, v]) => v),
  ).toString();
  return (
    <>
      <PageHeader
        title={opts.projectSlug ? `Deployments of ${opts.projectSlug}` : "Deployments"}
        description="What runs where: every service in every environment on every cluster, read live from the clusters."
      />
      <form className="mb-4 flex flex-wrap gap-2" action="/deployments">
        <Input name="q" defaultValue={opts.q} placeholder="Filter by project/service" className="w-64" aria-label="Filter" />
        <select name="env" defaultValue={opts.environment ?? ""} aria-label="Environment" className="h-9 rounded-md border bg-transparent px-2 text-sm">
          <option value="">All environments</option>
          {ENVIRONMENTS.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
        <select name="size" defaultValue={String(opts.size)} aria-label="Services per page" className="h-9 rounded-md border bg-transparent px-2 text-sm">
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n} services a page
            </option>
          ))}
        </select>
        {opts.projectSlug && <input type="hidden" name="project" value={opts.projectSlug} />}
        <Button type="submit" variant="outline">
          Filter
        </Button>
      </form>
      {matrix.total === 0 ? (
        <EmptyState
          icon={Rocket}
          title="Nothing to show"
          description="Services of active projects you can see appear here once their projects have environments."
        />
      ) : (
        <MatrixTable initial={JSON.parse(JSON.stringify(matrix))} query={query} showProject={!opts.projectSlug} />
      )}
    </>
  );
}
