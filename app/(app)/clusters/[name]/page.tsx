import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { can, clusterResource } from "@/lib/access/policy";
import { getCluster } from "@/lib/catalog/clusters";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { ClusterForm } from "@/components/catalog/cluster-form";
import { CheckNowButton, DeleteClusterButton } from "@/components/catalog/cluster-actions";
import { LatencyChart } from "@/components/catalog/latency-chart";
import { MissingPermissionsTable } from "@/components/catalog/cluster-permissions";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { allowPage, pageParams, pageRead } from "@/lib/http/page";
import { answered } from "@/components/catalog/cluster-status";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ClusterPage({ params }: { params: Promise<{ name: string }> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "cluster.read", clusterResource()));
  const { name } = await pageParams(params);
  const cluster = await pageRead(getCluster(ctx, name));
  const resource = clusterResource(cluster.id);
  const checks = [...cluster.checks].reverse().map((c) => ({ at: c.at.toISOString(), latencyMs: c.latencyMs, status: c.status }));
  return (
    <>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {cluster.displayName || cluster.name} <StatusBadge status={cluster.status} />
          </span>
        }
        description={`${cluster.region} · ${cluster.tier} · ${cluster.apiUrl}`}
        actions={
          <>
            {can(ctx.actor, "cluster.check", resource) && <CheckNowButton id={cluster.id} />}
            {can(ctx.actor, "cluster.delete", resource) && <DeleteClusterButton id={cluster.id} name={cluster.name} />}
          </>
        }
      />
      {cluster.status === "unreachable" && (
        <Alert variant="destructive" className="mb-6" data-testid="cluster-unreachable">
          <AlertTitle>Unreachable</AlertTitle>
          <AlertDescription>{cluster.statusReason || "The last check failed."}</AlertDescription>
        </Alert>
      )}
      {cluster.status === "credentials_rejected" && (
        <Alert variant="destructive" className="mb-6" data-testid="cluster-credentials-rejected">
          <AlertTitle>Credentials rejected</AlertTitle>
          <AlertDescription>
            <p>{cluster.statusReason}</p>
            <p>Nothing can be provisioned or deployed here until its kubeconfig is replaced (Edit, below) with credentials the cluster accepts.</p>
          </AlertDescription>
        </Alert>
      )}
      {cluster.status === "missing_permissions" && (
        <Alert className="mb-6 border-warning" data-testid="cluster-missing-permissions">
          <AlertTitle>Missing permissions</AlertTitle>
          <AlertDescription className="min-w-0">
            <p>
              The credentials{cluster.identity ? ` (${cluster.identity})` : ""} are accepted but lack permissions Wharf needs in every namespace: the steps that
              need them fail until they are granted.
            </p>
            <MissingPermissionsTable missing={cluster.missingPermissions} />
          </AlertDescription>
        </Alert>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>Status</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-2 gap-3 text-sm">
              <dt className="text-muted-foreground">Kubernetes</dt>
              <dd className="font-mono" data-testid="cluster-version">
                {cluster.kubernetesVersion || "—"}
              </dd>
              <dt className="text-muted-foreground">Latency</dt>
              <dd className="tabular-nums">{answered(cluster.status) && cluster.latencyMs !== null ? `${cluster.latencyMs} ms` : "—"}</dd>
              <dt className="text-muted-foreground">Last check</dt>
              <dd>
                <TimeAgo date={cluster.lastCheckedAt} />
              </dd>
              <dt className="text-muted-foreground">Signs in as</dt>
              <dd className="font-mono break-all" data-testid="cluster-identity">
                {cluster.identity || "—"}
              </dd>
              <dt className="text-muted-foreground">Context</dt>
              <dd className="font-mono break-all">{cluster.context}</dd>
              <dt className="text-muted-foreground">Kubeconfig</dt>
              <dd>
                <Badge variant="secondary">encrypted, never shown</Badge>
              </dd>
            </dl>
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Latency</CardTitle>
            <CardDescription>Round trip of GET /version over the last {checks.length} checks.</CardDescription>
          </CardHeader>
          <CardContent>
            <LatencyChart points={checks} />
          </CardContent>
        </Card>
        <Card className="lg:col-span-3">
          <CardHeader>
            <CardTitle>Environments on this cluster</CardTitle>
          </CardHeader>
          <CardContent>
            {cluster.environments.length === 0 ? (
              <p className="text-sm text-muted-foreground">No environment runs here yet.</p>
            ) : (
              <div className="flex flex-wrap gap-2">
                {cluster.environments.map((e) => (
                  <Link key={e.environmentId} href={`/projects/${e.environment.project.slug}`}>
                    <Badge variant="outline">
                      {e.environment.project.slug}-{e.environment.kind}
                    </Badge>
                  </Link>
                ))}
              </div>
            )}
          </CardContent>
        </Card>
        <Card className="lg:col-span-3">
          <CardHeader>
            <CardTitle>Recent checks</CardTitle>
          </CardHeader>
          <CardContent>
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>When</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>Latency</TableHead>
                  <TableHead>Detail</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {cluster.checks.slice(0, 10).map((c) => (
                  <TableRow key={c.id}>
                    <TableCell>
                      <TimeAgo date={c.at} />
                    </TableCell>
                    <TableCell>
                      <StatusBadge status={c.status} />
                    </TableCell>
                    <TableCell className="tabular-nums">{c.latencyMs ?? "—"} ms</TableCell>
                    <TableCell className="text-sm text-muted-foreground">{c.error || c.version}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      </div>
      {can(ctx.actor, "cluster.update", resource) && (
        <section className="mt-10">
          <h2 className="mb-4 text-lg font-semibold">Edit</h2>
          <ClusterForm
            cluster={{
              id: cluster.id,
              version: cluster.version,
              name: cluster.name,
              displayName: cluster.displayName,
              region: cluster.region,
              tier: cluster.tier,
              context: cluster.context,
              prometheusUrl: cluster.prometheusUrl,
            }}
          />
        </section>
      )}
    </>
  );
}
