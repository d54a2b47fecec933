/**
 * Deploys: application specs, releases across clusters (production through a
 * ticket), rollouts, history, rollback, pods and day-2 operations.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PLATFORM, ALL_PROJECT } from "@/lib/access/roles";
import { defineRunKind } from "@/lib/provisioning/registry";
import { deployTicket } from "./deploy-ticket";
import { autoRollbackTask, releaseRun } from "./releases";
import { podKillStep, releaseApplyStep, releaseRolloutStep, restartStep } from "./steps";

export const deployModule = defineModule({
  name: "deploy",
  policy: {
    "service.spec.update": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Edit a service's application spec (a new version)",
    },
    "deploy.read": {
      on: ["project"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      description: "See a project's releases, rollouts, history and pods",
    },
    "deploy.create": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Deploy or roll back a service (production needs an approved ticket)",
    },
    "workload.restart": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer", "developer"],
      description: "Restart a deployment (rolling restart)",
    },
    "workload.chaos": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Kill a pod to see it replaced (refused in production unless the project allows it)",
    },
    "deployment.read": { on: ["platform"], platform: ALL_PLATFORM, description: "See the deployments page" },
    "ticket.deploy.decide": { on: ["ticket"], platform: ["admin", "ops"], description: "Approve or reject production deploys and rollbacks" },
  },
  nav: [{ href: "/deployments", label: "Deployments", icon: "deployments", requires: "deployment.read", order: 50 }],
  parts: (): ModuleParts => ({
    ticketTypes: [deployTicket],
    runKinds: [releaseRun, defineRunKind({ kind: "operation", label: "Operation" })],
    stepKinds: [releaseApplyStep, releaseRolloutStep, restartStep, podKillStep],
    tasks: [autoRollbackTask],
    // What releases apply and prune, what rollouts, history, pods and the matrix read, and the day-2 operations.
    clusterPermissions: [
      { group: "apps", resource: "deployments", verbs: ["get", "create", "patch"], purpose: "applying releases, following rollouts and rolling restarts" },
      { group: "apps", resource: "deployments", verbs: ["list"], purpose: "the deployment matrix (Wharf's Deployments in all namespaces)" },
      { group: "", resource: "services", verbs: ["get", "create", "patch", "delete"], purpose: "a release's Service (removed when the spec drops it)" },
      {
        group: "autoscaling",
        resource: "horizontalpodautoscalers",
        verbs: ["get", "create", "patch", "delete"],
        purpose: "a release's autoscaler (removed when the spec drops it)",
      },
      {
        group: "policy",
        resource: "poddisruptionbudgets",
        verbs: ["get", "create", "patch", "delete"],
        purpose: "a release's disruption budget (removed when the spec drops it)",
      },
      { group: "apps", resource: "replicasets", verbs: ["list"], purpose: "rollout progress and release history" },
      { group: "", resource: "pods", verbs: ["list"], purpose: "why a rollout is stuck, and a service's pods" },
      { group: "", resource: "pods", verbs: ["delete"], purpose: "the Kill pod action" },
      { group: "", resource: "events", verbs: ["list"], purpose: "a rollout's events" },
    ],
  }),
});
