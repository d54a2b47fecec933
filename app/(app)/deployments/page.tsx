import type { Metadata } from "next";
import { Rocket } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { deploymentMatrix } from "@/lib/deploy/matrix";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { PageHeader } from "@/components/shell/page-header";
import { NoAccess } from "@/components/shell/no-access";
import { MatrixTable } from "@/components/deploy/matrix-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

export const metadata: Metadata = { title: "Deployments" };

export default async function DeploymentsPage({ searchParams }: { searchParams: Promise<{ project?: string; env?: string; q?: string }> }) {
  const ctx = await requireCtx();
  if (!can(ctx.actor, "deployment.read", platform)) return <NoAccess what="deployments" />;
  const sp = await searchParams;
  const env = ENVIRONMENTS.find((e) => e === sp.env);
  const matrix = await deploymentMatrix(ctx, { projectSlug: sp.project || undefined, environment: env, q: sp.q || undefined });
  const query = new URLSearchParams(Object.entries({ project: sp.project ?? "", env: env ?? "", q: sp.q ?? "" }).filter(([, v]) => v)).toString();
  return (
    <>
      <PageHeader
        title={sp.project ? `Deployments of ${sp.project}` : "Deployments"}
        description="What runs where: every service in every environment on every cluster, read live from the clusters."
      />
      <form className="mb-4 flex flex-wrap gap-2" action="/deployments">
        <Input name="q" defaultValue={sp.q} placeholder="Filter by project/service" className="w-64" aria-label="Filter" />
        <select name="env" defaultValue={env ?? ""} aria-label="Environment" className="h-9 rounded-md border bg-transparent px-2 text-sm">
          <option value="">All environments</option>
          {ENVIRONMENTS.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
        {sp.project && <input type="hidden" name="project" value={sp.project} />}
        <Button type="submit" variant="outline">
          Filter
        </Button>
      </form>
      {matrix.rows.length === 0 ? (
        <EmptyState
          icon={Rocket}
          title="Nothing to show"
          description="Services of active projects you can see appear here once their projects have environments."
        />
      ) : (
        <MatrixTable initial={JSON.parse(JSON.stringify(matrix))} query={query} showProject={!sp.project} />
      )}
    </>
  );
}
