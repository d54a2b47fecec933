import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { FileCode2, Hammer, ScrollText, SlidersHorizontal, TriangleAlert } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, projectResource } from "@/lib/access/policy";
import { getServicePage } from "@/lib/deploy/service-page";
import { PageHeader } from "@/components/shell/page-header";
import { DeployForm, ReleaseHistory, RestartButton, RestoreButton } from "@/components/deploy/service-actions";
import { PodsPanel } from "@/components/deploy/pods-panel";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { cn } from "@/lib/utils";
import { pageParams, pageRead } from "@/lib/http/page";
import { tagOfImage } from "@/lib/deploy/image";
import { canReadLogs } from "@/lib/logs/access";

export async function generateMetadata({ params }: { params: Promise<{ slug: string; service: string }> }): Promise<Metadata> {
  const p = await params;
  return { title: `${p.slug}/${p.service}` };
}

export default async function ServicePage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; service: string }>;
  searchParams: Promise<{ env?: string }>;
}) {
  const ctx = await requireCtx();
  const { slug, service: serviceSlug } = await pageParams(params);
  const { env } = await pageParams(searchParams);
  const data = await pageRead(getServicePage(ctx, slug, serviceSlug, env));
  const { service, environment, history, pods } = data;
  const base = `/projects/${slug}/services/${serviceSlug}`;
  const canLogs = environment ? canReadLogs(ctx, service.project.id, environment) : false;
  // Clusters that no longer run the release Wharf last applied there (kubectl set image, edit, scale, delete).
  const drifted = (history?.clusters ?? []).flatMap((c) =>
    c.ok && c.value.drift ? [{ cluster: c.cluster, clusterId: c.clusterId, drift: c.value.drift }] : [],
  );
  return (
    <>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {service.project.name} / {service.slug} <Badge variant="secondary">{service.kind}</Badge>
          </span>
        }
        description={`Spec version ${data.spec.version}${data.spec.saved ? "" : " (not saved yet: the initial spec)"} · image ${data.spec.spec.image.repository}`}
        actions={
          <>
            <Button asChild variant="outline">
              <Link href={`${base}/spec`}>
                <FileCode2 /> Spec
              </Link>
            </Button>
            {can(ctx.actor, "ci.pipeline.read", projectResource(service.project.id)) && (
              <Button asChild variant="outline">
                <Link href={`/projects/${slug}/builds?service=${encodeURIComponent(service.slug)}`}>
                  <Hammer /> Builds
                </Link>
              </Button>
            )}
            {canLogs && (
              <Button asChild variant="outline">
                <Link href={`${base}/logs?env=${environment}`}>
                  <ScrollText /> Logs
                </Link>
              </Button>
            )}
            {can(ctx.actor, "config.read", projectResource(service.project.id)) && (
              <Button asChild variant="outline">
                <Link href={`${base}/config${environment ? `?env=${environment}` : ""}`}>
                  <SlidersHorizontal /> Config
                </Link>
              </Button>
            )}
          </>
        }
      />
      {!environment || !history || !pods ? (
        <EmptyState title="No environment yet" description="Give the project an environment on its page; then this service can be deployed." />
      ) : (
        <>
          <nav className="mb-4 flex gap-2" aria-label="Environments">
            {data.environments.map((e) => (
              <Link
                key={e}
                href={`${base}?env=${e}`}
                className={cn("rounded-md px-3 py-1.5 text-sm", e === environment ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
                aria-current={e === environment ? "page" : undefined}
              >
                {e}
              </Link>
            ))}
          </nav>
          <div className="space-y-6">
            {drifted.map(({ cluster, clusterId, drift }) => (
              <Alert key={clusterId} className="border-warning" data-testid={`drift-${cluster}`}>
                <TriangleAlert className="text-warning" />
                <AlertTitle className="line-clamp-none">
                  {cluster} no longer runs release #{drift.release.number} ({drift.release.tag})
                </AlertTitle>
                <AlertDescription className="break-words">
                  <p>Changed outside Wharf: {drift.differences.join("; ")}.</p>
                  {!drift.restore && <p>No release succeeded on {cluster} yet: deploy one to replace what runs there.</p>}
                </AlertDescription>
                {data.rights.deploy && service.project.lifecycle === "active" && drift.restore && (
                  <div className="col-start-2 mt-2">
                    <RestoreButton
                      release={drift.restore}
                      cluster={cluster}
                      clusterId={clusterId}
                      environment={environment}
                      differences={drift.differences}
                      drifted={drift.release.number}
                    />
                  </div>
                )}
              </Alert>
            ))}
            {data.rights.deploy && service.project.lifecycle === "active" && (
              <Card>
                <CardHeader>
                  <CardTitle>Deploy</CardTitle>
                  <CardDescription>Rolls the current spec out with the image tag you give, on every cluster of {environment}.</CardDescription>
                </CardHeader>
                <CardContent>
                  <DeployForm serviceId={service.id} environment={environment} knownTags={data.tags} specVersion={data.spec.version} />
                </CardContent>
              </Card>
            )}
            <Card>
              <CardHeader>
                <CardTitle>History</CardTitle>
                <CardDescription>
                  Releases of {service.slug} in {environment}, newest first. Pick two to compare; roll back to any of them.
                </CardDescription>
              </CardHeader>
              <CardContent>
                {history.releases.length === 0 ? (
                  <p className="text-sm text-muted-foreground">Never deployed to {environment}.</p>
                ) : (
                  <ReleaseHistory
                    diffBase={`${base}/diff`}
                    canDeploy={data.rights.deploy}
                    service={service.slug}
                    environment={environment}
                    clusters={history.clusters.map((c) => c.cluster)}
                    releases={history.releases.map((r) => ({
                      id: r.id,
                      number: r.number,
                      tag: r.tag,
                      status: r.status,
                      reason: r.reason,
                      createdAt: r.createdAt.toISOString(),
                      specVersion: r.specVersion,
                      automatic: r.automatic,
                      rollbackOfNumber: r.rollbackOfId ? (history.releases.find((x) => x.id === r.rollbackOfId)?.number ?? null) : null,
                      restoreOfNumber: r.restoreOfId ? (history.releases.find((x) => x.id === r.restoreOfId)?.number ?? null) : null,
                      clusters: r.clusterNames,
                      driftedOn: drifted.filter((d) => d.drift.release.id === r.id).map((d) => d.cluster),
                      by: r.createdById ? (data.users?.[r.createdById] ?? "someone") : "Wharf",
                    }))}
                  />
                )}
                <div className="mt-6 grid gap-4 lg:grid-cols-2">
                  {history.clusters.map((c) => (
                    <section key={c.clusterId} aria-label={`Revisions on ${c.cluster}`}>
                      <h3 className="mb-2 text-sm font-semibold">Revisions on {c.cluster}</h3>
                      {!c.ok ? (
                        <p className="text-sm text-destructive">{c.error}</p>
                      ) : c.value.revisions.length === 0 ? (
                        <p className="text-sm text-muted-foreground">Nothing deployed here.</p>
                      ) : (
                        <ul className="space-y-1 text-sm">
                          {c.value.revisions.map((r) => (
                            <li key={r.name} className="flex flex-wrap items-center gap-2" data-testid={`revision-${c.cluster}-${r.revision}`}>
                              <span className="font-mono">rev {r.revision}</span>
                              <span className="font-mono text-xs">{tagOfImage(r.image)}</span>
                              {r.releaseNumber && !r.outOfBand && <Badge variant="outline">release #{r.releaseNumber}</Badge>}
                              {r.outOfBand && <Badge variant="warning">out of band</Badge>}
                              {r.current && <Badge>current</Badge>}
                            </li>
                          ))}
                        </ul>
                      )}
                    </section>
                  ))}
                </div>
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardTitle>Pods</CardTitle>
                <CardDescription>
                  Per cluster, with their last events.{data.chaosHere ? "" : " Killing pods is off in production for this project."}
                </CardDescription>
                {data.rights.restart && (
                  <CardAction>
                    <RestartButton serviceId={service.id} environment={environment} />
                  </CardAction>
                )}
              </CardHeader>
              <CardContent>
                <PodsPanel
                  serviceId={service.id}
                  environment={environment}
                  initial={pods}
                  canKill={data.rights.chaos && data.chaosHere}
                  logsHref={canLogs ? `${base}/logs?env=${environment}` : null}
                />
              </CardContent>
            </Card>
          </div>
        </>
      )}
    </>
  );
}
