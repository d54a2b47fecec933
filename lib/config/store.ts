/**
 * The config center's records, below its verbs: which working copy an input
 * names and who may act on it, secret values sealed at rest, release
 * snapshots, and the message that wakes clients. Server-only.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { db, type Db, type Tx } from "@/lib/db/client";
import { toJson } from "@/lib/db/json";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { projectResource, teamResource, type Action, type Resource } from "@/lib/access/policy";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import type { EnvKind } from "@/lib/catalog/environments";
import type { ConfigEntry, ConfigFormat } from "./formats";
import type { TSetRef } from "./schemas";

/** The Postgres channel a release notifies; config-service instances LISTEN on it. */
export const CONFIG_CHANNEL = "wharf_config";

/** A service's Apollo appId: `<project>.<service>` (slugs hold [a-z0-9-], so the dot is unambiguous). */
export function appIdOf(projectSlug: string, serviceSlug: string): string {
  return `${projectSlug}.${serviceSlug}`;
}

export function parseAppId(appId: string): { projectSlug: string; serviceSlug: string } | null {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(appId);
  return m ? { projectSlug: m[1]!, serviceSlug: m[3]! } : null;
}

/** What wakes the long polls of one namespace of one app in one environment and cluster. */
export function messageKey(environment: string, appId: string, cluster: string, namespace: string): string {
  return `${environment}+${appId}+${cluster}+${namespace}`;
}

/** The appId under which a public namespace's own values are published (its messages). */
export const PUBLIC_APP = "__public__";

export function sealValue(namespaceId: string, key: string, value: string): string {
  return encryptSecret(value, env().WHARF_ENCRYPTION_KEY, `config:${namespaceId}:${key}`);
}

export function openValue(namespaceId: string, key: string, sealed: string): string {
  return decryptSecret(sealed, env().WHARF_ENCRYPTION_KEY, `config:${namespaceId}:${key}`);
}

/** Shown instead of a secret's value everywhere a person looks. */
export const SECRET_MASK = "••••••";

/** An item as stored (a secret's value sealed) and as a release snapshot keeps it. */
export const ZStoredEntry = z.object({ key: z.string(), value: z.string(), comment: z.string().default(""), secret: z.boolean().default(false) });
export const ZSnapshot = z.array(ZStoredEntry);
export type StoredEntry = z.infer<typeof ZStoredEntry>;

/** A release's snapshot, parsed (never cast). */
export function snapshotOf(release: { id: string; configurations: unknown }): StoredEntry[] {
  const parsed = ZSnapshot.safeParse(release.configurations);
  if (!parsed.success)
    throw new AppError("PRECONDITION_FAILED", "This config release's record is damaged.", { message: `config release ${release.id}: ${parsed.error.message}` });
  return parsed.data;
}

/** Stored entries with secrets opened: for delivery and diffs on the server, never for a page. */
export function openEntries(namespaceId: string, entries: readonly StoredEntry[]): ConfigEntry[] {
  return entries.map((e) => ({ ...e, value: e.secret ? openValue(namespaceId, e.key, e.value) : e.value }));
}

/** Entries as a person may see them: secrets masked. */
export function maskEntries(entries: readonly StoredEntry[]): ConfigEntry[] {
  return entries.map((e) => ({ ...e, value: e.secret ? SECRET_MASK : e.value }));
}

/** Apollo's releaseKey shape: `yyyyMMddHHmmss-<random hex>`. */
export function newReleaseKey(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${stamp}-${randomBytes(8).toString("hex")}`;
}

export interface ResolvedRef {
  namespace: { id: string; name: string; format: ConfigFormat; serviceId: string | null; teamId: string | null; jsonSchema: unknown; version: number };
  /** The service whose values these are (null: the public namespace's own). */
  service: { id: string; slug: string; projectId: string; projectSlug: string; teamId: string } | null;
  environment: EnvKind;
  cluster: string;
  /** What a right is checked on: the project of the service, or the team of a public namespace. */
  resource: Resource;
  public: boolean;
  appId: string;
}

/** The action guarding `verb` on this working copy: project actions for a service's values, team actions for a public namespace's own. */
export function actionFor(ref: Pick<ResolvedRef, "service">, verb: "read" | "edit" | "publish"): Action {
  const byVerb = {
    read: ["config.read", "catalog.read"],
    edit: ["config.edit", "config.public.edit"],
    publish: ["config.publish", "config.public.publish"],
  } as const;
  return byVerb[verb][ref.service ? 0 : 1];
}

/**
 * Resolves and checks a reference: the namespace exists, the service is the
 * namespace's own (private) or uses it (public), the cluster is `default` or
 * one the environment runs on. Does not authorize.
 */
export async function resolveRef(ref: TSetRef, client: Tx | Db = db()): Promise<ResolvedRef> {
  const ns = await client.configNamespace.findUnique({ where: { id: ref.namespaceId } });
  if (!ns) throw new AppError("NOT_FOUND", "This config namespace does not exist (any more).");
  const isPublic = ns.serviceId === null;
  let service: ResolvedRef["service"] = null;
  if (ref.serviceId) {
    const s = await client.service.findUnique({
      where: { id: ref.serviceId },
      select: { id: true, slug: true, projectId: true, project: { select: { slug: true, teamId: true, lifecycle: true } } },
    });
    if (!s) throw new AppError("NOT_FOUND", "This service does not exist (any more).");
    if (!isPublic && ns.serviceId !== s.id) throw new AppError("NOT_FOUND", "This namespace is not one of the service's.");
    if (isPublic && !(await client.configLink.findUnique({ where: { serviceId_namespaceId: { serviceId: s.id, namespaceId: ns.id } } }))) {
      throw new AppError("PRECONDITION_FAILED", `${s.project.slug}/${s.slug} does not use the public namespace ${ns.name}: link it first.`);
    }
    service = { id: s.id, slug: s.slug, projectId: s.projectId, projectSlug: s.project.slug, teamId: s.project.teamId };
  } else if (!isPublic) {
    throw new AppError("INVALID_INPUT", "Say which service's values to work on.", { fieldErrors: { serviceId: ["Required for a service's namespace"] } });
  }
  if (ref.cluster !== "default") {
    const cluster = await client.cluster.findUnique({ where: { name: ref.cluster }, select: { id: true } });
    if (!cluster)
      throw new AppError("INVALID_INPUT", `There is no cluster "${ref.cluster}".`, {
        fieldErrors: { cluster: ["Choose default or one of the environment's clusters"] },
      });
    if (service) {
      const runs = await client.environmentCluster.count({
        where: { clusterId: cluster.id, environment: { projectId: service.projectId, kind: ref.environment } },
      });
      if (!runs)
        throw new AppError("INVALID_INPUT", `The ${ref.environment} environment does not run on ${ref.cluster}.`, {
          fieldErrors: { cluster: ["Choose default or one of the environment's clusters"] },
        });
    }
  }
  return {
    namespace: {
      id: ns.id,
      name: ns.name,
      format: ns.format as ConfigFormat,
      serviceId: ns.serviceId,
      teamId: ns.teamId,
      jsonSchema: ns.jsonSchema,
      version: ns.version,
    },
    service,
    environment: ref.environment,
    cluster: ref.cluster,
    resource: service ? projectResource(service.projectId) : teamResource(ns.teamId!),
    public: isPublic,
    appId: service ? appIdOf(service.projectSlug, service.slug) : PUBLIC_APP,
  };
}

/** The working copy of a reference, created empty the first time it is written (under the namespace's row lock, so never twice). */
export async function ensureSet(tx: Tx, ref: ResolvedRef) {
  const where = { namespaceId: ref.namespace.id, serviceId: ref.service?.id ?? null, environment: ref.environment, cluster: ref.cluster };
  const found = await tx.configSet.findFirst({ where });
  if (found) return found;
  await tx.$queryRaw`select id from "ConfigNamespace" where id = ${ref.namespace.id} for update`;
  return (await tx.configSet.findFirst({ where })) ?? tx.configSet.create({ data: where });
}

export async function findSet(ref: ResolvedRef, client: Tx | Db = db()) {
  return client.configSet.findFirst({
    where: { namespaceId: ref.namespace.id, serviceId: ref.service?.id ?? null, environment: ref.environment, cluster: ref.cluster },
  });
}

/** A working copy's items as stored, in their order. */
export async function storedItems(client: Tx | Db, setId: string): Promise<StoredEntry[]> {
  const items = await client.configItem.findMany({ where: { setId }, orderBy: [{ position: "asc" }, { key: "asc" }] });
  return items.map((i) => ({ key: i.key, value: i.value, comment: i.comment, secret: i.secret }));
}

/** Records a published release's message and wakes every config-service instance (NOTIFY is delivered when the transaction commits). */
export async function announce(tx: Tx, key: string) {
  const message = await tx.configMessage.create({ data: { key } });
  await tx.$executeRaw`select pg_notify(${CONFIG_CHANNEL}, ${`${message.id}:${key}`})`;
  return message.id;
}

export { toJson };
