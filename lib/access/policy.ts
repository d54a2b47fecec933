/**
 * The one access policy of Wharf: `can(actor, action, resource)`.
 * Pure and synchronous, so every page, server action, route handler and job
 * asks it the same way, and one table-driven test covers it whole.
 *
 * Two kinds of roles decide:
 * - the actor's platform role (developer, ops, manager, admin) for platform
 *   actions and for a platform-wide grant on every project;
 * - the actor's role in the project the resource belongs to (owner,
 *   maintainer, developer, viewer), for project actions.
 */

export const PLATFORM_ROLES = ["developer", "ops", "manager", "admin"] as const;
export const PROJECT_ROLES = ["owner", "maintainer", "developer", "viewer"] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Who is acting: a signed-in user, or the system (jobs, schedules). */
export interface Actor {
  kind: "user" | "system";
  id: string;
  name: string;
  email: string;
  platformRole: PlatformRole;
  /** projectId -> the actor's role in that project. */
  projectRoles: Record<string, ProjectRole>;
}

/** What an action is about. A project resource carries its id so the actor's project role can be found. */
export type Resource =
  { kind: "platform" } | { kind: "project"; projectId: string } | { kind: "team"; teamId: string } | { kind: "cluster"; clusterId?: string };

type ResourceKind = Resource["kind"];

interface Rule {
  /** Resource kinds the action applies to. */
  on: ResourceKind[];
  /** Platform roles allowed whatever the resource. */
  platform: readonly PlatformRole[];
  /** Project roles allowed on the project the resource belongs to. */
  project?: readonly ProjectRole[];
  description: string;
}

const ALL_PLATFORM = PLATFORM_ROLES;
const ALL_PROJECT = PROJECT_ROLES;

/** Every action in Wharf and who may do it. */
export const POLICY = {
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
    description: "Add, remove and change the roles of a project's members",
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
    description: "Add environments and choose the clusters they run on",
  },
  "project.repo.read": {
    on: ["project"],
    platform: ["admin", "ops"],
    project: ALL_PROJECT,
    description: "Read (clone) the project's repository in the portal's repository store",
  },
  "git.token.create": { on: ["platform"], platform: ALL_PLATFORM, description: "Create Git access tokens for oneself (to clone from the portal's store)" },
  "git.token.manage": { on: ["platform"], platform: ["admin"], description: "See and revoke any user's Git access tokens" },
  "template.read": { on: ["platform"], platform: ALL_PLATFORM, description: "Browse the template gallery" },
  "template.manage": { on: ["platform"], platform: ["admin"], description: "Reload and check the template gallery" },
  "project.request": { on: ["platform"], platform: ALL_PLATFORM, description: "Request a new project (onboarding wizard)" },
  "project.access.request": { on: ["project"], platform: ALL_PLATFORM, description: "Ask to join a project with a role" },
  "project.quota.request": {
    on: ["project"],
    platform: ["admin"],
    project: ["owner", "maintainer"],
    description: "Ask for a different quota in an environment",
  },
  "project.archive.request": { on: ["project"], platform: ["admin"], project: ["owner"], description: "Ask to archive the project" },
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
  "provisioning.retry": { on: ["platform"], platform: ["admin", "ops"], description: "Retry a failed provisioning step by hand" },
  "rbac.reconcile": { on: ["platform"], platform: ["admin", "ops"], description: "Run the RBAC drift reconcile now" },
  "team.create": { on: ["platform"], platform: ["admin"], description: "Create a team" },
  "team.update": { on: ["team"], platform: ["admin"], description: "Edit a team and its members" },
  "cluster.read": {
    on: ["platform", "cluster"],
    platform: ["admin", "ops"],
    description: "See the cluster registry: status, version, latency",
  },
  "cluster.register": { on: ["platform"], platform: ["admin"], description: "Register a cluster from a kubeconfig" },
  "cluster.update": { on: ["cluster"], platform: ["admin"], description: "Edit or replace a cluster's kubeconfig" },
  "cluster.delete": { on: ["cluster"], platform: ["admin"], description: "Remove a cluster from the registry" },
  "cluster.check": { on: ["cluster"], platform: ["admin", "ops"], description: "Run a cluster health check now" },
  "ticket.read": { on: ["platform"], platform: ALL_PLATFORM, description: "See the tickets page (own tickets; ops see the inbox)" },
  "deployment.read": { on: ["platform"], platform: ALL_PLATFORM, description: "See the deployments page" },
  "dashboard.read": {
    on: ["platform"],
    platform: ["manager", "ops", "admin"],
    description: "See platform dashboards (delivery, availability, resources)",
  },
  "audit.read": { on: ["platform"], platform: ["admin"], description: "Browse the whole audit log" },
  "user.manage": { on: ["platform"], platform: ["admin"], description: "Change users' platform roles, disable users" },
  "admin.access": { on: ["platform"], platform: ["admin"], description: "Open the Admin section" },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof POLICY;
export const ACTIONS = Object.keys(POLICY) as Action[];

export function can(actor: Actor | null | undefined, action: Action, resource: Resource): boolean {
  if (!actor) return false;
  const rule: Rule = POLICY[action];
  if (!rule.on.includes(resource.kind)) return false;
  if (rule.platform.includes(actor.platformRole)) return true;
  if (resource.kind === "project" && rule.project) {
    const role = actor.projectRoles[resource.projectId];
    return role !== undefined && rule.project.includes(role);
  }
  return false;
}

export const platform: Resource = { kind: "platform" };
export const projectResource = (projectId: string): Resource => ({ kind: "project", projectId });
export const teamResource = (teamId: string): Resource => ({ kind: "team", teamId });
export const clusterResource = (clusterId?: string): Resource => ({ kind: "cluster", clusterId });

/** The actor used by jobs and schedules: platform admin rights, recorded as "system" in audit. */
export const SYSTEM_ACTOR: Actor = {
  kind: "system",
  id: "system",
  name: "Wharf",
  email: "system@wharf",
  platformRole: "admin",
  projectRoles: {},
};
