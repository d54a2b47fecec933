import Link from "@/components/ui/link";
import { Boxes, Plus, Server } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { getHomeSummary } from "@/lib/catalog/summary";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { StatusBadge } from "@/components/ui/status-badge";
import { WatchBoards } from "@/components/shell/watch-boards";
import { myOpenIncidents } from "@/lib/alerting/queries";
import { MyOpenIncidents } from "@/components/alerting/incidents-mine";

export default async function HomePage() {
  const ctx = await requireCtx();
  const [summary, incidents] = await Promise.all([getHomeSummary(ctx), myOpenIncidents(ctx)]);
  const firstName = ctx.actor.name.split(" ")[0];
  return (
    <>
      <PageHeader
        title={`Hello, ${firstName}`}
        description={`${summary.projectCount} projects in ${summary.teamCount} teams on Wharf.`}
        actions={
          can(ctx.actor, "project.create", platform) ? (
            <Button asChild>
              <Link href="/projects/new">
                <Plus /> New project
              </Link>
            </Button>
          ) : undefined
        }
      />
      <MyOpenIncidents incidents={incidents.incidents} total={incidents.total} />
      {summary.boards && <WatchBoards boards={summary.boards} />}
      <div className="grid gap-6 lg:grid-cols-3">
        {(summary.myProjects.length > 0 || !summary.boards) && (
          <Card className="min-w-0 lg:col-span-2">
            <CardHeader>
              <CardTitle>Your projects</CardTitle>
              <CardDescription>Projects you are a member of, most recently changed first.</CardDescription>
            </CardHeader>
            <CardContent>
              {summary.myProjects.length === 0 ? (
                <EmptyState
                  icon={Boxes}
                  title="You are not in any project yet"
                  description="Browse the catalog and ask a project's owner to add you, or create a project."
                  action={
                    <Button asChild variant="outline">
                      <Link href="/projects">Browse projects</Link>
                    </Button>
                  }
                />
              ) : (
                <ul className="divide-y">
                  {summary.myProjects.map((p) => (
                    <li key={p.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-3">
                      <div className="min-w-0">
                        <Link href={`/projects/${p.slug}`} className="font-medium hover:underline">
                          {p.name}
                        </Link>
                        <div className="truncate text-xs text-muted-foreground">
                          {p.slug} · {p.team.name} · {p._count.services} services · {p._count.environments} environments
                        </div>
                      </div>
                      <div className="flex shrink-0 items-center gap-2">
                        <Badge variant="outline">{p.members[0]?.role}</Badge>
                        <StatusBadge status={p.lifecycle} />
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </CardContent>
          </Card>
        )}
        <div
          className={
            summary.myProjects.length > 0 || !summary.boards
              ? "min-w-0 space-y-6"
              : "min-w-0 space-y-6 lg:col-span-3 lg:grid lg:grid-cols-2 lg:gap-6 lg:space-y-0"
          }
        >
          {summary.clusters && (
            <Card>
              <CardHeader>
                <CardTitle>Clusters</CardTitle>
                <CardDescription>Last health check of each registered cluster.</CardDescription>
              </CardHeader>
              <CardContent>
                {summary.clusters.length === 0 ? (
                  <EmptyState
                    icon={Server}
                    title="No clusters registered"
                    description="Register a cluster from its kubeconfig so projects can run on it."
                    action={
                      can(ctx.actor, "cluster.register", platform) ? (
                        <Button asChild variant="outline" size="sm">
                          <Link href="/clusters/new">Register a cluster</Link>
                        </Button>
                      ) : undefined
                    }
                  />
                ) : (
                  <ul className="space-y-2">
                    {summary.clusters.map((c) => (
                      <li key={c.id} className="flex items-center justify-between gap-2 text-sm">
                        <Link href={`/clusters/${c.name}`} className="hover:underline">
                          {c.name} <span className="text-muted-foreground">({c.region})</span>
                        </Link>
                        <StatusBadge status={c.status} />
                      </li>
                    ))}
                  </ul>
                )}
              </CardContent>
            </Card>
          )}
          <Card>
            <CardHeader>
              <CardTitle>Recent activity</CardTitle>
              <CardDescription>{summary.activityScope === "mine" ? "In your projects and by you." : "Across the platform."}</CardDescription>
            </CardHeader>
            <CardContent>
              {summary.recent.length === 0 ? (
                <p className="text-sm text-muted-foreground">Nothing yet.</p>
              ) : (
                <ul className="space-y-3 text-sm" aria-label="Recent activity">
                  {summary.recent.map((e) => (
                    <li key={e.id} className="break-words">
                      <span className="font-medium">{e.actorLabel}</span>{" "}
                      {e.count > 1 ? (
                        <>
                          <span className="text-muted-foreground">{e.summary}</span>
                          <div className="truncate text-xs text-muted-foreground" title={e.targets.join(", ")}>
                            {e.targets.join(", ")}
                            {e.count > e.targets.length ? ` and ${e.count - e.targets.length} more` : ""}
                          </div>
                        </>
                      ) : (
                        <>
                          <span className="text-muted-foreground">{e.action}</span> {e.targets[0]}
                        </>
                      )}
                      <div className="text-xs text-muted-foreground">
                        <TimeAgo date={e.at} />
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </CardContent>
          </Card>
        </div>
      </div>
    </>
  );
}
