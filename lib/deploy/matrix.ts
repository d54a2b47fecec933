/**
 * The deployment matrix: services x environments x clusters, each cell with
 * the image tag running, ready/desired replicas, status and the age of the
 * last release. One list call per cluster for every project at once (label
 * managed-by=wharf), bounded in time: an unreachable or slow cluster shows as
 * such in its own cells.
 */
import { AppsV1Api, type KubernetesObject, type V1Deployment } from "@kubernetes/client-node";
import { z } from "zod";
import { db, type Prisma } from "@/lib/db/client";
import { parseInput } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { platform, scopeOf } from "@/lib/access/policy";
import { ENVIRONMENTS, PAGE_SIZES } from "@/lib/catalog/schemas";
import { readClusters } from "@/lib/kube/fanout";
import { namespaceName } from "@/lib/provisioning/manifests";
import { ZReleaseTargets } from "./releases";
import { tagOfImage } from "./image";
import { deploymentOf, driftOf, lastAppliedReleases, type Drift } from "./drift";

export type CellStatus = "ready" | "progressing" | "degraded" | "not-deployed" | "unreachable";

export interface MatrixCell {
  cluster: string;
  clusterId: string;
  status: CellStatus;
  tag?: string;
  ready?: number;
  desired?: number;
  error?: string;
  /** The cluster no longer runs the release Wharf last applied there (changed with kubectl, or deleted). */
  drift?: Drift;
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
  const tag = tagOfImage(image);
  const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
  const status: CellStatus =
    ready >= desired && (d.status?.updatedReplicas ?? 0) >= desired
      ? "ready"
      : progressing?.reason === "ProgressDeadlineExceeded" || releaseFailed
        ? "degraded"
        : "progressing";
  return { status, tag, ready, desired };
}

const ENVIRONMENT_ORDER: readonly string[] = ENVIRONMENTS;

/** "" from a form's empty field is "not given". */
const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/**
 * What the matrix shows: one project (`projectSlug`) or all the actor may
 * read, one environment or all, services whose `project/service` contains
 * `q`, and which page of `size` services (each service is one row per
 * environment).
 */
export const ZMatrixOptions = z.object({
  projectSlug: z.preprocess(blankToUndefined, z.string().trim().max(40, { message: "A project slug has at most 40 characters" }).optional()),
  environment: z.preprocess(blankToUndefined, z.enum(ENVIRONMENTS, { message: `Choose one of ${ENVIRONMENTS.join(", ")}` }).optional()),
  q: z.preprocess(blankToUndefined, z.string().trim().max(100, { message: "Search with at most 100 characters" }).optional()),
  page: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: "Use a page number: 1, 2, 3 ..." })
      .int({ message: "Use a page number: 1, 2, 3 ..." })
      .min(1, { message: "Pages start at 1" })
      .max(100_000, { message: "Use a page number up to 100000" })
      .default(1),
  ),
  size: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: `Use a page size of ${PAGE_SIZES.join(", ")}` })
      .refine((n) => (PAGE_SIZES as readonly number[]).includes(n), { message: `Use a page size of ${PAGE_SIZES.join(", ")}` })
      .default(PAGE_SIZES[0]),
  ),
});
export type TMatrixOptions = z.input<typeof ZMatrixOptions>;

/** The matrix's URL query (`?project=&env=&q=&page=&size=`), for the API: a bad value is refused with what to fix. */
export const ZMatrixQuery = z
  .object({ project: z.unknown(), env: z.unknown(), q: z.unknown(), page: z.unknown(), size: z.unknown() })
  .partial()
  .transform((v, ctx) => {
    const parsed = ZMatrixOptions.safeParse({ projectSlug: v.project, environment: v.env, q: v.q, page: v.page, size: v.size });
    if (parsed.success) return parsed.data;
    const urlName: Record<string, string> = { projectSlug: "project", environment: "env" };
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0]);
      ctx.addIssue({ code: "custom", path: [urlName[field] ?? field], message: issue.message });
    }
    return z.NEVER;
  });

/** The Deployments page's URL query: a bad value falls back to its default rather than failing the page. */
export function matrixOptionsFromUrl(raw: Record<string, string | string[] | undefined>): z.output<typeof ZMatrixOptions> {
  const first = (k: string) => (Array.isArray(raw[k]) ? raw[k][0] : raw[k]);
  const options: Record<string, unknown> = {
    projectSlug: first("project"),
    environment: first("env"),
    q: first("q"),
    page: first("page"),
    size: first("size"),
  };
  for (const key of Object.keys(options)) {
    if (!ZMatrixOptions.shape[key as keyof typeof ZMatrixOptions.shape].safeParse(options[key]).success) options[key] = undefined;
  }
  return ZMatrixOptions.parse(options);
}

/** `project/service` contains `q`: slugs hold only [a-z0-9-], so the test splits at the one "/" it may have. */
function searchWhere(q: string | undefined): Prisma.ServiceWhereInput {
  if (!q) return {};
  const text = q.toLowerCase();
  if (!/^[a-z0-9/-]*$/.test(text)) return { id: { in: [] } };
  const parts = text.split("/");
  if (parts.length === 1) return { OR: [{ slug: { contains: text } }, { project: { slug: { contains: text } } }] };
  if (parts.length === 2) return { slug: { startsWith: parts[1] }, project: { slug: { endsWith: parts[0] } } };
  return { id: { in: [] } };
}

/**
 * The matrix for what the actor may see, a page of services at a time
 * (newest state of each cell read live from the clusters). The services are
 * chosen in the database by the actor's scope, filters and page, so a
 * developer's projects are found among any number of others.
 */
export async function deploymentMatrix(ctx: Ctx, raw: TMatrixOptions = {}) {
  authorize(ctx, "deployment.read", platform);
  const opts = parseInput(ZMatrixOptions, raw);
  const scope = scopeOf(ctx.actor, "deploy.read");
  const where: Prisma.ServiceWhereInput = {
    AND: [
      {
        project: {
          lifecycle: "active",
          ...(scope.all ? {} : { id: { in: scope.projectIds } }),
          ...(opts.projectSlug ? { slug: opts.projectSlug } : {}),
          // A service shows once its project has an environment (the one asked for, when one is).
          environments: { some: opts.environment ? { kind: opts.environment } : {} },
        },
      },
      searchWhere(opts.q),
    ],
  };
  const [total, services] = await Promise.all([
    db().service.count({ where }),
    db().service.findMany({
      where,
      orderBy: [{ project: { name: "asc" } }, { project: { slug: "asc" } }, { slug: "asc" }],
      skip: (opts.page - 1) * opts.size,
      take: opts.size,
      select: {
        id: true,
        slug: true,
        project: {
          select: {
            id: true,
            slug: true,
            name: true,
            environments: { select: { kind: true, clusters: { select: { cluster: { select: { id: true, name: true } } } } } },
          },
        },
      },
    }),
  ]);
  const clusterIds = [...new Set(services.flatMap((s) => s.project.environments.flatMap((e) => e.clusters.map((c) => c.cluster.id))))];
  const reads = await readClusters(
    clusterIds,
    "wharf-deployments",
    async (conn) => (await conn.api(AppsV1Api).listDeploymentForAllNamespaces({ labelSelector: "app.kubernetes.io/managed-by=wharf" })).items,
  );
  const byCluster = new Map(reads.map((r) => [r.clusterId, r]));
  const serviceIds = services.map((s) => s.id);
  const [releases, applied, inFlight] = services.length
    ? await Promise.all([
        db().release.findMany({
          where: { serviceId: { in: serviceIds } },
          orderBy: { number: "desc" },
          distinct: ["serviceId", "environment"],
          select: { id: true, serviceId: true, environment: true, number: true, status: true, tag: true, createdAt: true },
        }),
        lastAppliedReleases(serviceIds),
        db().release.findMany({
          where: { serviceId: { in: serviceIds }, status: { in: ["queued", "progressing"] } },
          select: { serviceId: true, environment: true, manifests: true },
        }),
      ])
    : [[], [], []];
  /** The Deployments of releases rolling out now: what a cluster runs a moment before their apply is recorded. */
  const inFlightOf = (serviceId: string, environment: string, clusterId: string) =>
    inFlight
      .filter((r) => r.serviceId === serviceId && r.environment === environment)
      .flatMap((r) => {
        const targets = ZReleaseTargets.safeParse(r.manifests);
        const t = targets.success ? targets.data.find((x) => x.clusterId === clusterId) : undefined;
        const d = t ? deploymentOf(t.objects as KubernetesObject[]) : undefined;
        return d ? [d] : [];
      });
  const rows: MatrixRow[] = [];
  for (const s of services) {
    const p = s.project;
    for (const e of [...p.environments].sort((a, b) => ENVIRONMENT_ORDER.indexOf(a.kind) - ENVIRONMENT_ORDER.indexOf(b.kind))) {
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
            const last = applied.find((a) => a.serviceId === s.id && a.environment === e.kind && a.clusterId === c.id);
            const drift = driftOf(last, d, inFlightOf(s.id, e.kind, c.id));
            return { cluster: c.name, clusterId: c.id, ...cellOf(d, rel?.status === "failed"), ...(drift ? { drift } : {}) };
          }),
      });
    }
  }
  return {
    rows,
    clusters: reads.map((r) => ({ name: r.cluster, ok: r.ok, ms: r.ms, error: r.ok ? undefined : r.error })),
    /** Services matching (each is a row per environment); the page holds `size` of them. */
    total,
    page: opts.page,
    size: opts.size,
    pages: Math.max(1, Math.ceil(total / opts.size)),
  };
}

export type DeploymentMatrix = Awaited<ReturnType<typeof deploymentMatrix>>;
