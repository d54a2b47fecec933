/**
 * What the log center's pages read: the logs page of a service in an
 * environment, and a release's "Logs around this release" window. The right
 * (log.read, or log.read.production in production) is chosen by
 * lib/logs/access.ts, as for the stream and download routes.
 */
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { projectResource } from "@/lib/access/policy";
import { authorize, type Ctx } from "@/lib/context";
import { authorizeLogs, canReadLogs } from "./access";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import type { EnvKind } from "@/lib/deploy/spec";

/**
 * The logs page: the service, its environments, the chosen one (`?env=`, as
 * on the service page) and its clusters; `?cluster=` (a name or an id) and
 * `?pod=` preset the filters. FORBIDDEN without the right for that
 * environment.
 */
export async function getLogsPage(ctx: Ctx, projectSlug: string, serviceSlug: string, q: { env?: string; cluster?: string; pod?: string }) {
  const service = await db().service.findFirst({
    where: { slug: serviceSlug, project: { slug: projectSlug } },
    select: {
      id: true,
      slug: true,
      name: true,
      project: {
        select: {
          id: true,
          slug: true,
          name: true,
          environments: { select: { kind: true, clusters: { select: { cluster: { select: { id: true, name: true } } } } } },
        },
      },
    },
  });
  if (!service) throw new AppError("NOT_FOUND", `There is no service ${projectSlug}/${serviceSlug}.`);
  const environments = ENVIRONMENTS.filter((e) => service.project.environments.some((x) => x.kind === e));
  const readable = environments.filter((e) => canReadLogs(ctx, service.project.id, e));
  const environment = (environments.find((e) => e === q.env) ?? readable[0] ?? environments[0]) as EnvKind | undefined;
  if (!environment) {
    authorize(ctx, "log.read", projectResource(service.project.id));
    return { service, environments: readable, environment: null, clusters: [], initialClusters: [], initialPods: [] };
  }
  authorizeLogs(ctx, service.project.id, environment);
  const clusters = (service.project.environments.find((e) => e.kind === environment)?.clusters ?? [])
    .map((c) => ({ clusterId: c.cluster.id, cluster: c.cluster.name }))
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
  const picked = q.cluster ? clusters.find((c) => c.clusterId === q.cluster || c.cluster === q.cluster) : undefined;
  const pod = q.pod?.trim();
  return {
    service,
    environments: readable,
    environment,
    clusters,
    initialClusters: picked ? [picked.clusterId] : [],
    initialPods: pod && pod.length <= 253 ? [pod] : [],
  };
}

/** One minute before a release started: the old pods' last lines and the new pods' first. */
export const RELEASE_WINDOW_LEAD_MS = 60_000;

/**
 * A release's log window: from a minute before it started (or was created)
 * to its end, or now while it runs. Null when the actor may not read logs
 * in the release's environment (the page then leaves the section out).
 */
export function releaseLogWindow(
  ctx: Ctx,
  release: { environment: EnvKind; createdAt: Date; startedAt: Date | null; finishedAt: Date | null; service: { id: string; project: { id: string } } },
  now = new Date(),
): { sinceTime: string; until: string } | null {
  if (!canReadLogs(ctx, release.service.project.id, release.environment)) return null;
  const start = (release.startedAt ?? release.createdAt).getTime() - RELEASE_WINDOW_LEAD_MS;
  const end = Math.max(release.finishedAt?.getTime() ?? now.getTime(), start + 1000);
  return { sinceTime: new Date(start).toISOString(), until: new Date(end).toISOString() };
}
