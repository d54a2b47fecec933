/**
 * What a client gets: the configuration of one namespace of one app in one
 * environment and cluster, as the Apollo config service answers it. Shared
 * by the config service (lib/config/service) and Kubernetes delivery.
 *
 * - Cluster fallback: the release of the asked cluster ("sandbox-east"), else
 *   of the client's data centre when it names one, else of "default"
 *   (Apollo's order: cluster, dataCenter, default).
 * - Public namespaces: the team's own values, overridden key by key by the
 *   service's (each with its own cluster fallback); the releaseKey joins
 *   both with "+", as Apollo's does.
 * - Gray: an instance its rule selects gets the gray release instead; an
 *   answer says whether a gray was active (`hasGray`), so a cache of answers
 *   knows when it depends on the instance.
 * - Secrets: delivered only to clients that signed their request with the
 *   app's access key; others get the rest without them.
 */
import { db, type Db, type Tx } from "@/lib/db/client";
import { isEnvKind, type EnvKind } from "@/lib/catalog/environments";
import { escapeKey, escapeValue } from "properties-file/escape";
import { CONTENT_KEY, formatOfName, type ConfigFormat } from "./formats";
import { grayRuleOf } from "./gray";
import { matchesRule, type InstanceIdentity } from "./gray-rule";
import { PUBLIC_APP, messageKey, openEntries, parseAppId, snapshotOf, type StoredEntry } from "./store";

export interface ClientRequest {
  environment: string;
  appId: string;
  cluster: string;
  /** Apollo's `dataCenter`: a cluster tried after `cluster` and before `default`. */
  dataCenter?: string;
  /** As the client asks for it: `application`, `app.yaml`, `team.shared`, or with a `.properties` suffix. */
  namespace: string;
  instance: InstanceIdentity;
  /** The request was signed with the app's access key (or the app has none and secrets are not delivered). */
  authenticated: boolean;
}

export interface ClientConfig {
  appId: string;
  cluster: string;
  namespaceName: string;
  format: ConfigFormat;
  releaseKey: string;
  configurations: Record<string, string>;
  /** The releases it was built from (for recording which release an instance holds). */
  releaseIds: string[];
  gray: boolean;
  /** A gray release was active on a working copy this answer was built from: another instance may get another answer. */
  hasGray: boolean;
}

/** Apollo clients ask for `application.properties` or `application` alike. */
export function namespaceKey(name: string): string {
  return name.replace(/\.properties$/, "");
}

export async function findServiceByAppId(appId: string, client: Tx | Db = db()) {
  const parsed = parseAppId(appId);
  if (!parsed) return null;
  return client.service.findFirst({
    where: { slug: parsed.serviceSlug, project: { slug: parsed.projectSlug } },
    select: { id: true, slug: true, projectId: true, project: { select: { slug: true, lifecycle: true } } },
  });
}

type Picked = { entries: StoredEntry[]; releaseKey: string; releaseId: string; gray: boolean; hasGray: boolean; namespaceId: string };

/** Apollo's cluster search order: the asked cluster, the client's data centre, default. */
export function clusterOrder(cluster: string, dataCenter?: string): string[] {
  const order = cluster === "default" ? [] : [cluster];
  if (dataCenter && dataCenter !== cluster && dataCenter !== "default") order.push(dataCenter);
  order.push("default");
  return order;
}

/** The release a client of a working copy gets (gray when it matches), with the cluster's fallback to default; null when neither has one. */
async function pick(
  client: Tx | Db,
  namespaceId: string,
  serviceId: string | null,
  environment: EnvKind,
  cluster: string,
  dataCenter: string | undefined,
  instance: InstanceIdentity,
): Promise<Picked | null> {
  for (const c of clusterOrder(cluster, dataCenter)) {
    const set = await client.configSet.findFirst({ where: { namespaceId, serviceId, environment, cluster: c }, select: { id: true } });
    if (!set) continue;
    const main = await client.configRelease.findFirst({ where: { setId: set.id, grayId: null }, orderBy: { number: "desc" } });
    if (!main) continue;
    const gray = await client.configGray.findFirst({ where: { setId: set.id, status: "active" } });
    if (gray && matchesRule(grayRuleOf(gray), instance)) {
      const grayRelease = await client.configRelease.findFirst({ where: { setId: set.id, grayId: gray.id }, orderBy: { number: "desc" } });
      if (grayRelease)
        return { entries: snapshotOf(grayRelease), releaseKey: grayRelease.releaseKey, releaseId: grayRelease.id, gray: true, hasGray: true, namespaceId };
    }
    return { entries: snapshotOf(main), releaseKey: main.releaseKey, releaseId: main.id, gray: false, hasGray: Boolean(gray), namespaceId };
  }
  return null;
}

function deliverable(picked: Picked, authenticated: boolean): StoredEntry[] {
  const kept = authenticated ? picked.entries : picked.entries.filter((e) => !e.secret);
  return openEntries(picked.namespaceId, kept);
}

/** The configuration a client gets, or null when the app, namespace or any release is unknown (Apollo answers 404). */
export async function resolveClientConfig(req: ClientRequest, client: Tx | Db = db()): Promise<ClientConfig | null> {
  if (!isEnvKind(req.environment)) return null;
  const service = await findServiceByAppId(req.appId, client);
  if (!service) return null;
  const name = namespaceKey(req.namespace);
  const own = await client.configNamespace.findUnique({ where: { serviceId_name: { serviceId: service.id, name } } });
  const shared = own ? null : await client.configNamespace.findFirst({ where: { serviceId: null, name } });
  const ns = own ?? shared;
  if (!ns) return null;
  const parts: Picked[] = [];
  if (own) {
    const p = await pick(client, ns.id, service.id, req.environment, req.cluster, req.dataCenter, req.instance);
    if (p) parts.push(p);
  } else {
    const base = await pick(client, ns.id, null, req.environment, req.cluster, req.dataCenter, req.instance);
    const linked = await client.configLink.findUnique({ where: { serviceId_namespaceId: { serviceId: service.id, namespaceId: ns.id } } });
    const override = linked ? await pick(client, ns.id, service.id, req.environment, req.cluster, req.dataCenter, req.instance) : null;
    for (const p of [base, override]) if (p) parts.push(p);
  }
  if (!parts.length) return null;
  const configurations: Record<string, string> = {};
  for (const p of parts) for (const e of deliverable(p, req.authenticated)) configurations[e.key] = e.value;
  return {
    appId: req.appId,
    cluster: req.cluster,
    namespaceName: req.namespace,
    format: ns.format as ConfigFormat,
    releaseKey: parts.map((p) => p.releaseKey).join("+"),
    configurations,
    releaseIds: parts.map((p) => p.releaseId),
    gray: parts.some((p) => p.gray),
    hasGray: parts.some((p) => p.hasGray),
  };
}

/** The keys whose messages mean a client's namespace may have changed: its own cluster, data centre and default, and the public namespace's own. */
export function watchKeys(environment: string, appId: string, cluster: string, namespace: string, dataCenter?: string): string[] {
  const name = namespaceKey(namespace);
  return clusterOrder(cluster, dataCenter).flatMap((c) => [messageKey(environment, appId, c, name), messageKey(environment, PUBLIC_APP, c, name)]);
}

/**
 * `.properties` text of a configuration (Apollo's /configfiles for properties
 * namespaces), escaped as java.util.Properties reads it (`=`, `:`, `#`,
 * leading spaces and line breaks included); a file namespace's file as it is.
 */
export function asPropertiesText(config: Pick<ClientConfig, "format" | "configurations">): string {
  if (config.format !== "properties") return config.configurations[CONTENT_KEY] ?? "";
  return Object.entries(config.configurations)
    .map(([k, v]) => `${escapeKey(k)}=${escapeValue(v)}`)
    .join("\n");
}

export { formatOfName };
