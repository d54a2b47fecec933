/**
 * Server-side apply with field manager `wharf`: the one way Wharf writes to a
 * cluster. Applying the same objects twice changes nothing (the API server
 * keeps the resourceVersion), so a step that runs again after a crash or a
 * retry is safe.
 */
import { ApiException, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import type { ClusterConnection } from "./connection";
import { ClusterError, describeClusterFailure } from "./gateway";

export const FIELD_MANAGER = "wharf";

export type ApplyOutcome = "created" | "configured" | "unchanged";

export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  outcome: ApplyOutcome;
}

function label(o: KubernetesObject) {
  return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

async function current(conn: ClusterConnection, obj: KubernetesObject): Promise<KubernetesObject | null> {
  try {
    return await conn.objects.read({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata!.name!, namespace: obj.metadata?.namespace } });
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return null;
    throw e;
  }
}

/** A binding's roleRef cannot change in place (the API server refuses it): such a binding is replaced. */
function roleRefChanged(existing: KubernetesObject, desired: KubernetesObject) {
  if (desired.kind !== "RoleBinding" && desired.kind !== "ClusterRoleBinding") return false;
  const a = (existing as { roleRef?: { kind?: string; name?: string } }).roleRef;
  const b = (desired as { roleRef?: { kind?: string; name?: string } }).roleRef;
  return Boolean(a && b && (a.kind !== b.kind || a.name !== b.name));
}

/** Applies the objects in order; stops at the first failure with a ClusterError naming the object. */
export async function applyObjects(conn: ClusterConnection, objects: KubernetesObject[]): Promise<AppliedObject[]> {
  const out: AppliedObject[] = [];
  for (const obj of objects) {
    try {
      let existing = await current(conn, obj);
      if (existing && roleRefChanged(existing, obj)) {
        await conn.objects.delete(existing);
        existing = null;
      }
      const applied = await conn.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      const before = existing?.metadata?.resourceVersion;
      const outcome: ApplyOutcome = !existing ? "created" : applied.metadata?.resourceVersion === before ? "unchanged" : "configured";
      out.push({ kind: obj.kind!, name: obj.metadata!.name!, namespace: obj.metadata?.namespace, outcome });
    } catch (e) {
      const err = describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "", e, conn.timeoutMs);
      throw new ClusterError(conn.name, `${label(obj)}: ${err.reason}`, err.apiStatus, { cause: e });
    }
  }
  return out;
}

/** Deletes an object; an object that is already gone counts as deleted. */
export async function deleteObject(conn: ClusterConnection, obj: KubernetesObject): Promise<"deleted" | "absent"> {
  try {
    await conn.objects.delete(obj, undefined, undefined, undefined, undefined, "Background");
    return "deleted";
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return "absent";
    throw describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "", e, conn.timeoutMs);
  }
}

export async function readObject<T extends KubernetesObject>(conn: ClusterConnection, ref: KubernetesObject): Promise<T | null> {
  try {
    return (await conn.objects.read(ref as T & { metadata: { name: string } })) as T;
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return null;
    throw describeClusterFailure(conn.name, conn.kc.getCurrentCluster()?.server ?? "", e, conn.timeoutMs);
  }
}
