/**
 * Hashed config objects pile up: every config change is a new ConfigMap (and
 * Secret). After a release is applied on a cluster, those of its service no
 * release among the last KEEP_RELEASES of the environment names are
 * deleted; the rest stay, so rolling back to any of those releases finds
 * its ConfigMap (it would be re-created by the rollback's apply anyway: the
 * values are re-read from the config releases it carried).
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { deleteObject } from "@/lib/kube/apply";
import type { ClusterConnection } from "@/lib/kube/connection";
import { CONFIG_LABEL } from "./delivery-render";
import { deliveryRecords } from "./delivery-values";

/** How many of a service's latest releases in an environment keep their config objects on the clusters. */
export const KEEP_RELEASES = 10;

/** Deletes the service's hashed ConfigMaps and Secrets no recent release names; returns what went ("ConfigMap api-config-1a2b..."). */
export async function pruneConfigObjects(conn: ClusterConnection, releaseId: string, namespace: string): Promise<string[]> {
  const release = await db().release.findUnique({
    where: { id: releaseId },
    select: { serviceId: true, environment: true, service: { select: { slug: true } } },
  });
  if (!release) return [];
  const recent = await db().release.findMany({
    where: { serviceId: release.serviceId, environment: release.environment },
    orderBy: { number: "desc" },
    take: KEEP_RELEASES,
    select: { config: true },
  });
  const keep = new Set<string>();
  for (const r of recent)
    for (const rec of deliveryRecords(r)) {
      if (rec.clusterName !== conn.name) continue;
      if (rec.configMap) keep.add(`ConfigMap/${rec.configMap}`);
      if (rec.secret) keep.add(`Secret/${rec.secret}`);
    }
  const labelSelector = `${CONFIG_LABEL}=hashed,wharf.dev/service=${release.service.slug},app.kubernetes.io/managed-by=wharf`;
  const core = conn.api(CoreV1Api);
  const [maps, secrets] = await Promise.all([
    core.listNamespacedConfigMap({ namespace, labelSelector }),
    core.listNamespacedSecret({ namespace, labelSelector }),
  ]);
  const gone: string[] = [];
  for (const [kind, items] of [
    ["ConfigMap", maps.items],
    ["Secret", secrets.items],
  ] as const) {
    for (const item of items) {
      const name = item.metadata?.name ?? "";
      if (!name || keep.has(`${kind}/${name}`)) continue;
      if ((await deleteObject(conn, { apiVersion: "v1", kind, metadata: { name, namespace } })) === "deleted") gone.push(`${kind} ${name}`);
    }
  }
  return gone;
}
