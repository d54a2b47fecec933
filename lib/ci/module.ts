/**
 * CI: pipelines generated from project metadata (the seed job), applied to
 * each project's CI namespace on the build cluster. Regeneration is planned
 * before it is applied; onboarding gives a new project its pipelines.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PROJECT } from "@/lib/access/roles";
import { ciRegenerateRun } from "./regenerate";
import { ciCancelRunTask, ciDispatchTask, ciFollowRunTask, ciStartRunTask } from "./run-tasks";
import { ciPromoteTask } from "./promote";
import { ciApplyStep, ciOnboardStep, ciOnboardingContributor, ciPruneStep } from "./steps";

export const ciModule = defineModule({
  name: "ci",
  policy: {
    "ci.pipeline.read": {
      on: ["project"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      description: "See a project's generated pipelines and what regenerating them would change",
    },
    "ci.pipeline.regenerate": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer"],
      description: "Regenerate a project's pipelines on the build cluster (after seeing the plan)",
    },
    "ci.settings.edit": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Change a project's branch policy, quality gates and Jenkins generation",
    },
    "ci.run.start": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Run a service's pipeline by hand (a branch or tag, with parameters) and re-run a run",
    },
    "ci.run.cancel": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer", "developer"],
      description: "Cancel a running or waiting CI run",
    },
    "ci.promotion.retry": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Promote a run's image again after its promotion was blocked (the gates are read again), failed or waits",
    },
    "ci.regenerate.all": {
      on: ["platform"],
      platform: ["admin", "ops"],
      description: "Plan and apply the regeneration of every project's pipelines (the seed job run)",
    },
  },
  parts: (): ModuleParts => ({
    runKinds: [ciRegenerateRun],
    planContributors: [ciOnboardingContributor],
    stepKinds: [ciApplyStep, ciPruneStep, ciOnboardStep],
    tasks: [ciStartRunTask, ciDispatchTask, ciCancelRunTask, ciFollowRunTask, ciPromoteTask],
    clusterPermissions: [
      { group: "", resource: "namespaces", verbs: ["list"], purpose: "finding the CI namespaces on the build cluster for a regeneration plan" },
      { group: "", resource: "serviceaccounts", verbs: ["list"], purpose: "the pipelines' service account, compared by a regeneration plan" },
      {
        group: "tekton.dev",
        resource: "tasks",
        verbs: ["get", "create", "patch", "list", "delete"],
        purpose: "the generated Tekton Tasks on the build cluster (planned, applied, old ones removed)",
      },
      {
        group: "tekton.dev",
        resource: "pipelines",
        verbs: ["get", "create", "patch", "list", "delete"],
        purpose: "the generated Tekton Pipelines on the build cluster (planned, applied, old ones removed)",
      },
      {
        group: "tekton.dev",
        resource: "pipelineruns",
        verbs: ["get", "create", "patch", "list"],
        purpose: "CI runs: created (pending when the project's slots are busy), released, cancelled and followed",
      },
      { group: "tekton.dev", resource: "taskruns", verbs: ["list"], purpose: "following a CI run's tasks and steps" },
      { group: "", resource: "pods/log", verbs: ["get"], purpose: "streaming and archiving CI step logs" },
    ],
  }),
});
