/**
 * Which working copy a config tab shows: the service from the route, and the
 * shared search params of every config tab (`env`, `cluster`, `ns`), each
 * falling back to its default (the project's first environment, `default`,
 * `application`) when absent or not one of the service's.
 */
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { isEnvKind, type EnvKind } from "@/lib/catalog/environments";
import { getServiceConfig } from "./read";
import type { TSetRef } from "./schemas";

export interface TabSearch {
  env?: string | string[];
  cluster?: string | string[];
  ns?: string | string[];
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The service's config and the working copy the tab's search params name (null when the project has no environment yet). */
export async function getConfigTab(ctx: Ctx, projectSlug: string, serviceSlug: string, search: TabSearch) {
  const service = await db().service.findFirst({ where: { slug: serviceSlug, project: { slug: projectSlug } }, select: { id: true } });
  if (!service) throw new AppError("NOT_FOUND", `There is no service ${projectSlug}/${serviceSlug}.`);
  const config = await getServiceConfig(ctx, service.id);
  const envParam = one(search.env);
  const environment = config.environments.find((e) => e.kind === envParam) ?? config.environments[0] ?? null;
  if (!environment) return { config, ref: null, namespace: null, environment: null, cluster: "default" };
  const clusterParam = one(search.cluster);
  const cluster = clusterParam && environment.clusters.includes(clusterParam) ? clusterParam : "default";
  const nsParam = one(search.ns) ?? "application";
  const namespace = config.namespaces.find((n) => n.name === nsParam) ?? config.namespaces.find((n) => n.name === "application")!;
  const ref: TSetRef = { namespaceId: namespace.id, serviceId: config.service.id, environment: environment.kind as EnvKind, cluster };
  return { config, ref, namespace, environment: environment.kind as EnvKind, cluster };
}

export type ConfigTab = Awaited<ReturnType<typeof getConfigTab>>;

/** The query string of a tab's working copy, so links between tabs keep it. */
export function tabQuery(tab: { environment: string | null; cluster: string; namespace: { name: string } | null }) {
  const q = new URLSearchParams();
  if (tab.environment) q.set("env", tab.environment);
  q.set("cluster", tab.cluster);
  if (tab.namespace) q.set("ns", tab.namespace.name);
  return q.toString();
}

export { isEnvKind };
