/**
 * What every config tab reads first (deduplicated per request with React's
 * cache): the service, its config (namespaces, environments, clusters,
 * rights) and the choice the URL makes: `env` (default the project's first
 * environment), `cluster` (`default` unless a cluster of that environment)
 * and `ns` (default `application`). Unknown values fall back to the default
 * rather than a 404, so an old link still opens.
 */
import { cache } from "react";
import { notFound } from "next/navigation";
import { requireCtx } from "@/lib/access/session";
import { getProjectOverview } from "@/lib/catalog/projects";
import { getServiceConfig } from "@/lib/config/read";
import { pageParams, pageRead } from "@/lib/http/page";

export interface ConfigSearch {
  env?: string;
  cluster?: string;
  ns?: string;
}

const loadService = cache(async (slug: string, serviceSlug: string) => {
  const ctx = await requireCtx();
  const project = await pageRead(getProjectOverview(ctx, slug), { hide: true });
  const service = project.services.find((s) => s.slug === serviceSlug);
  if (!service) notFound();
  const config = await pageRead(getServiceConfig(ctx, service.id));
  return { ctx, project, service, config };
});

/** The service and its config, for the layout (which sees no search params). */
export async function loadConfigService(params: Promise<{ slug: string; service: string }>) {
  const { slug, service } = await pageParams(params);
  return loadService(slug, service);
}

/** The service, its config and the environment, cluster and namespace the URL chose. */
export async function loadConfigPage(params: Promise<{ slug: string; service: string }>, searchParams: Promise<ConfigSearch>) {
  const loaded = await loadConfigService(params);
  const search = await pageParams(searchParams);
  const { config } = loaded;
  const environment = config.environments.find((e) => e.kind === search.env) ?? config.environments[0] ?? null;
  const cluster = environment?.clusters.includes(search.cluster ?? "") ? search.cluster! : "default";
  const namespace = config.namespaces.find((n) => n.name === search.ns) ?? config.namespaces.find((n) => n.name === "application") ?? config.namespaces[0]!;
  return { ...loaded, environment, cluster, namespace };
}

/** The URL of a config tab with the same choice (`tab` "" is Items). */
export function configHref(base: string, tab: string, choice: { env?: string | null; cluster?: string; ns?: string }, extra: Record<string, string> = {}) {
  const q = new URLSearchParams();
  if (choice.env) q.set("env", choice.env);
  if (choice.cluster && choice.cluster !== "default") q.set("cluster", choice.cluster);
  if (choice.ns && choice.ns !== "application") q.set("ns", choice.ns);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return `${base}/config${tab ? `/${tab}` : ""}${s ? `?${s}` : ""}`;
}
