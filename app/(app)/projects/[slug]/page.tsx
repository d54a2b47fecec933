import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Activity, ExternalLink, Hammer, Layers, Settings, Siren, Users } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, projectResource } from "@/lib/access/policy";
import { getProjectOverview } from "@/lib/catalog/projects";
import { listClusterOptions } from "@/lib/catalog/clusters";
import { listUserOptions } from "@/lib/catalog/users";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { AddServiceDialog, EnvironmentDialog, MemberDialog, RemoveButton } from "@/components/catalog/project-dialogs";
import { RequestAccessDialog, RequestArchiveDialog, RequestQuotaDialog } from "@/components/tickets/request-dialogs";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { describeQuota } from "@/lib/provisioning/quota";
import { quotaFromJson } from "@/lib/provisioning/plan-input";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { pageParams, pageRead } from "@/lib/http/page";
import { canReadLogs } from "@/lib/logs/access";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: (await params).slug };
}

export default async function ProjectPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const project = await pageRead(getProjectOverview(ctx, slug), { hide: true });
  // The services' "Logs" links open the first environment whose logs the reader may read.
  const logsEnv = project.environments.map((e) => e.kind).find((kind) => canReadLogs(ctx, project.id, kind));
  const archived = project.lifecycle === "archived";
  const [clusters, users] = await Promise.all([
    project.rights.manageEnvironments && !archived ? listClusterOptions(ctx) : Promise.resolve([]),
    project.rights.manageMembers && !archived ? listUserOptions(ctx) : Promise.resolve([]),
  ]);
  const memberIds = new Set(project.members.map((m) => m.userId));
  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            {project.name}
            <Badge variant={project.tier === "critical" ? "destructive" : "outline"}>{project.tier}</Badge>
            <StatusBadge status={project.lifecycle} />
          </span>
        }
        description={project.description || "No description."}
        actions={
          <>
            <Button asChild variant="outline">
              <Link href={`/deployments?project=${project.slug}`}>Deployments</Link>
            </Button>
            {can(ctx.actor, "ci.pipeline.read", projectResource(project.id)) && (
              <Button asChild variant="outline">
                <Link href={`/projects/${project.slug}/builds`}>
                  <Hammer /> Builds
                </Link>
              </Button>
            )}
            {can(ctx.actor, "monitoring.read", projectResource(project.id)) && (
              <Button asChild variant="outline">
                <Link href={`/projects/${project.slug}/monitoring`}>
                  <Activity /> Monitoring
                </Link>
              </Button>
            )}
            {can(ctx.actor, "alert.read", projectResource(project.id)) && (
              <Button asChild variant="outline">
                <Link href={`/projects/${project.slug}/alerts`}>
                  <Siren /> Alerts
                </Link>
              </Button>
            )}
            {project.rights.requestAccess && <RequestAccessDialog projectId={project.id} projectName={project.name} currentRole={project.memberRole} />}
            {project.rights.requestArchive && <RequestArchiveDialog projectId={project.id} projectName={project.name} />}
            {project.rights.update && !archived && (
              <Button asChild variant="outline">
                <Link href={`/projects/${project.slug}/settings`}>
                  <Settings /> Settings
                </Link>
              </Button>
            )}
          </>
        }
      />
      {project.lifecycle === "requested" && (
        <Alert className="mb-6">
          <AlertTitle>Waiting for approval</AlertTitle>
          <AlertDescription>
            This project was requested and is not provisioned yet.
            {project.onboardingRequest && (
              <span>
                {" "}
                See{" "}
                <Link className="underline" href={`/tickets/${project.onboardingRequest.number}`}>
                  ticket #{project.onboardingRequest.number}
                </Link>{" "}
                ({project.onboardingRequest.status}).
              </span>
            )}
          </AlertDescription>
        </Alert>
      )}
      {project.tickets.length > 0 && (
        <div className="mb-6 flex flex-wrap gap-2 text-sm">
          {project.tickets.map((t) => (
            <Link key={t.number} href={`/tickets/${t.number}`} className="inline-flex items-center gap-2 rounded-md border px-2 py-1 hover:bg-muted">
              <span className="font-mono">#{t.number}</span> {t.title} <StatusBadge status={t.status} />
            </Link>
          ))}
        </div>
      )}
      <dl className="mb-6 grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <div>
          <dt className="text-muted-foreground">Team</dt>
          <dd>
            <Link className="hover:underline" href={`/teams/${project.team.slug}`}>
              {project.team.name}
            </Link>
          </dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Owner</dt>
          <dd>{project.owner.name}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Stack</dt>
          <dd>{[project.language, project.framework].filter(Boolean).join(" · ") || "—"}</dd>
        </div>
        {/* min-w-0: a grid item is as wide as its content otherwise, and a clone URL is one long word on a phone. */}
        <div className="min-w-0">
          <dt className="text-muted-foreground">Repository</dt>
          <dd>
            {project.repositoryUrl ? (
              <>
                <code className="block text-xs break-all" data-testid="clone-url">
                  git clone {project.repositoryUrl}
                </code>
                {project.repositoryUrl.includes("/git/") && (
                  <Link className="inline-flex items-center gap-1 text-xs text-muted-foreground hover:underline" href="/git/token">
                    Get a Git access token <ExternalLink className="size-3" />
                  </Link>
                )}
              </>
            ) : (
              "—"
            )}
          </dd>
        </div>
        {Object.keys(project.labels).length > 0 && (
          <div className="sm:col-span-2 lg:col-span-4">
            <dt className="sr-only">Labels</dt>
            <dd className="flex flex-wrap gap-1">
              {Object.entries(project.labels).map(([k, v]) => (
                <Badge key={k} variant="outline" className="font-mono">
                  {k}={v}
                </Badge>
              ))}
            </dd>
          </div>
        )}
      </dl>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Services</CardTitle>
            <CardDescription>What the project deploys.</CardDescription>
            {project.rights.manageServices && !archived && (
              <CardAction>
                <AddServiceDialog projectId={project.id} />
              </CardAction>
            )}
          </CardHeader>
          <CardContent>
            {project.services.length === 0 ? (
              <EmptyState icon={Layers} title="No services yet" description="Add the APIs, web front ends, workers and jobs this project runs." />
            ) : (
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Service</TableHead>
                    <TableHead>Kind</TableHead>
                    <TableHead className="w-10" />
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {project.services.map((s) => (
                    <TableRow key={s.id}>
                      <TableCell>
                        <Link className="font-medium hover:underline" href={`/projects/${project.slug}/services/${s.slug}`}>
                          {s.name}
                        </Link>
                        <div className="font-mono text-xs text-muted-foreground">
                          {s.slug} ·{" "}
                          <Link className="font-sans underline-offset-2 hover:underline" href={`/projects/${project.slug}/services/${s.slug}/spec`}>
                            Spec
                          </Link>
                          {logsEnv && (
                            <>
                              {" · "}
                              <Link
                                className="font-sans underline-offset-2 hover:underline"
                                href={`/projects/${project.slug}/services/${s.slug}/logs?env=${logsEnv}`}
                              >
                                Logs
                              </Link>
                            </>
                          )}
                        </div>
                      </TableCell>
                      <TableCell>
                        <Badge variant="secondary">{s.kind}</Badge>
                      </TableCell>
                      <TableCell>
                        {project.rights.manageServices && !archived && (
                          <RemoveButton
                            kind="service"
                            what={`service ${s.slug}`}
                            detail="The service leaves the catalog. Workloads already running are not touched."
                            projectId={project.id}
                            id={s.id}
                          />
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Environments</CardTitle>
            <CardDescription>Each runs in namespace {project.slug}-&lt;environment&gt; on its clusters.</CardDescription>
            {project.rights.manageEnvironments && !archived && (
              <CardAction>
                <EnvironmentDialog projectId={project.id} clusters={clusters} taken={project.environments.map((e) => e.kind)} />
              </CardAction>
            )}
          </CardHeader>
          <CardContent>
            {project.environments.length === 0 ? (
              <EmptyState icon={Layers} title="No environments yet" description="Add dev, test, staging or prod and choose the clusters each runs on." />
            ) : (
              <ul className="divide-y" aria-label="Environments">
                {project.environments.map((e) => (
                  <li key={e.id} className="flex items-start justify-between gap-4 py-3">
                    <div>
                      <div className="font-medium">{e.kind}</div>
                      <div className="font-mono text-xs text-muted-foreground">
                        {project.slug}-{e.kind}
                      </div>
                      <div className="text-xs text-muted-foreground" data-testid={`quota-${e.kind}`}>
                        {e.quotaPreset}: {describeQuota(quotaFromJson(e.quota))}
                      </div>
                      {project.rights.requestQuota && <RequestQuotaDialog projectId={project.id} environment={e.kind} currentPreset={e.quotaPreset} />}
                    </div>
                    <div className="flex flex-1 flex-wrap justify-end gap-2">
                      {e.clusters.length === 0 && <span className="text-sm text-muted-foreground">no cluster</span>}
                      {e.clusters.map((c) => (
                        <span key={c.clusterId} className="inline-flex items-center gap-2 rounded-md border px-2 py-1 text-xs">
                          {c.cluster.name}
                          <span className="text-muted-foreground">{c.cluster.region}</span>
                          <StatusBadge status={c.cluster.status} />
                        </span>
                      ))}
                      {project.rights.manageEnvironments && !archived && (
                        <EnvironmentDialog projectId={project.id} clusters={clusters} kind={e.kind} selected={e.clusters.map((c) => c.clusterId)} />
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Members</CardTitle>
            <CardDescription>Who can do what in this project.</CardDescription>
            {project.rights.manageMembers && !archived && (
              <CardAction>
                <MemberDialog projectId={project.id} users={users.filter((u) => !memberIds.has(u.id))} />
              </CardAction>
            )}
          </CardHeader>
          <CardContent>
            {project.members.length === 0 ? (
              <EmptyState icon={Users} title="No members" description="Add people so they can work on this project." />
            ) : (
              <ul className="divide-y" aria-label="Members">
                {project.members.map((m) => (
                  <li key={m.id} className="flex items-center justify-between gap-4 py-2">
                    <div>
                      <div className="font-medium">{m.user.name}</div>
                      <div className="text-xs text-muted-foreground">{m.user.email}</div>
                    </div>
                    <div className="flex items-center gap-1">
                      <Badge variant={m.role === "owner" ? "default" : "secondary"}>{m.role}</Badge>
                      {project.rights.manageMembers && !archived && (
                        <>
                          <MemberDialog projectId={project.id} users={[]} member={{ userId: m.userId, name: m.user.name, role: m.role }} />
                          <RemoveButton
                            kind="member"
                            what={m.user.name}
                            detail={`${m.user.name} loses their ${m.role} role in ${project.name}.`}
                            projectId={project.id}
                            id={m.userId}
                          />
                        </>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Recent activity</CardTitle>
            <CardDescription>Changes to this project, newest first.</CardDescription>
          </CardHeader>
          <CardContent>
            {project.runs.length > 0 && (
              <ul className="mb-4 space-y-1 text-sm" aria-label="Provisioning runs">
                {project.runs.map((r) => (
                  <li key={r.id} className="flex items-center gap-2">
                    <StatusBadge status={r.status} />
                    <span>{r.kind.replace("_", " ")}</span>
                    <span className="text-muted-foreground">{r._count.steps} steps</span>
                    {r.ticket && (
                      <Link className="underline" href={`/tickets/${r.ticket.number}`}>
                        #{r.ticket.number}
                      </Link>
                    )}
                    <span className="text-xs text-muted-foreground">
                      <TimeAgo date={r.createdAt} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {!project.activity ? (
              <p className="text-sm text-muted-foreground">Only members of the project see its activity.</p>
            ) : project.activity.length === 0 ? (
              <p className="text-sm text-muted-foreground">Nothing yet.</p>
            ) : (
              <ul className="space-y-3 text-sm" aria-label="Activity">
                {project.activity.map((a) => (
                  <li key={a.id}>
                    <span className="font-medium">{a.actorLabel}</span> <span className="text-muted-foreground">{a.action}</span> {a.targetLabel}
                    <div className="text-xs text-muted-foreground">
                      <TimeAgo date={a.at} />
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}
