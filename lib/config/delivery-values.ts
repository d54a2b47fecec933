/**
 * Kubernetes delivery, the values: what a service's referenced namespaces
 * hold for one environment and cluster (main releases only, the cluster's
 * overrides falling back to default, a public namespace's values overridden
 * by the service's), or exactly what an earlier release carried (a
 * rollback); sealing secrets for the record and opening them at apply time;
 * checking a spec's references. Imported by lib/deploy (rendering, the
 * apply step); never imports it. Server-only.
 */
import { createHmac } from "node:crypto";
import { z } from "zod";
import type { KubernetesObject } from "@kubernetes/client-node";
import { db, type Db, type Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import type { EnvKind } from "@/lib/catalog/environments";
import type { TConfigRef } from "@/lib/templates/wharf-spec";
import { openEntries, snapshotOf, type StoredEntry } from "./store";
import { APPLICATION } from "./namespaces";
import type { ConfigFormat } from "./formats";
import {
  SEALED_ANNOTATION,
  renderConfig,
  type ConfigCrypto,
  type ConfigReload,
  type DeliveredNamespace,
  type DeliveredRelease,
  type DeliveryRecord,
  type RenderedConfig,
} from "./delivery-render";

const sealContext = (objectName: string, key: string) => `config-delivery:${objectName}:${key}`;

export const configCrypto: ConfigCrypto = {
  seal: (objectName, key, value) => encryptSecret(value, env().WHARF_ENCRYPTION_KEY, sealContext(objectName, key)),
  digest: (text) => createHmac("sha256", Buffer.from(env().WHARF_ENCRYPTION_KEY, "base64")).update(`config-delivery:${text}`).digest("hex"),
};

/** A release's config record per cluster, as stored on it (parsed when read, never cast). */
export const ZDeliveryRecords = z.array(
  z.object({
    clusterName: z.string(),
    configMap: z.string().nullable(),
    secret: z.string().nullable(),
    namespaces: z.array(
      z.object({
        name: z.string(),
        format: z.string(),
        keys: z.number(),
        secretKeys: z.number(),
        releases: z.array(z.object({ id: z.string(), number: z.number(), cluster: z.string() })),
      }),
    ),
  }),
);
export type ClusterDeliveryRecord = DeliveryRecord & { clusterName: string };

export function deliveryRecords(release: { config: unknown }): ClusterDeliveryRecord[] {
  const parsed = ZDeliveryRecords.safeParse(release.config);
  return parsed.success ? (parsed.data as ClusterDeliveryRecord[]) : [];
}

interface ServiceRef {
  id: string;
  slug: string;
}

/** The namespace a spec entry names: the service's own, or a public one it links. */
async function namespaceOf(client: Tx | Db, serviceId: string, name: string) {
  const own = await client.configNamespace.findUnique({ where: { serviceId_name: { serviceId, name } } });
  if (own) return { ns: own, public: false };
  const linked = await client.configLink.findFirst({ where: { serviceId, namespace: { serviceId: null, name } }, include: { namespace: true } });
  return linked ? { ns: linked.namespace, public: true } : null;
}

/** The latest main release of a working copy in an environment for a cluster, with default's as the fallback. */
async function latestFor(client: Tx | Db, namespaceId: string, serviceId: string | null, environment: EnvKind, cluster: string) {
  for (const c of cluster === "default" ? ["default"] : [cluster, "default"]) {
    const release = await client.configRelease.findFirst({
      where: { grayId: null, set: { namespaceId, serviceId, environment, cluster: c } },
      orderBy: { number: "desc" },
    });
    if (release) return { release, cluster: c };
  }
  return null;
}

function merge(parts: { namespaceId: string; entries: StoredEntry[] }[]) {
  const byKey = new Map<string, { key: string; value: string; secret: boolean }>();
  for (const p of parts) for (const e of openEntries(p.namespaceId, p.entries)) byKey.set(e.key, { key: e.key, value: e.value, secret: e.secret });
  return [...byKey.values()];
}

/** What the referenced namespaces hold now for a cluster (gray releases are for Apollo clients only: never delivered here). */
export async function latestDelivered(
  service: ServiceRef,
  environment: EnvKind,
  cluster: string,
  refs: TConfigRef[],
  client: Tx | Db = db(),
): Promise<DeliveredNamespace[]> {
  const out: DeliveredNamespace[] = [];
  for (const ref of refs) {
    const found = await namespaceOf(client, service.id, ref.name);
    if (!found) continue;
    const owners = found.public ? [null, service.id] : [service.id];
    const parts: { namespaceId: string; entries: StoredEntry[]; release: DeliveredRelease }[] = [];
    for (const owner of owners) {
      const hit = await latestFor(client, found.ns.id, owner, environment, cluster);
      if (hit)
        parts.push({
          namespaceId: found.ns.id,
          entries: snapshotOf(hit.release),
          release: { id: hit.release.id, number: hit.release.number, cluster: hit.cluster },
        });
    }
    out.push({ name: ref.name, format: found.ns.format as ConfigFormat, entries: merge(parts), releases: parts.map((p) => p.release) });
  }
  return out;
}

/** Exactly what an earlier release carried on a cluster: the same config releases, read again (a rollback brings its ConfigMap back). */
export async function pinnedDelivered(record: ClusterDeliveryRecord, client: Tx | Db = db()): Promise<DeliveredNamespace[]> {
  const ids = record.namespaces.flatMap((n) => n.releases.map((r) => r.id));
  const rows = await client.configRelease.findMany({ where: { id: { in: ids } }, include: { set: { select: { namespaceId: true } } } });
  return record.namespaces.map((n) => {
    const parts = n.releases.flatMap((r) => {
      const row = rows.find((x) => x.id === r.id);
      return row ? [{ namespaceId: row.set.namespaceId, entries: snapshotOf(row) }] : [];
    });
    return { name: n.name, format: n.format as ConfigFormat, entries: merge(parts), releases: n.releases };
  });
}

/**
 * The config of a release on each of its clusters: pinned to what `pinnedFrom` carried where it carried
 * something (rollback, restore), else the latest. Null for a cluster when the spec references no config.
 */
export async function renderDelivery(opts: {
  service: ServiceRef;
  environment: EnvKind;
  namespace: string;
  labels: Record<string, string>;
  clusters: string[];
  spec: { config: TConfigRef[]; configReload: ConfigReload };
  pinnedFrom?: { config: unknown } | null;
}): Promise<Map<string, RenderedConfig | null>> {
  const out = new Map<string, RenderedConfig | null>();
  const pinned = opts.pinnedFrom ? deliveryRecords(opts.pinnedFrom) : [];
  for (const cluster of opts.clusters) {
    if (!opts.spec.config.length) {
      out.set(cluster, null);
      continue;
    }
    const record = pinned.find((p) => p.clusterName === cluster);
    const delivered = record ? await pinnedDelivered(record) : await latestDelivered(opts.service, opts.environment, cluster, opts.spec.config);
    out.set(
      cluster,
      renderConfig(
        {
          service: opts.service.slug,
          namespace: opts.namespace,
          labels: opts.labels,
          refs: opts.spec.config,
          reload: opts.spec.configReload,
          delivered,
        },
        configCrypto,
      ),
    );
  }
  return out;
}

/** The objects to send to a cluster: a sealed Secret's values opened (base64, as the API wants them), the marker dropped. */
export function unsealForApply(objects: KubernetesObject[]): KubernetesObject[] {
  return objects.map((o) => {
    if (o.kind !== "Secret" || o.metadata?.annotations?.[SEALED_ANNOTATION] !== "true") return o;
    const name = o.metadata.name!;
    const data = (o as { data?: Record<string, string> }).data ?? {};
    const { [SEALED_ANNOTATION]: _sealed, ...annotations } = o.metadata.annotations;
    void _sealed;
    return {
      ...o,
      metadata: { ...o.metadata, annotations },
      data: Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(decryptSecret(v, env().WHARF_ENCRYPTION_KEY, sealContext(name, k))).toString("base64")]),
      ),
    } as KubernetesObject;
  });
}

/**
 * Problems of a spec's config entries that need the database, keyed by the spec path (`config.0.name`): a name
 * that is not a namespace of the service (its own, or a public one it links), environment variables from a file namespace.
 */
export async function configRefProblems(serviceId: string, refs: TConfigRef[], client: Tx | Db = db()): Promise<Record<string, string[]>> {
  const problems: Record<string, string[]> = {};
  for (const [i, ref] of refs.entries()) {
    const found = await namespaceOf(client, serviceId, ref.name);
    // Every service has `application` (created when first needed).
    if (!found && ref.name !== APPLICATION) {
      const names = [
        ...(await client.configNamespace.findMany({ where: { serviceId }, select: { name: true } })).map((n) => n.name),
        ...(await client.configLink.findMany({ where: { serviceId }, select: { namespace: { select: { name: true } } } })).map((l) => l.namespace.name),
      ];
      const choices = [...new Set([APPLICATION, ...names])].sort();
      problems[`config.${i}.name`] = [
        `"${ref.name}" is not a config namespace of this service: use one of ${choices.join(", ")}, or create it on the Config tab first`,
      ];
      continue;
    }
    if (ref.env && found && found.ns.format !== "properties") {
      problems[`config.${i}.env`] = [
        `${ref.name} is a ${found.ns.format} file: only properties namespaces become environment variables; mount it with mountPath`,
      ];
    }
  }
  return problems;
}
