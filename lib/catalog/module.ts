/**
 * The catalog: teams, projects, services, environments, clusters, templates
 * and the platform's own figures. Its jobs check the clusters' health; its
 * ticket type widens a project's production.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PLATFORM, ALL_PROJECT } from "@/lib/access/roles";
import { clusterCheck, clustersHealthCheck } from "./cluster-tasks";
import { environmentTicket } from "./environment-ticket";

export const catalogModule = defineModule({
  name: "catalog",
  policy: {
    "catalog.read": {
      on: ["platform", "project", "team"],
      platform: ALL_PLATFORM,
      description: "See the catalog: projects, services, environments, teams and owners",
    },
    "project.create": { on: ["platform"], platform: ["admin"], description: "Create a project directly, without a ticket" },
    "project.update": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Edit a project's name, description, tier, labels and repository",
    },
    "project.settings.risk": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner"],
      description: "Change settings that widen a project's risk, such as allowing the chaos action in production",
    },
    "project.lifecycle.change": { on: ["project"], platform: ["admin"], description: "Change a project's lifecycle directly (requested, active, archived)" },
    "project.activity.read": {
      on: ["project"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      description: "Read a project's activity (its audit events)",
    },
    "project.members.manage": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner"],
      description: "Add, remove and change the roles of a project's members, and change its owner",
    },
    "project.services.manage": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Add, rename and remove a project's services",
    },
    "project.environments.manage": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer"],
      description: "Add environments and choose the clusters they run on (production through a ticket)",
    },
    "project.repo.read": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ALL_PROJECT,
      description: "Read (clone) the project's repository in the portal's repository store",
    },
    "project.repo.write": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer", "developer"],
      description: "Push to the project's repository in the portal's store (each pushed branch or tag starts its CI runs)",
    },
    "git.token.create": { on: ["platform"], platform: ALL_PLATFORM, description: "Create Git access tokens for oneself (to clone from the portal's store)" },
    "git.token.manage": { on: ["platform"], platform: ["admin"], description: "See and revoke any user's Git access tokens" },
    "template.read": { on: ["platform"], platform: ALL_PLATFORM, description: "Browse the template gallery" },
    "template.manage": { on: ["platform"], platform: ["admin"], description: "Reload and check the template gallery" },
    "team.create": { on: ["platform"], platform: ["admin"], description: "Create a team" },
    "team.update": { on: ["team"], platform: ["admin"], description: "Edit a team and its members" },
    "cluster.read": { on: ["platform", "cluster"], platform: ["admin", "ops"], description: "See the cluster registry: status, version, latency" },
    "cluster.register": { on: ["platform"], platform: ["admin"], description: "Register a cluster from a kubeconfig" },
    "cluster.update": { on: ["cluster"], platform: ["admin"], description: "Edit or replace a cluster's kubeconfig" },
    "cluster.delete": { on: ["cluster"], platform: ["admin"], description: "Remove a cluster from the registry" },
    "cluster.check": { on: ["cluster"], platform: ["admin", "ops"], description: "Run a cluster health check now" },
    "ticket.environment.decide": {
      on: ["ticket", "project"],
      platform: ["admin", "ops"],
      description: "Approve or reject widening a project's production (a prod environment or a prod-tier cluster); holders change it directly",
    },
    "dashboard.read": { on: ["platform"], platform: ["manager", "ops", "admin"], description: "See platform dashboards (delivery, availability, resources)" },
  },
  nav: [
    { href: "/", label: "Home", icon: "home", requires: "catalog.read", order: 0 },
    { href: "/projects", label: "Projects", icon: "projects", requires: "catalog.read", order: 10 },
    { href: "/teams", label: "Teams", icon: "teams", requires: "catalog.read", order: 20 },
    { href: "/templates", label: "Templates", icon: "templates", requires: "template.read", order: 30 },
    { href: "/dashboards", label: "Dashboards", icon: "dashboards", requires: "dashboard.read", order: 70 },
    { href: "/clusters", label: "Clusters", icon: "clusters", requires: "cluster.read", order: 80 },
  ],
  parts: (): ModuleParts => ({
    ticketTypes: [environmentTicket],
    tasks: [clustersHealthCheck, clusterCheck],
    clusterPermissions: [{ group: "", resource: "nodes", verbs: ["list"], purpose: "the allocatable capacity onboarding requests are checked against" }],
    crons: [
      {
        schedule: "* * * * *",
        task: clustersHealthCheck.name,
        // No retries: it runs again in a minute anyway.
        options: "?max=1&jobKey=clusters_health_check&jobKeyMode=replace",
        description: "Every minute: check every registered cluster",
      },
    ],
  }),
});
