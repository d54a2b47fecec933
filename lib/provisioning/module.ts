/**
 * Provisioning: the step engine, the plans built from the catalog (a
 * project's namespaces, quota, limits, network policy, CI account, member
 * bindings and repository), member sync, quota changes, archiving and the
 * nightly RBAC reconcile.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { provisioningStepTask } from "./engine";
import { archiveRun, memberSyncRun, onboardingRun, quotaRun, reconcileRun } from "./run-kinds";
import {
  archiveContributor,
  ciAccountStep,
  deleteNamespaceStep,
  limitRangeStep,
  memberBindingsStep,
  memberSyncContributor,
  namespaceStep,
  namespacesContributor,
  networkPolicyStep,
  quotaChangeContributor,
  quotaStep,
} from "./builtin";
import { repositoryContributor, repositoryStep } from "./repository";
import { rbacReconcileTask } from "./reconcile";

export const provisioningModule = defineModule({
  name: "provisioning",
  policy: {
    "provisioning.retry": { on: ["platform"], platform: ["admin", "ops"], description: "Retry a failed provisioning step by hand" },
    "rbac.reconcile": { on: ["platform"], platform: ["admin", "ops"], description: "Run the RBAC drift reconcile now" },
    "quota.limits.edit": {
      on: ["platform"],
      platform: ["admin", "ops"],
      description: "Set the custom-quota limits: the most CPU, memory and pods a custom quota may hold and still be approved by ops",
    },
  },
  parts: (): ModuleParts => ({
    runKinds: [onboardingRun, memberSyncRun, quotaRun, archiveRun, reconcileRun],
    planContributors: [namespacesContributor, repositoryContributor, memberSyncContributor, quotaChangeContributor, archiveContributor],
    stepKinds: [repositoryStep, namespaceStep, quotaStep, limitRangeStep, networkPolicyStep, ciAccountStep, memberBindingsStep, deleteNamespaceStep],
    tasks: [provisioningStepTask, rbacReconcileTask],
    // What the step kinds above apply (server-side apply reads, creates and patches) and the RBAC reconcile reads.
    clusterPermissions: [
      { group: "", resource: "namespaces", verbs: ["get", "create", "patch"], purpose: "creating each environment's namespace" },
      { group: "", resource: "namespaces", verbs: ["delete"], purpose: "deleting the namespaces of an archived project" },
      { group: "", resource: "resourcequotas", verbs: ["get", "create", "patch"], purpose: "each namespace's quota and quota changes" },
      { group: "", resource: "limitranges", verbs: ["get", "create", "patch"], purpose: "each namespace's default container limits" },
      { group: "networking.k8s.io", resource: "networkpolicies", verbs: ["get", "create", "patch"], purpose: "each namespace's network isolation" },
      { group: "", resource: "serviceaccounts", verbs: ["get", "create", "patch"], purpose: "the CI service account of each namespace" },
      {
        group: "rbac.authorization.k8s.io",
        resource: "rolebindings",
        verbs: ["get", "create", "patch", "delete"],
        purpose: "members' and CI's access to each namespace (a binding whose role changes is replaced; the nightly reconcile reads them)",
      },
      {
        group: "rbac.authorization.k8s.io",
        resource: "clusterroles",
        verbs: ["bind"],
        names: ["edit", "view"],
        purpose: "granting the ClusterRoles edit and view in those RoleBindings",
      },
    ],
    crons: [
      {
        schedule: "0 2 * * *",
        task: rbacReconcileTask.name,
        options: "?max=1&jobKey=rbac_reconcile",
        description: "Nightly at 02:00 (server time): repair member RoleBindings edited on the clusters",
      },
    ],
  }),
});
