/**
 * The Kubernetes objects Wharf gives a project's namespace. Pure functions
 * of the project's metadata, so the wizard's preview and the provisioning
 * steps show and apply exactly the same objects.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import { LIMIT_DEFAULTS, type Quota } from "./quota";

export type Tier = keyof typeof LIMIT_DEFAULTS;
export type { EnvKind } from "@/lib/catalog/environments";
import type { EnvKind } from "@/lib/catalog/environments";
export type MemberRole = "owner" | "maintainer" | "developer" | "viewer";

export interface NamespaceContext {
  project: { slug: string; tier: Tier };
  team: { slug: string };
  environment: EnvKind;
}

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "wharf" };

export function namespaceName(projectSlug: string, env: EnvKind) {
  return `${projectSlug}-${env}`;
}

export function namespaceLabels(c: NamespaceContext): Record<string, string> {
  return {
    ...MANAGED_BY,
    "wharf.dev/project": c.project.slug,
    "wharf.dev/team": c.team.slug,
    "wharf.dev/environment": c.environment,
    "wharf.dev/tier": c.project.tier,
  };
}

const meta = (c: NamespaceContext, name: string) => ({
  name,
  namespace: namespaceName(c.project.slug, c.environment),
  labels: { ...MANAGED_BY, "wharf.dev/project": c.project.slug },
});

export function namespace(c: NamespaceContext): KubernetesObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: namespaceName(c.project.slug, c.environment), labels: namespaceLabels(c) } };
}

export function resourceQuota(c: NamespaceContext, q: Quota): KubernetesObject {
  const hard: Record<string, string> = {
    "requests.cpu": String(q.cpu),
    "limits.cpu": String(q.cpu * 2),
    "requests.memory": `${q.memoryGi}Gi`,
    "limits.memory": `${q.memoryGi * 2}Gi`,
    pods: String(q.pods),
    "requests.nvidia.com/gpu": String(q.gpu),
  };
  return { apiVersion: "v1", kind: "ResourceQuota", metadata: meta(c, "wharf-quota"), spec: { hard } } as KubernetesObject;
}

export function limitRange(c: NamespaceContext): KubernetesObject {
  const d = LIMIT_DEFAULTS[c.project.tier];
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: meta(c, "wharf-defaults"),
    spec: { limits: [{ type: "Container", defaultRequest: { ...d.request }, default: { ...d.limit } }] },
  } as KubernetesObject;
}

/** Namespaces labelled with these roles may reach every project (ingress gateways, monitoring). */
export const TRUSTED_NAMESPACE_ROLES = ["gateway", "monitoring"];

/** Deny ingress from other namespaces, except the project's own and those labelled as gateways or monitoring. */
export function networkPolicy(c: NamespaceContext): KubernetesObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(c, "wharf-isolation"),
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchExpressions: [{ key: "wharf.dev/role", operator: "In", values: TRUSTED_NAMESPACE_ROLES }] } },
          ],
        },
      ],
    },
  } as KubernetesObject;
}

export const CI_SERVICE_ACCOUNT = "wharf-ci";

/** The CI pipeline's identity in each namespace, allowed to deploy there (ClusterRole edit). */
export function ciServiceAccount(c: NamespaceContext): KubernetesObject[] {
  const ns = namespaceName(c.project.slug, c.environment);
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(c, CI_SERVICE_ACCOUNT) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(c, CI_SERVICE_ACCOUNT),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "ServiceAccount", name: CI_SERVICE_ACCOUNT, namespace: ns }],
    } as KubernetesObject,
  ];
}

/** Which ClusterRole a project role gets in an environment: developers only view production. */
export function clusterRoleFor(role: MemberRole, env: EnvKind): "edit" | "view" {
  if (role === "owner" || role === "maintainer") return "edit";
  if (role === "developer") return env === "prod" ? "view" : "edit";
  return "view";
}

export const MEMBER_BINDINGS = { edit: "wharf-members-edit", view: "wharf-members-view" } as const;

/**
 * Two RoleBindings per namespace hold every member: one to ClusterRole edit,
 * one to view. Subjects are users named as the clusters know them (their
 * e-mail, with an optional prefix such as "oidc:").
 */
export function memberRoleBindings(c: NamespaceContext, members: { email: string; role: MemberRole }[], userPrefix = ""): KubernetesObject[] {
  return (["edit", "view"] as const).map((clusterRole) => {
    const subjects = members
      .filter((m) => clusterRoleFor(m.role, c.environment) === clusterRole)
      .map((m) => `${userPrefix}${m.email}`)
      .sort()
      .map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name }));
    return {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { ...meta(c, MEMBER_BINDINGS[clusterRole]), labels: { ...meta(c, "").labels, "wharf.dev/members": "true" } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
      subjects,
    } as KubernetesObject;
  });
}
