/**
 * The one access policy of Wharf: `can(actor, action, resource)`.
 * Pure and synchronous, so every page, server action, route handler and job
 * asks it the same way. The rules come from the modules (each declares its
 * own actions in lib/<domain>/module.ts); this file decides over all of them
 * and is the only place that compares roles.
 *
 * Three things grant an action:
 * - the actor's platform role (developer, ops, manager, admin), everywhere;
 * - the actor's role in the project the resource belongs to (owner,
 *   maintainer, developer, viewer), on that project;
 * - for a record someone asked for (a ticket), being its requester, where
 *   the rule says so.
 */
import { registry, type Action } from "@/lib/modules";
import type { Actor, PlatformRole, ProjectRole, Resource, Rule } from "./roles";

export { PLATFORM_ROLES, PROJECT_ROLES } from "./roles";
export type { Action } from "@/lib/modules";
export type { Actor, PlatformRole, ProjectRole, Resource } from "./roles";

/** The rule of an action; unknown actions fail loudly (a typo must not read as "refused"). */
export function ruleOf(action: string): Rule {
  const rule = registry().policy[action];
  if (!rule) throw new Error(`Unknown policy action "${action}"`);
  return rule;
}

/** Every policy action of the registered modules. */
export function allActions(): string[] {
  return Object.keys(registry().policy);
}

function projectOf(resource: Resource): string | null {
  if (resource.kind === "project") return resource.projectId;
  if (resource.kind === "ticket") return resource.projectId;
  return null;
}

export function can(actor: Actor | null | undefined, action: Action, resource: Resource): boolean {
  if (!actor) return false;
  const rule = ruleOf(action);
  if (!rule.on.includes(resource.kind)) return false;
  if (rule.platform.includes(actor.platformRole)) return true;
  if (rule.requester && resource.kind === "ticket" && resource.requesterId === actor.id) return true;
  if (resource.kind === "team" && rule.team) {
    const role = actor.teamRoles?.[resource.teamId];
    if (role !== undefined && rule.team.includes(role)) return true;
  }
  const projectId = projectOf(resource);
  if (projectId && rule.project) {
    const role = actor.projectRoles[projectId];
    return role !== undefined && rule.project.includes(role);
  }
  return false;
}

/**
 * Where the actor holds a project-scoped action: on every project (through
 * their platform role) or on a list of projects (through their roles there).
 * For scoping queries: "the releases I may read", "the tickets I decide".
 */
export type Scope = { all: true } | { all: false; projectIds: string[] };

export function scopeOf(actor: Actor, action: Action): Scope {
  const rule = ruleOf(action);
  if (rule.platform.includes(actor.platformRole)) return { all: true };
  const allowed: readonly ProjectRole[] = rule.project ?? [];
  return { all: false, projectIds: Object.entries(actor.projectRoles).flatMap(([id, role]) => (allowed.includes(role) ? [id] : [])) };
}

/** True when the actor holds the action on at least one project (or everywhere). */
export function holdsAnywhere(actor: Actor, action: Action): boolean {
  const scope = scopeOf(actor, action);
  return scope.all || scope.projectIds.length > 0;
}

/** Whether a project role would get the action on its project (for showing what a role may do, e.g. when picking one). */
export function roleGrants(role: ProjectRole, action: Action): boolean {
  return (ruleOf(action).project ?? []).includes(role);
}

/** Whether a platform role gets the action everywhere (for docs and tests). */
export function platformRoleGrants(role: PlatformRole, action: Action): boolean {
  return ruleOf(action).platform.includes(role);
}

export const platform: Resource = { kind: "platform" };
export const projectResource = (projectId: string): Resource => ({ kind: "project", projectId });
export const teamResource = (teamId: string): Resource => ({ kind: "team", teamId });
export const clusterResource = (clusterId?: string): Resource => ({ kind: "cluster", clusterId });
export const ticketResource = (t: { id?: string; projectId: string | null; requesterId: string }): Resource => ({
  kind: "ticket",
  ticketId: t.id,
  projectId: t.projectId,
  requesterId: t.requesterId,
});

/** The actor used by jobs and schedules: platform admin rights, recorded as "system" in audit. */
export const SYSTEM_ACTOR: Actor = {
  kind: "system",
  id: "system",
  name: "Wharf",
  email: "system@wharf",
  platformRole: "admin",
  projectRoles: {},
};
