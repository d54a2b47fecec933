import type { Metadata } from "next";
import Link from "next/link";
import { Rocket } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { listPlacements } from "@/lib/catalog/placement";
import { PageHeader } from "@/components/shell/page-header";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

export const metadata: Metadata = { title: "Deployments" };

const ENVS = ["dev", "test", "staging", "prod"] as const;

export default async function DeploymentsPage({ searchParams }: { searchParams: Promise<{ all?: string }> }) {
  const ctx = await requireCtx();
  const mine = ctx.actor.platformRole === "developer" && (await searchParams).all !== "1";
  const { projects, clusters } = await listPlacements(ctx, { mine });
  return (
    <>
      <PageHeader
        title="Deployments"
        description="Which clusters each project's environments run on."
        actions={
          ctx.actor.platformRole === "developer" ? (
            <Button asChild variant="outline" size="sm">
              <Link href={mine ? "/deployments?all=1" : "/deployments"}>{mine ? "Show all projects" : "Show my projects"}</Link>
            </Button>
          ) : undefined
        }
      />
      {projects.length === 0 ? (
        <EmptyState
          icon={Rocket}
          title="Nothing placed on a cluster yet"
          description={
            clusters.length === 0
              ? "No cluster is registered yet. Once an admin registers one, projects' environments can run on it."
              : "Give a project an environment and choose its clusters on the project's page."
          }
        />
      ) : (
        <div className="rounded-md border">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Project</TableHead>
                <TableHead>Services</TableHead>
                {ENVS.map((e) => (
                  <TableHead key={e}>{e}</TableHead>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {projects.map((p) => (
                <TableRow key={p.id}>
                  <TableCell>
                    <Link href={`/projects/${p.slug}`} className="font-medium hover:underline">
                      {p.name}
                    </Link>
                  </TableCell>
                  <TableCell className="text-sm text-muted-foreground">{p.services.map((s) => s.slug).join(", ") || "—"}</TableCell>
                  {ENVS.map((kind) => {
                    const env = p.environments.find((e) => e.kind === kind);
                    return (
                      <TableCell key={kind}>
                        {env ? (
                          <div className="flex flex-col gap-1">
                            {env.clusters.map((c) => (
                              <span key={c.cluster.name} className="inline-flex items-center gap-1 text-xs">
                                <StatusBadge status={c.cluster.status} label={c.cluster.name} />
                              </span>
                            ))}
                          </div>
                        ) : (
                          <span className="text-muted-foreground">—</span>
                        )}
                      </TableCell>
                    );
                  })}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </>
  );
}
