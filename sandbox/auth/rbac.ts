/**
 * The RBAC authorizer: Roles, ClusterRoles and their bindings as the real
 * one evaluates them (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac),
 * plus SelfSubjectRulesReview rule collection.
 */
import type { AdmissionHook, AdmissionRequest, Store, UserInfo } from "../core/store.js";
import { forbidden } from "../core/errors.js";
import { labelSelectorToRequirements } from "../core/selectors.js";
import type { KObject } from "../core/types.js";

export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  namespace?: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** For non-resource requests. */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const RBAC = "rbac.authorization.k8s.io";

function verbMatches(r: PolicyRule, verb: string): boolean {
  return r.verbs.some((v) => v === "*" || v === verb);
}

function apiGroupMatches(r: PolicyRule, group: string): boolean {
  return (r.apiGroups ?? []).some((g) => g === "*" || g === group);
}

function resourceMatches(r: PolicyRule, combined: string, subresource: string): boolean {
  for (const rr of r.resources ?? []) {
    if (rr === "*" || rr === combined) return true;
    if (!subresource) continue;
    if (rr.length === subresource.length + 2 && rr.startsWith("*/") && rr.endsWith(subresource)) return true;
  }
  return false;
}

function resourceNameMatches(r: PolicyRule, name: string): boolean {
  if (!r.resourceNames || r.resourceNames.length === 0) return true;
  return r.resourceNames.includes(name);
}

function nonResourceURLMatches(r: PolicyRule, path: string): boolean {
  for (const u of r.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (a.resourceRequest) {
    const combined = a.subresource ? `${a.resource ?? ""}/${a.subresource}` : (a.resource ?? "");
    return (
      verbMatches(r, a.verb) &&
      apiGroupMatches(r, a.apiGroup ?? "") &&
      resourceMatches(r, combined, a.subresource ?? "") &&
      resourceNameMatches(r, a.name ?? "")
    );
  }
  return verbMatches(r, a.verb) && nonResourceURLMatches(r, a.path ?? "");
}

function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case "User":
      return s.name === user.name;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount":
      return user.name === `system:serviceaccount:${s.namespace || bindingNamespace || ""}:${s.name}`;
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace?: string): string {
  if (s.kind === "ServiceAccount") return `ServiceAccount "${s.namespace || bindingNamespace || ""}/${s.name}"`;
  return `${s.kind} "${s.name}"`;
}

/** The rules of a role (ClusterRole aggregation included). */
function rulesOf(store: Store, roleRef: { kind: string; name: string }, bindingNamespace: string | undefined): PolicyRule[] {
  if (roleRef.kind === "Role") {
    if (!bindingNamespace) return [];
    const role = store.get(`${RBAC}/roles`, bindingNamespace, roleRef.name);
    return (role?.rules as PolicyRule[] | undefined) ?? [];
  }
  const role = store.get(`${RBAC}/clusterroles`, undefined, roleRef.name);
  if (!role) return [];
  const rules = [...((role.rules as PolicyRule[] | undefined) ?? [])];
  const agg = role.aggregationRule as { clusterRoleSelectors?: Parameters<typeof labelSelectorToRequirements>[0][] } | undefined;
  for (const sel of agg?.clusterRoleSelectors ?? []) {
    const reqs = labelSelectorToRequirements(sel);
    for (const cr of store.listRaw(`${RBAC}/clusterroles`, { labels: reqs })) {
      if (cr.metadata.name === role.metadata.name) continue;
      rules.push(...((cr.rules as PolicyRule[] | undefined) ?? []));
    }
  }
  return rules;
}

interface ApplicableBinding {
  binding: KObject;
  subject: Subject;
  rules: PolicyRule[];
}

/** Every binding (ClusterRoleBindings, then RoleBindings of `namespace`) that applies to the user. */
function* applicable(store: Store, user: UserInfo, namespace: string | undefined): Generator<ApplicableBinding> {
  for (const b of store.listRaw(`${RBAC}/clusterrolebindings`)) {
    const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => appliesTo(user, s, undefined));
    if (!subject) continue;
    yield { binding: b, subject, rules: rulesOf(store, b.roleRef as { kind: string; name: string }, undefined) };
  }
  if (!namespace) return;
  for (const b of store.listRaw(`${RBAC}/rolebindings`, { namespace })) {
    const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => appliesTo(user, s, namespace));
    if (!subject) continue;
    yield { binding: b, subject, rules: rulesOf(store, b.roleRef as { kind: string; name: string }, namespace) };
  }
}

/** Always allowed for any authenticated user, whatever the stored policy says. */
function alwaysAllowed(a: Attributes): boolean {
  if (!a.user.groups.includes("system:authenticated")) return false;
  if (!a.resourceRequest) {
    const p = a.path ?? "";
    return (
      a.verb === "get" &&
      (["/api", "/apis", "/version", "/version/", "/openapi", "/healthz", "/livez", "/readyz"].includes(p) ||
        p.startsWith("/api/") ||
        p.startsWith("/apis/") ||
        p.startsWith("/openapi/"))
    );
  }
  if (a.verb !== "create" || a.subresource) return false;
  if (a.apiGroup === "authentication.k8s.io") return a.resource === "selfsubjectreviews";
  return a.apiGroup === "authorization.k8s.io" && (a.resource === "selfsubjectaccessreviews" || a.resource === "selfsubjectrulesreviews");
}

export function authorize(store: Store, a: Attributes): Decision {
  if (a.user.groups.includes("system:masters")) return { allowed: true, reason: "" };
  if (alwaysAllowed(a)) return { allowed: true, reason: "" };
  for (const { binding, subject, rules } of applicable(store, a.user, a.resourceRequest ? a.namespace : undefined)) {
    if (rules.some((r) => ruleAllows(a, r))) {
      const ref = binding.roleRef as { kind: string; name: string };
      const bns = binding.metadata.namespace;
      const where = bns ? `RoleBinding "${binding.metadata.name ?? ""}/${bns}"` : `ClusterRoleBinding "${binding.metadata.name ?? ""}"`;
      const role = ref.kind === "Role" ? `Role "${ref.name}/${bns ?? ""}"` : `ClusterRole "${ref.name}"`;
      return { allowed: true, reason: `RBAC: allowed by ${where} of ${role} to ${describeSubject(subject, bns)}` };
    }
  }
  return { allowed: false, reason: "" };
}

/** The message the API server uses when a request is denied (before the "is forbidden: " prefix). */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.resourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path ?? ""}"`;
  const resource = a.subresource ? `${a.resource ?? ""}/${a.subresource}` : (a.resource ?? "");
  if (a.namespace) return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ""}" in the namespace "${a.namespace}"`;
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ""}" at the cluster scope`;
}

/** SelfSubjectRulesReview status for `user` in `namespace`. */
export function rulesReview(
  store: Store,
  user: UserInfo,
  namespace: string,
): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[]; incomplete: boolean } {
  const resourceRules: PolicyRule[] = [];
  const nonResourceRules: PolicyRule[] = [];
  const seen = new Set<string>();
  const push = (list: PolicyRule[], r: PolicyRule) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return;
    seen.add(k);
    list.push(r);
  };
  // system:basic-user and system:discovery equivalents are always granted
  push(resourceRules, { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"] });
  for (const { rules } of applicable(store, user, namespace)) {
    for (const r of rules) {
      if (r.nonResourceURLs?.length) push(nonResourceRules, { verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      if (r.resources?.length)
        push(resourceRules, {
          verbs: r.verbs,
          apiGroups: r.apiGroups ?? [],
          resources: r.resources,
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        });
    }
  }
  return { resourceRules, nonResourceRules, incomplete: false };
}

// ------------------------------------------------------------------ escalation prevention

/** Every rule that applies to `user` in `namespace` (cluster-wide only when undefined): the rules the RBAC registry calls the user's own. */
export function rulesFor(store: Store, user: UserInfo, namespace: string | undefined): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const { rules } of applicable(store, user, namespace)) out.push(...rules);
  return out;
}

const has = (set: readonly string[] | undefined, v: string) => (set ?? []).includes(v);

/** A servant rule broken into rules of one verb, group, resource, name or URL each (upstream's BreakdownRule). */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        } else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
    }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function resourceCovers(owner: readonly string[] | undefined, resource: string): boolean {
  if (has(owner, "*") || has(owner, resource)) return true;
  const slash = resource.indexOf("/");
  return slash >= 0 && has(owner, `*/${resource.slice(slash + 1)}`);
}

function urlCovers(owner: readonly string[] | undefined, url: string): boolean {
  return (owner ?? []).some((u) => u === "*" || u === url || (u.endsWith("*") && url.startsWith(u.slice(0, -1))));
}

/** Does `owner` hold a broken-down `sub` (upstream's ruleCovers)? */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verb = sub.verbs[0]!;
  if (!(has(owner.verbs, "*") || has(owner.verbs, verb))) return false;
  if (sub.nonResourceURLs?.length) return urlCovers(owner.nonResourceURLs, sub.nonResourceURLs[0]!);
  const group = sub.apiGroups?.[0] ?? "";
  if (!(has(owner.apiGroups, "*") || has(owner.apiGroups, group))) return false;
  if (!resourceCovers(owner.resources, sub.resources?.[0] ?? "")) return false;
  if (!sub.resourceNames?.length) return !owner.resourceNames?.length;
  return !owner.resourceNames?.length || has(owner.resourceNames, sub.resourceNames[0]!);
}

/** The parts of `servant` that no rule of `owner` covers, merged back per group, resource and names (empty: covered). */
export function uncoveredRules(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  const missing = new Map<string, PolicyRule>();
  for (const rule of servant) {
    for (const sub of breakdown(rule)) {
      if (owner.some((o) => ruleCovers(o, sub))) continue;
      const { verbs, ...rest } = sub;
      const key = JSON.stringify(rest);
      const seen = missing.get(key);
      if (seen) {
        if (!seen.verbs.includes(verbs[0]!)) seen.verbs.push(verbs[0]!);
      } else missing.set(key, { ...rest, verbs: [...verbs] });
    }
  }
  return [...missing.values()];
}

/** A rule as the API server prints it in escalation refusals (rbacv1helpers.CompactString). */
function compactString(r: PolicyRule): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(" ")}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${list(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${list(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${list(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(r.nonResourceURLs)}`);
  parts.push(`Verbs:${list(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

const ROLE_KINDS: Record<string, { resource: string; namespaced: boolean }> = {
  [`${RBAC}/roles`]: { resource: "roles", namespaced: true },
  [`${RBAC}/clusterroles`]: { resource: "clusterroles", namespaced: false },
  [`${RBAC}/rolebindings`]: { resource: "rolebindings", namespaced: true },
  [`${RBAC}/clusterrolebindings`]: { resource: "clusterrolebindings", namespaced: false },
};

/**
 * RBAC escalation prevention, as the API server's rbac registry does it: a
 * request may write a Role or ClusterRole only with rules its user holds
 * already (or the `escalate` verb on it), and a RoleBinding or
 * ClusterRoleBinding only to a role whose rules it holds (or the `bind` verb
 * on that role). system:masters is exempt; writes without a user (the
 * sandbox's own controllers and defaults) are not requests and are not checked.
 */
export function rbacEscalationPrevention(): AdmissionHook {
  return {
    name: "rbac-escalation",
    resources: Object.keys(ROLE_KINDS),
    operations: ["CREATE", "UPDATE"],
    admit(req: AdmissionRequest) {
      const user = req.user;
      const obj = req.object;
      if (!user || !obj || req.subresource || user.groups.includes("system:masters")) return;
      const kind = ROLE_KINDS[req.gr]!;
      const namespace = kind.namespaced ? req.namespace : undefined;
      const verbOn = (verb: string, resource: string, name: string) =>
        authorize(req.store, { user, verb, resourceRequest: true, apiGroup: RBAC, resource, name, ...(namespace ? { namespace } : {}) }).allowed;
      const refuse = (why: string) => {
        throw forbidden({ group: RBAC, plural: kind.resource }, req.name, why);
      };
      let rules: PolicyRule[];
      if (kind.resource === "roles" || kind.resource === "clusterroles") {
        if (verbOn("escalate", kind.resource, req.name)) return;
        const before = JSON.stringify(req.oldObject?.rules ?? null);
        if (req.operation === "UPDATE" && before === JSON.stringify(obj.rules ?? null) && !obj.aggregationRule) return;
        if (obj.aggregationRule) refuse("must have cluster-admin privileges to use the aggregationRule");
        rules = (obj.rules as PolicyRule[] | undefined) ?? [];
      } else {
        const ref = obj.roleRef as { kind?: string; name?: string } | undefined;
        const refResource = ref?.kind === "Role" ? "roles" : "clusterroles";
        if (verbOn("bind", refResource, ref?.name ?? "")) return;
        const role = req.store.get(`${RBAC}/${refResource}`, ref?.kind === "Role" ? namespace : undefined, ref?.name ?? "");
        if (!role) refuse(`${ref?.kind === "Role" ? "role" : "clusterrole"}.rbac.authorization.k8s.io "${ref?.name ?? ""}" not found`);
        rules = rulesOf(req.store, { kind: ref?.kind ?? "ClusterRole", name: ref?.name ?? "" }, namespace);
      }
      const missing = uncoveredRules(rulesFor(req.store, user, namespace), rules);
      if (missing.length) {
        refuse(
          `user ${JSON.stringify(user.name)} (groups=[${user.groups.map((g) => JSON.stringify(g)).join(" ")}]) is attempting to grant RBAC permissions not currently held:\n` +
            missing.map(compactString).join("\n"),
        );
      }
    },
  };
}
