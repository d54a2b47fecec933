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
