/**
 * The deployment matrix: services x environments x clusters, each cell with
 * the image tag running, ready/desired replicas, status and the age of the
 * last release. One list call per cluster for every project at once (label
 * managed-by=wharf), bounded in time: an unreachable or slow cluster shows as
 * such in its own cells.
 */
import { AppsV1Api, type V1Deployment } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { can, platform, projectResource } from "@/lib/access/policy";
import { readClusters } from "@/lib/kube/fanout";
import { namespaceName } from "@/lib/provisioning/manifests";

export type CellStatus = "ready" | "progressing" | "degraded" | "not-deployed" | "unreachable";

export interface MatrixCell {
  cluster: string;
  clusterId: string;
  status: CellStatus;
  tag?: string;
  ready?: number;
  desired?: number;
  error?: string;
}

export interface MatrixRow {
  projectSlug: string;
  projectName: string;
  service: string;
  serviceId: string;
  environment: string;
  lastRelease?: { number: number; status: string; tag: string; at: Date; id: string };
  cells: MatrixCell[];
}

/** A cluster's cell; a rollout that has not completed after its release failed is degraded, not progressing. */
function cellOf(d: V1Deployment | undefined, releaseFailed: boolean): Omit<MatrixCell, "cluster" | "clusterId"> {
  if (!d) return { status: "not-deployed" };
  const desired = d.spec?.replicas ?? 0;
  const ready = d.status?.readyReplicas ?? 0;
  const image = d.spec?.template.spec?.containers[0]?.image ?? "";
  const tag = image.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : "latest";
  const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
  const status: CellStatus =
    ready >= desired && (d.status?.updatedReplicas ?? 0) >= desired
      ? "ready"
      : progressing?.reason === "ProgressDeadlineExceeded" || releaseFailed
        ? "degraded"
        : "progressing";
  return { status, tag, ready, desired };
}

export async function deploymentMatrix(ctx: Ctx, opts: { projectSlug?: string; environment?: string; q?: string } = {}) {
  authorize(ctx, "deployment.read", platform);
  const projects = await db().project.findMany({
    where: { lifecycle: "active", ...(opts.projectSlug ? { slug: opts.projectSlug } : {}) },
    orderBy: { name: "asc" },
    take: 500,
    select: {
      id: true,
      slug: true,
      name: true,
      services: { orderBy: { slug: "asc" }, select: { id: true, slug: true } },
      environments: { select: { kind: true, clusters: { select: { cluster: { select: { id: true, name: true } } } } } },
    },
  });
  const visible = projects.filter((p) => can(ctx.actor, "deploy.read", projectResource(p.id)));
  const clusterIds = [...new Set(visible.flatMap((p) => p.environments.flatMap((e) => e.clusters.map((c) => c.cluster.id))))];
  const reads = await readClusters(
    clusterIds,
    "wharf-deployments",
    async (conn) => (await conn.api(AppsV1Api).listDeploymentForAllNamespaces({ labelSelector: "app.kubernetes.io/managed-by=wharf" })).items,
  );
  const byCluster = new Map(reads.map((r) => [r.clusterId, r]));
  const serviceIds = visible.flatMap((p) => p.services.map((s) => s.id));
  const releases = serviceIds.length
    ? await db().release.findMany({
        where: { serviceId: { in: serviceIds } },
        orderBy: { number: "desc" },
        distinct: ["serviceId", "environment"],
        select: { id: true, serviceId: true, environment: true, number: true, status: true, tag: true, createdAt: true },
      })
    : [];
  const order = ["dev", "test", "staging", "prod"];
  const rows: MatrixRow[] = [];
  for (const p of visible) {
    for (const s of p.services) {
      if (opts.q && !`${p.slug}/${s.slug}`.includes(opts.q.toLowerCase())) continue;
      for (const e of [...p.environments].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))) {
        if (opts.environment && e.kind !== opts.environment) continue;
        const ns = namespaceName(p.slug, e.kind);
        const rel = releases.find((r) => r.serviceId === s.id && r.environment === e.kind);
        rows.push({
          projectSlug: p.slug,
          projectName: p.name,
          service: s.slug,
          serviceId: s.id,
          environment: e.kind,
          lastRelease: rel ? { id: rel.id, number: rel.number, status: rel.status, tag: rel.tag, at: rel.createdAt } : undefined,
          cells: e.clusters
            .map((c) => c.cluster)
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((c) => {
              const read = byCluster.get(c.id);
              if (!read || !read.ok)
                return { cluster: c.name, clusterId: c.id, status: "unreachable" as const, error: read && !read.ok ? read.error : "not read" };
              const d = read.value.find((x) => x.metadata?.namespace === ns && x.metadata?.name === s.slug);
              return { cluster: c.name, clusterId: c.id, ...cellOf(d, rel?.status === "failed") };
            }),
        });
      }
    }
  }
  return { rows, clusters: reads.map((r) => ({ name: r.cluster, ok: r.ok, ms: r.ms, error: r.ok ? undefined : r.error })) };
}
