import { describe, expect, it } from "vitest";
import { TEAM_ROLES, type TeamRole } from "./roles";
import { PLATFORM_ROLES, PROJECT_ROLES, allActions, can, scopeOf, type Action, type Actor, type PlatformRole, type ProjectRole, type Resource } from "./policy";

/**
 * The expected rights, written out by hand (not derived from POLICY), so a
 * change to the policy must be made twice: here and there.
 * platform: platform roles allowed; project: project roles allowed on their own project.
 */
type Expectation = {
  resource: "platform" | "project" | "team" | "cluster" | "ticket";
  platform: PlatformRole[];
  project?: ProjectRole[];
  team?: TeamRole[];
  requester?: true;
};
const EXPECTED: Record<Action, Expectation> = {
  "catalog.read": { resource: "project", platform: ["developer", "ops", "manager", "admin"] },
  "project.create": { resource: "platform", platform: ["admin"] },
  "project.update": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  "project.settings.risk": { resource: "project", platform: ["admin"], project: ["owner"] },
  "project.lifecycle.change": { resource: "project", platform: ["admin"] },
  "project.activity.read": { resource: "project", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"] },
  "project.members.manage": { resource: "project", platform: ["admin"], project: ["owner"] },
  "project.services.manage": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  "project.environments.manage": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer"] },
  "project.repo.write": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "project.repo.read": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer", "viewer"] },
  "git.token.create": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  "git.token.manage": { resource: "platform", platform: ["admin"] },
  "template.read": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  "template.manage": { resource: "platform", platform: ["admin"] },
  "project.request": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  "project.access.request": { resource: "project", platform: ["developer", "ops", "manager", "admin"] },
  "project.quota.request": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  "project.archive.request": { resource: "project", platform: ["admin"], project: ["owner"] },
  "service.spec.update": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "deploy.read": { resource: "project", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"] },
  "deploy.create": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "workload.restart": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer"] },
  "workload.chaos": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "provisioning.retry": { resource: "platform", platform: ["admin", "ops"] },
  "rbac.reconcile": { resource: "platform", platform: ["admin", "ops"] },
  "quota.limits.edit": { resource: "platform", platform: ["admin", "ops"] },
  "team.create": { resource: "platform", platform: ["admin"] },
  "team.update": { resource: "team", platform: ["admin"] },
  "cluster.read": { resource: "cluster", platform: ["admin", "ops"] },
  "cluster.register": { resource: "platform", platform: ["admin"] },
  "cluster.update": { resource: "cluster", platform: ["admin"] },
  "cluster.delete": { resource: "cluster", platform: ["admin"] },
  "cluster.check": { resource: "cluster", platform: ["admin", "ops"] },
  "ticket.read": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  "deployment.read": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  "dashboard.read": { resource: "platform", platform: ["manager", "ops", "admin"] },
  "audit.read": { resource: "platform", platform: ["admin"] },
  "user.manage": { resource: "platform", platform: ["admin"] },
  "admin.access": { resource: "platform", platform: ["admin"] },
  "ticket.view": { resource: "ticket", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"], requester: true },
  "ticket.comment": { resource: "ticket", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer"], requester: true },
  "ticket.cancel": { resource: "ticket", platform: ["admin"], requester: true },
  "ticket.decide.elevated": { resource: "ticket", platform: ["admin"] },
  "ticket.onboarding.decide": { resource: "ticket", platform: ["admin", "ops"] },
  "ticket.permission.decide": { resource: "ticket", platform: ["admin", "ops"], project: ["owner"] },
  "ticket.quota.decide": { resource: "ticket", platform: ["admin", "ops"] },
  "ticket.archive.decide": { resource: "ticket", platform: ["admin", "ops"] },
  "ticket.environment.decide": { resource: "ticket", platform: ["admin", "ops"] },
  "ticket.deploy.decide": { resource: "ticket", platform: ["admin", "ops"] },
  "config.read": { resource: "project", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"] },
  "config.edit": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "config.publish": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  "config.namespace.manage": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  "config.public.manage": { resource: "team", platform: ["admin"], team: ["lead"] },
  "config.public.edit": { resource: "team", platform: ["admin"], team: ["lead", "member"] },
  "config.public.publish": { resource: "team", platform: ["admin"], team: ["lead"] },
  "ticket.config.decide": { resource: "ticket", platform: ["admin", "ops"] },
  "log.read": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer", "viewer"] },
  "log.read.production": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer"] },
  "monitoring.read": { resource: "project", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"] },
  "monitoring.status.read": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  // monitoring: dashboards (mon-dashboards)
  "monitoring.dashboard.edit": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  // mon-rules
  "monitoring.rules.edit": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer"] },
  // alerting (lib/alerting/module.ts)
  "alert.read": { resource: "project", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"] },
  "incident.respond": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer"] },
  "alert.silence": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer"] },
  "alerting.maintenance.edit": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer"] },
  "alerting.oncall.edit": { resource: "team", platform: ["admin", "ops"], team: ["lead"] },
  "alerting.routing.read": { resource: "platform", platform: ["admin", "ops"] },
  "alerting.routing.apply": { resource: "platform", platform: ["admin", "ops"] },
  "alerting.pages": { resource: "platform", platform: ["developer", "ops", "manager", "admin"] },
  "ci.pipeline.read": { resource: "project", platform: ["admin", "ops", "manager"], project: ["owner", "maintainer", "developer", "viewer"] },
  "ci.pipeline.regenerate": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer"] },
  "ci.settings.edit": { resource: "project", platform: ["admin"], project: ["owner", "maintainer"] },
  "ci.run.start": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "ci.run.cancel": { resource: "project", platform: ["admin", "ops"], project: ["owner", "maintainer", "developer"] },
  "ci.promotion.retry": { resource: "project", platform: ["admin"], project: ["owner", "maintainer", "developer"] },
  "ci.regenerate.all": { resource: "platform", platform: ["admin", "ops"] },
};

const ACTIONS = allActions() as Action[];

const PROJECT_A = "project-a";
const PROJECT_B = "project-b";

function actor(platformRole: PlatformRole, projectRole?: ProjectRole): Actor {
  return {
    kind: "user",
    id: "u1",
    name: "U",
    email: "u@test",
    platformRole,
    projectRoles: projectRole ? { [PROJECT_A]: projectRole } : {},
  };
}

/** A ticket of project A asked for by someone else ("u2"), unless `requesterId` says otherwise. */
function resourceOf(kind: Expectation["resource"], projectId = PROJECT_A, requesterId = "u2"): Resource {
  switch (kind) {
    case "platform":
      return { kind: "platform" };
    case "project":
      return { kind: "project", projectId };
    case "team":
      return { kind: "team", teamId: "t1" };
    case "cluster":
      return { kind: "cluster", clusterId: "c1" };
    case "ticket":
      return { kind: "ticket", ticketId: "t1", projectId, requesterId };
  }
}

describe("can(actor, action, resource)", () => {
  it("has an expectation for every action of the policy", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ACTIONS].sort());
  });

  const cases: { action: Action; platformRole: PlatformRole; projectRole: ProjectRole | undefined; allowed: boolean }[] = [];
  for (const action of ACTIONS) {
    const e = EXPECTED[action];
    for (const platformRole of PLATFORM_ROLES) {
      for (const projectRole of [undefined, ...PROJECT_ROLES]) {
        const allowed = e.platform.includes(platformRole) || (projectRole !== undefined && (e.project ?? []).includes(projectRole));
        cases.push({ action, platformRole, projectRole, allowed });
      }
    }
  }

  it.each(cases)("$action by a $platformRole who is $projectRole of the project: allowed=$allowed", ({ action, platformRole, projectRole, allowed }) => {
    expect(can(actor(platformRole, projectRole), action, resourceOf(EXPECTED[action].resource))).toBe(allowed);
  });

  const projectActions = ACTIONS.filter((a) => ["project", "ticket"].includes(EXPECTED[a].resource) && EXPECTED[a].project);
  it.each(projectActions.flatMap((action) => PROJECT_ROLES.map((role) => ({ action, role }))))(
    "a developer who is $role of project A may not $action on project B",
    ({ action, role }) => {
      expect(can(actor("developer", role), action, resourceOf(EXPECTED[action].resource, PROJECT_B))).toBe(false);
    },
  );

  const requesterActions = ACTIONS.filter((a) => EXPECTED[a].requester);
  it.each(requesterActions)("the requester of a ticket may %s it, whatever their roles; someone else with no role may not", (action) => {
    expect(can(actor("developer"), action, resourceOf("ticket", PROJECT_B, "u1"))).toBe(true);
    expect(can(actor("developer"), action, resourceOf("ticket", PROJECT_B, "u2"))).toBe(false);
  });

  it("a viewer or a manager may read a ticket but not comment on it; nobody but its requester or an admin cancels it", () => {
    const t = resourceOf("ticket");
    expect(can(actor("developer", "viewer"), "ticket.view", t)).toBe(true);
    expect(can(actor("developer", "viewer"), "ticket.comment", t)).toBe(false);
    expect(can(actor("manager"), "ticket.view", t)).toBe(true);
    expect(can(actor("manager"), "ticket.comment", t)).toBe(false);
    expect(can(actor("ops"), "ticket.cancel", t)).toBe(false);
    expect(can(actor("developer", "owner"), "ticket.cancel", t)).toBe(false);
  });

  it("scopes a project action to where the actor holds it", () => {
    expect(scopeOf(actor("ops"), "deploy.read")).toEqual({ all: true });
    const dev: Actor = { ...actor("developer"), projectRoles: { a: "viewer", b: "developer", c: "owner" } };
    expect(scopeOf(dev, "deploy.create")).toEqual({ all: false, projectIds: ["b", "c"] });
    expect(scopeOf(dev, "project.members.manage")).toEqual({ all: false, projectIds: ["c"] });
    expect(scopeOf(actor("manager"), "project.update")).toEqual({ all: false, projectIds: [] });
  });

  it("fails loudly on an action no module declares, instead of refusing quietly", () => {
    expect(() => can(actor("admin"), "project.teleport" as Action, resourceOf("project"))).toThrow(/Unknown policy action/);
  });

  const teamActions = ACTIONS.filter((a) => EXPECTED[a].resource === "team");
  it.each(teamActions.flatMap((action) => TEAM_ROLES.map((role) => ({ action, role }))))(
    "a developer who is $role of the team: $action as expected, and nothing on another team",
    ({ action, role }) => {
      const a: Actor = { ...actor("developer"), teamRoles: { t1: role } };
      expect(can(a, action, { kind: "team", teamId: "t1" })).toBe((EXPECTED[action].team ?? []).includes(role));
      expect(can(a, action, { kind: "team", teamId: "t2" })).toBe(false);
    },
  );

  it("refuses when there is no actor", () => {
    for (const action of ACTIONS) expect(can(null, action, resourceOf(EXPECTED[action].resource))).toBe(false);
  });

  it("refuses an action on a resource kind it does not apply to", () => {
    expect(can(actor("admin"), "project.update", { kind: "platform" })).toBe(false);
    expect(can(actor("admin"), "cluster.register", { kind: "project", projectId: PROJECT_A })).toBe(false);
  });
});
