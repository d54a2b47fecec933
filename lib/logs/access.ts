/**
 * Who may read which logs, and where a service's logs are: the one place
 * that chooses between `log.read` (dev, test, staging) and
 * `log.read.production` (prod, which may carry customers' data), and that
 * turns a service and an environment into its clusters, namespace and pod
 * selector. Every log route and reader goes through it.
 */
import { AppError } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { can, projectResource } from "@/lib/access/policy";
import { serviceOrThrow } from "@/lib/deploy/specs";
import { environmentClusters, podSelector } from "@/lib/deploy/observe";
import { namespaceName } from "@/lib/provisioning/manifests";
import type { EnvKind } from "@/lib/catalog/environments";

/** The right reading an environment's logs needs. */
export function logRightFor(env: EnvKind): "log.read" | "log.read.production" {
  return env === "prod" ? "log.read.production" : "log.read";
}

/** Throws FORBIDDEN unless the actor may read the project's logs in `env`. */
export function authorizeLogs(ctx: Ctx, projectId: string, env: EnvKind): void {
  authorize(ctx, logRightFor(env), projectResource(projectId));
}

/** Whether the actor may read the project's logs in `env` (for links and buttons). */
export function canReadLogs(ctx: Ctx, projectId: string, env: EnvKind): boolean {
  return can(ctx.actor, logRightFor(env), projectResource(projectId));
}

/** Where a service's logs in an environment are. */
export interface LogTarget {
  projectId: string;
  projectSlug: string;
  serviceId: string;
  serviceSlug: string;
  env: EnvKind;
  /** The environment's namespace (the same on every cluster). */
  namespace: string;
  /** The pods' label selector, `k=v,k=v`. */
  selector: string;
  /** The environment's clusters, by name. */
  clusters: { clusterId: string; cluster: string }[];
}

/**
 * The service's log target, once the actor's right is checked: NOT_FOUND for
 * a service that does not exist or whose project the actor may not read logs
 * of at all (not a member), FORBIDDEN for a member without the environment's
 * right (production). Nothing is opened on a cluster here.
 */
export async function resolveLogTarget(ctx: Ctx, serviceId: string, env: EnvKind): Promise<LogTarget> {
  const service = await serviceOrThrow(serviceId).catch((e: unknown) => {
    if (e instanceof AppError && e.code === "NOT_FOUND") return null;
    throw e;
  });
  if (!service || !can(ctx.actor, "log.read", projectResource(service.project.id))) {
    throw new AppError("NOT_FOUND", "This service does not exist, or you may not read its logs.");
  }
  authorizeLogs(ctx, service.project.id, env);
  return {
    projectId: service.project.id,
    projectSlug: service.project.slug,
    serviceId: service.id,
    serviceSlug: service.slug,
    env,
    namespace: namespaceName(service.project.slug, env),
    selector: podSelector({ project: service.project, service }),
    clusters: await environmentClusters(service.project.id, env),
  };
}
