/**
 * The default ClusterRoles and ClusterRoleBindings every cluster starts with,
 * close to upstream's bootstrap policy (admin/edit/view flattened from their
 * aggregated rules, plus the aggregate-to-* roles so CRD roles can join).
 */
import type { KObject } from "../core/types.js";

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];

const viewRules: Rule[] = [
  {
    apiGroups: [""],
    resources: [
      "configmaps",
      "endpoints",
      "persistentvolumeclaims",
      "persistentvolumeclaims/status",
      "pods",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "serviceaccounts",
      "services",
      "services/status",
    ],
    verbs: READ,
  },
  {
    apiGroups: [""],
    resources: [
      "bindings",
      "events",
      "limitranges",
      "namespaces/status",
      "pods/log",
      "pods/status",
      "replicationcontrollers/status",
      "resourcequotas",
      "resourcequotas/status",
    ],
    verbs: READ,
  },
  { apiGroups: [""], resources: ["namespaces"], verbs: READ },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
  {
    apiGroups: ["apps"],
    resources: [
      "controllerrevisions",
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "statefulsets",
      "statefulsets/scale",
      "statefulsets/status",
    ],
    verbs: READ,
  },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], verbs: READ },
  { apiGroups: ["batch"], resources: ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], verbs: READ },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets", "poddisruptionbudgets/status"], verbs: READ },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingresses/status", "networkpolicies"], verbs: READ },
  { apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"], verbs: READ },
];

const editOnlyRules: Rule[] = [
  { apiGroups: [""], resources: ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], verbs: READ },
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] },
  { apiGroups: [""], resources: ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], verbs: WRITE },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
  {
    apiGroups: [""],
    resources: [
      "configmaps",
      "events",
      "persistentvolumeclaims",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "secrets",
      "serviceaccounts",
      "services",
      "services/proxy",
    ],
    verbs: WRITE,
  },
  { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
  {
    apiGroups: ["apps"],
    resources: [
      "daemonsets",
      "deployments",
      "deployments/rollback",
      "deployments/scale",
      "replicasets",
      "replicasets/scale",
      "statefulsets",
      "statefulsets/scale",
    ],
    verbs: WRITE,
  },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: WRITE },
  { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: WRITE },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: WRITE },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: WRITE },
];

const adminOnlyRules: Rule[] = [
  { apiGroups: ["authorization.k8s.io"], resources: ["localsubjectaccessreviews"], verbs: ["create"] },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings", "roles"], verbs: [...WRITE.slice(0, 3), "get", "list", "patch", "update", "watch"] },
];

const labelsFor = (extra: Record<string, string> = {}) => ({ "kubernetes.io/bootstrapping": "rbac-defaults", ...extra });
const annotations = { "rbac.authorization.kubernetes.io/autoupdate": "true" };

function clusterRole(name: string, rules: Rule[], extra: Partial<KObject> = {}, labels: Record<string, string> = {}): KObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, labels: labelsFor(labels), annotations }, rules, ...extra };
}

function binding(name: string, role: string, subjects: { kind: string; name: string }[]): KObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: labelsFor(), annotations },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: subjects.map((s) => ({ apiGroup: "rbac.authorization.k8s.io", ...s })),
  };
}

const aggregation = (to: string) => ({
  aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: "true" } }] },
});

export function defaultClusterRoles(): KObject[] {
  return [
    clusterRole("cluster-admin", [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]),
    clusterRole("admin", [...viewRules, ...editOnlyRules, ...adminOnlyRules], aggregation("admin")),
    clusterRole("edit", [...viewRules, ...editOnlyRules], aggregation("edit"), { "rbac.authorization.k8s.io/aggregate-to-admin": "true" }),
    clusterRole("view", viewRules, aggregation("view"), { "rbac.authorization.k8s.io/aggregate-to-edit": "true" }),
    clusterRole("system:aggregate-to-admin", adminOnlyRules, {}, { "rbac.authorization.k8s.io/aggregate-to-admin": "true" }),
    clusterRole("system:aggregate-to-edit", editOnlyRules, {}, { "rbac.authorization.k8s.io/aggregate-to-edit": "true" }),
    clusterRole("system:aggregate-to-view", viewRules, {}, { "rbac.authorization.k8s.io/aggregate-to-view": "true" }),
    clusterRole("system:discovery", [
      {
        nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"],
        verbs: ["get"],
      },
    ]),
    clusterRole("system:basic-user", [
      { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
      { apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], verbs: ["create"] },
    ]),
    clusterRole("system:public-info-viewer", [{ nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"], verbs: ["get"] }]),
  ];
}

export function defaultClusterRoleBindings(): KObject[] {
  return [
    binding("cluster-admin", "cluster-admin", [{ kind: "Group", name: "system:masters" }]),
    binding("system:discovery", "system:discovery", [{ kind: "Group", name: "system:authenticated" }]),
    binding("system:basic-user", "system:basic-user", [{ kind: "Group", name: "system:authenticated" }]),
    binding("system:public-info-viewer", "system:public-info-viewer", [
      { kind: "Group", name: "system:authenticated" },
      { kind: "Group", name: "system:unauthenticated" },
    ]),
  ];
}
