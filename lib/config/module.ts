/**
 * The config center: Apollo-compatible configuration of services, with
 * drafts, releases, gray releases, rollback, public namespaces a team shares,
 * production publishes through a ticket, and delivery to Apollo clients (the
 * config service) and to Kubernetes.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PROJECT } from "@/lib/access/roles";
import { configPublishTicket } from "./publish-ticket";
import { configSeedContributor, configSeedStep } from "./seed";
import { configHotApplyStep, configHotRun, deliverConfigTask } from "./delivery";

export const configModule = defineModule({
  name: "config",
  policy: {
    "config.read": {
      on: ["project"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      description: "See a service's configuration, releases and instances (secret values stay masked)",
    },
    "config.edit": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Edit a service's configuration draft",
    },
    "config.publish": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Publish, restore and gray-release a service's configuration (production through a ticket)",
    },
    "config.namespace.manage": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Create a service's namespaces, link public ones, set JSON Schemas and access keys",
    },
    "config.public.manage": { on: ["team"], platform: ["admin"], team: ["lead"], description: "Create a team's public namespaces and set their schemas" },
    "config.public.edit": { on: ["team"], platform: ["admin"], team: ["lead", "member"], description: "Edit a team's public namespace values" },
    "config.public.publish": { on: ["team"], platform: ["admin"], team: ["lead"], description: "Publish a team's public namespace values" },
    "ticket.config.decide": {
      on: ["ticket", "project", "team"],
      platform: ["admin", "ops"],
      description: "Approve or reject configuration publishes to production; holders publish there directly",
    },
  },
  parts: (): ModuleParts => ({
    ticketTypes: [configPublishTicket],
    // Onboarding gives every service its template's default configuration as a first release.
    planContributors: [configSeedContributor],
    stepKinds: [configSeedStep, configHotApplyStep],
    // Kubernetes delivery: a publish of a namespace a service's spec references becomes a release or an in-place update.
    runKinds: [configHotRun],
    tasks: [deliverConfigTask],
    clusterPermissions: [
      {
        group: "",
        resource: "configmaps",
        verbs: ["get", "create", "patch", "list", "delete"],
        purpose: "config namespaces delivered as ConfigMaps (old hashed ones pruned)",
      },
      {
        group: "",
        resource: "secrets",
        verbs: ["get", "create", "patch", "list", "delete"],
        purpose: "secret config items delivered as Secrets (old hashed ones pruned)",
      },
    ],
  }),
});
