/**
 * The vocabulary of access, with no imports: the roles, what a resource is,
 * and the shape of a policy rule. Modules declare their policy actions with
 * these (lib/<domain>/module.ts); `can()` in ./policy.ts decides over all of
 * them.
 */

/** Platform-wide roles: what a user may do outside the projects they belong to. */
export const PLATFORM_ROLES = ["developer", "ops", "manager", "admin"] as const;
/** A user's role inside one project, strongest first. */
export const PROJECT_ROLES = ["owner", "maintainer", "developer", "viewer"] as const;
/** A user's role in a team: its leads manage what the team shares (public config namespaces). */
export const TEAM_ROLES = ["lead", "member"] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export type ProjectRole = (typeof PROJECT_ROLES)[number];
export type TeamRole = (typeof TEAM_ROLES)[number];

/** Who is acting: a signed-in user, or the system (jobs, schedules). */
export interface Actor {
  kind: "user" | "system";
  id: string;
  name: string;
  email: string;
  platformRole: PlatformRole;
  /** projectId -> the actor's role in that project. */
  projectRoles: Record<string, ProjectRole>;
  /** teamId -> the actor's role in that team (absent for the system actor and tests that need none). */
  teamRoles?: Record<string, TeamRole>;
}

/**
 * What an action is about. Project-scoped resources carry their project so
 * the actor's project role can be found; a record someone asked for (a
 * ticket) carries its requester, for rules that let people act on their own.
 */
export type Resource =
  | { kind: "platform" }
  | { kind: "project"; projectId: string }
  | { kind: "team"; teamId: string }
  | { kind: "cluster"; clusterId?: string }
  | { kind: "ticket"; ticketId?: string; projectId: string | null; requesterId: string };

export type ResourceKind = Resource["kind"];

/** One policy action: who may do it, on which kinds of resource. */
export interface Rule {
  /** Resource kinds the action applies to. */
  on: readonly ResourceKind[];
  /** Platform roles allowed whatever the resource. */
  platform: readonly PlatformRole[];
  /** Project roles allowed on the project the resource belongs to. */
  project?: readonly ProjectRole[];
  /** Team roles allowed on the team the resource belongs to. */
  team?: readonly TeamRole[];
  /** The requester of the resource (a ticket's) may do it. */
  requester?: boolean;
  description: string;
}

export type PolicyTable = Record<string, Rule>;

export const ALL_PLATFORM = PLATFORM_ROLES;
export const ALL_PROJECT = PROJECT_ROLES;
