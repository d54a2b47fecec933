/**
 * What Wharf must be allowed to do on a cluster, and how to say so.
 *
 * Each module declares the permissions its step kinds and cluster reads use
 * (`clusterPermissions` in lib/module.ts); the registry's union is what a
 * kubeconfig's identity is checked against with SelfSubjectAccessReviews
 * (lib/kube/health.ts). All of them are asked cluster-wide: Wharf works in
 * namespaces it creates, which no RoleBinding can reach before they exist.
 */
import type { V1ClusterRole, V1ClusterRoleBinding, V1PolicyRule } from "@kubernetes/client-node";
import { Document, YAMLSeq, isMap, stringify } from "yaml";
import { z } from "zod";

/** The verbs Wharf uses, as RBAC names them. */
export type KubeVerb = "get" | "list" | "watch" | "create" | "patch" | "update" | "delete" | "bind";

/** A permission a module needs on every cluster, with what it is for. */
export interface ClusterPermission {
  /** API group; "" is the core group. */
  group: string;
  /** The resource as RBAC names it (plural). */
  resource: string;
  verbs: readonly KubeVerb[];
  /** Only these objects (RBAC resourceNames), e.g. `bind` on the ClusterRoles edit and view. */
  names?: readonly string[];
  /** What Wharf does with it, completing "needed for ...": shown when it is missing. */
  purpose: string;
}

/** One verb on one resource (and name): what one SelfSubjectAccessReview asks. */
export interface PermissionCheck {
  verb: KubeVerb;
  group: string;
  resource: string;
  name?: string;
  purposes: string[];
}

/** A resource as kubectl names it: `namespaces`, `deployments.apps`. */
export function resourceLabel(group: string, resource: string) {
  return group ? `${resource}.${group}` : resource;
}

/** The checks of a list of permissions: one per verb, resource and name, purposes merged, in the order declared. */
export function permissionChecks(permissions: readonly ClusterPermission[]): PermissionCheck[] {
  const checks = new Map<string, PermissionCheck>();
  for (const p of permissions) {
    for (const verb of p.verbs) {
      for (const name of p.names?.length ? p.names : [undefined]) {
        const key = JSON.stringify([verb, p.group, p.resource, name ?? ""]);
        const seen = checks.get(key);
        if (seen) {
          if (!seen.purposes.includes(p.purpose)) seen.purposes.push(p.purpose);
        } else checks.set(key, { verb, group: p.group, resource: p.resource, ...(name ? { name } : {}), purposes: [p.purpose] });
      }
    }
  }
  return [...checks.values()];
}

/**
 * Permissions as the portal shows them (missing ones, or all of them): one row
 * per resource (and names), its verbs, and what they are needed for.
 */
export interface MissingPermission {
  /** API group; "" is the core group. */
  group: string;
  /** The resource as RBAC names it (plural). */
  resource: string;
  verbs: string[];
  /** Only these objects, when the permission is limited to them (bind on ClusterRoles edit and view). */
  names: string[];
  /** What the verbs are needed for, one phrase each. */
  neededFor: string[];
}

/** Rows as stored (Cluster.missingPermissions) and read back: parsed, never cast. */
export const ZMissingPermissions = z.array(
  z.object({
    group: z.string(),
    resource: z.string(),
    verbs: z.array(z.string()),
    names: z.array(z.string()),
    neededFor: z.array(z.string()),
  }),
);

/** Groups checks (the ones the cluster refused, or all) into rows a person can read, in the order declared. */
export function summarizeMissing(checks: readonly PermissionCheck[]): MissingPermission[] {
  const rows = new Map<string, MissingPermission>();
  for (const c of checks) {
    const key = JSON.stringify([c.group, c.resource, c.name ? "named" : ""]);
    const row = rows.get(key) ?? { group: c.group, resource: c.resource, verbs: [], names: [], neededFor: [] };
    if (!row.verbs.includes(c.verb)) row.verbs.push(c.verb);
    if (c.name && !row.names.includes(c.name)) row.names.push(c.name);
    for (const p of c.purposes) if (!row.neededFor.includes(p)) row.neededFor.push(p);
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** "create, patch namespaces", "bind clusterroles.rbac.authorization.k8s.io edit, view": a row in kubectl's words. */
export function describeMissing(m: MissingPermission) {
  return `${m.verbs.join(", ")} ${resourceLabel(m.group, m.resource)}${m.names.length ? ` ${m.names.join(", ")}` : ""}`;
}

/** The RBAC rules that grant the rows: one rule each. */
export function rulesFor(rows: readonly MissingPermission[]): V1PolicyRule[] {
  return rows.map((r) => ({ apiGroups: [r.group], resources: [r.resource], verbs: [...r.verbs], ...(r.names.length ? { resourceNames: [...r.names] } : {}) }));
}

/**
 * A ClusterRole granting the rows and, when the identity is known, its
 * ClusterRoleBinding: the manifest an admin applies to give Wharf's identity
 * what it lacks (or everything: docs/clusters.md).
 */
export function grantManifest(rows: readonly MissingPermission[], identity: string, roleName = "wharf"): string {
  const role: V1ClusterRole = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: roleName },
    rules: rulesFor(rows),
  };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(identity);
  const subject = sa
    ? { kind: "ServiceAccount", name: sa[2]!, namespace: sa[1]! }
    : { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: identity || "<the user of the kubeconfig>" };
  const binding: V1ClusterRoleBinding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: roleName },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
    subjects: [subject],
  };
  // One rule a line: the manifest is read (and compared with what Test connection lists) before it is applied.
  const doc = new Document(role);
  const rules = doc.get("rules");
  if (rules instanceof YAMLSeq) for (const rule of rules.items) if (isMap(rule)) rule.flow = true;
  return `${doc.toString({ lineWidth: 0 })}---\n${stringify(binding)}`;
}
