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
  }),
});
