/**
 * What Wharf applied for CI on a build cluster, found by the labels every
 * generated object carries: the Namespaces, ServiceAccounts, Tasks and
 * Pipelines of one project, or of every project in one list call per kind
 * (a regeneration plan of all projects costs four reads, not four per project).
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ClusterConnection } from "@/lib/kube/connection";
import { CI_LABEL } from "./generate";

/** The kinds the generator writes; the plan compares these and prunes the Tekton ones. */
export const CI_KINDS = [
  { apiVersion: "v1", kind: "Namespace", namespaced: false },
  { apiVersion: "v1", kind: "ServiceAccount", namespaced: true },
  { apiVersion: "tekton.dev/v1", kind: "Task", namespaced: true },
  { apiVersion: "tekton.dev/v1", kind: "Pipeline", namespaced: true },
] as const;

/** Kinds removed from the cluster when the generator no longer writes them (a service that was deleted). */
export const PRUNED_KINDS = CI_KINDS.filter((k) => k.apiVersion === "tekton.dev/v1");

export function refOf(o: { kind?: string; metadata?: { name?: string; namespace?: string } }) {
  return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

/** Lists the CI objects of one project (`project` given) or all, by label. */
export async function readAppliedCi(
  conn: ClusterConnection,
  opts: { project?: string; kinds?: readonly { apiVersion: string; kind: string; namespaced: boolean }[] } = {},
): Promise<KubernetesObject[]> {
  const selector = `${CI_LABEL}=ci${opts.project ? `,wharf.dev/project=${opts.project}` : ""}`;
  const lists = await Promise.all(
    (opts.kinds ?? CI_KINDS).map(async (k) => {
      const namespace = opts.project && k.namespaced ? `${opts.project}-ci` : undefined;
      // A namespace that does not exist yet lists as empty (the API server answers 200).
      const list = await conn.objects.list(k.apiVersion, k.kind, namespace, undefined, undefined, undefined, undefined, selector);
      // Items of a list may come without their kind; the plan needs it.
      return list.items.map((o) => ({ ...o, apiVersion: k.apiVersion, kind: k.kind }));
    }),
  );
  return lists.flat();
}
