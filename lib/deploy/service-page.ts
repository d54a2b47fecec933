/** Everything the service page shows for one environment, read once. */
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { authorize, type Ctx } from "@/lib/context";
import { can, projectResource } from "@/lib/access/policy";
import { getServiceSpec } from "./specs";
import { getHistory, listPods } from "./observe";
import { chaosAllowedIn } from "./operations";
import type { EnvKind } from "./spec";

export async function getServicePage(ctx: Ctx, projectSlug: string, serviceSlug: string, envParam?: string) {
  const service = await db().service.findFirst({
    where: { slug: serviceSlug, project: { slug: projectSlug } },
    include: { project: { select: { id: true, slug: true, name: true, lifecycle: true, allowChaosInProd: true, environments: { select: { kind: true } } } } },
  });
  if (!service) throw new AppError("NOT_FOUND", `There is no service ${projectSlug}/${serviceSlug}.`);
  authorize(ctx, "deploy.read", projectResource(service.project.id));
  const environments = ENVIRONMENTS.filter((e) => service.project.environments.some((x) => x.kind === e));
  const environment = (environments.find((e) => e === envParam) ?? environments[0]) as EnvKind | undefined;
  const spec = await getServiceSpec(ctx, service.id);
  if (!environment)
    return { service, environments, environment: null, spec, history: null, pods: null, tags: [], chaosHere: false, rights: rights(ctx, service.project.id) };
  const [history, pods, tags] = await Promise.all([
    getHistory(ctx, service.id, environment),
    listPods(ctx, service.id, environment),
    db().release.findMany({ where: { serviceId: service.id }, distinct: ["tag"], orderBy: { createdAt: "desc" }, take: 20, select: { tag: true } }),
  ]);
  const users = await db().user.findMany({
    where: { id: { in: history.releases.map((r) => r.createdById).filter((x): x is string => Boolean(x)) } },
    select: { id: true, name: true },
  });
  const chaosHere = chaosAllowedIn(environment, service.project);
  return {
    service,
    environments,
    environment,
    spec,
    history,
    pods,
    tags: tags.map((t) => t.tag),
    chaosHere,
    users: Object.fromEntries(users.map((u) => [u.id, u.name])),
    rights: rights(ctx, service.project.id),
  };
}

function rights(ctx: Ctx, projectId: string) {
  const r = projectResource(projectId);
  return {
    deploy: can(ctx.actor, "deploy.create", r),
    restart: can(ctx.actor, "workload.restart", r),
    chaos: can(ctx.actor, "workload.chaos", r),
    editSpec: can(ctx.actor, "service.spec.update", r),
  };
}
