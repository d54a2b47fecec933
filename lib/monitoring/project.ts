/**
 * A project's metrics: a PromQL expression read over the project's
 * environments on each of their clusters. The expression is checked with the
 * PromQL grammar, and every selector in it is narrowed to the project's
 * namespaces (`namespace=~"<project>-<env>|..."`) before it is sent, so a
 * member reads their project's series and no other's, whatever they type.
 * Dashboards and release health build on this.
 */
import { z } from "zod";
import { AppError, parseInput } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { db } from "@/lib/db/client";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { namespaceName } from "@/lib/provisioning/manifests";
import { checkPromql, PROMQL_MAX_LENGTH, withMatcher } from "./promql";
import { queryClusters, queryRangeClusters, type ClusterSeries } from "./prom";
import { sourceOfCluster, globalSource } from "./sources";

export const ZPromql = z
  .string()
  .max(PROMQL_MAX_LENGTH, { message: `At most ${PROMQL_MAX_LENGTH} characters` })
  .superRefine((v, ctx) => {
    const check = checkPromql(v);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.message, params: { position: check.position } });
  });

export const ZProjectQuery = z.object({
  projectId: z.string().min(1),
  promql: ZPromql,
  /** Only these environments (default: all of the project's). */
  environments: z.array(z.enum(ENVIRONMENTS)).optional(),
  /** A range query; absent: an instant query (now). */
  range: z
    .object({
      start: z.coerce.date(),
      end: z.coerce.date(),
      stepSeconds: z.number().int().min(1, { message: "A step of at least 1 s" }).max(86_400),
    })
    .refine((r) => r.end > r.start, { message: "The range must end after it starts" })
    .refine((r) => (r.end.getTime() - r.start.getTime()) / 1000 / r.stepSeconds <= 11_000, {
      message: "Too many points: at most 11,000 per series (choose a larger step)",
    })
    .optional(),
});
export type TProjectQuery = z.input<typeof ZProjectQuery>;

/** The project's series per cluster (each cluster's own failure when its source does not answer). */
export async function queryProject(ctx: Ctx, raw: TProjectQuery): Promise<{ namespaces: string[]; clusters: ClusterSeries[] }> {
  const input = parseInput(ZProjectQuery, raw);
  authorize(ctx, "monitoring.read", projectResource(input.projectId));
  const project = await db().project.findUnique({
    where: { id: input.projectId },
    select: {
      slug: true,
      environments: { select: { kind: true, clusters: { select: { cluster: { select: { name: true, prometheusUrl: true } } } } } },
    },
  });
  if (!project) throw new AppError("NOT_FOUND", "This project does not exist.");
  const envs = project.environments.filter((e) => !input.environments || input.environments.includes(e.kind));
  const namespaces = envs.map((e) => namespaceName(project.slug, e.kind)).sort();
  const clusters = new Map<string, { name: string; prometheusUrl: string }>();
  for (const e of envs) for (const c of e.clusters) clusters.set(c.cluster.name, c.cluster);
  if (!namespaces.length || !clusters.size) return { namespaces, clusters: [] };
  const promql = withMatcher(input.promql, `namespace=~"${namespaces.join("|")}"`);
  const global = globalSource();
  const sources = [...clusters.values()].sort((a, b) => a.name.localeCompare(b.name)).map((c) => sourceOfCluster(c, global));
  const result = input.range ? await queryRangeClusters(sources, promql, input.range) : await queryClusters(sources, promql);
  return { namespaces, clusters: result };
}
