/**
 * Every domain function that changes or reads guarded data refuses an actor
 * without the right (FORBIDDEN) and writes nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { createProject, updateProject } from "./projects";
import { addService, removeMember, removeService, setEnvironment, setMember } from "./project-parts";
import { createTeam, removeTeamMember, setTeamMember, updateTeam } from "./teams";
import { checkCluster, deleteCluster, getCluster, listClusters, registerCluster, testKubeconfig, updateCluster } from "./clusters";
import { listUsers, setPlatformRole } from "./users";
import { getCatalogDashboard } from "./summary";
import { listAuditEvents, ZAuditQuery } from "@/lib/audit/query";
import { ctxFor, makeProject, makeTeam, makeUser, unreachableKubeconfig } from "@/test/factories";

let fx: {
  developer: Ctx;
  ops: Ctx;
  manager: Ctx;
  viewer: Ctx;
  maintainer: Ctx;
  ownerOfOther: Ctx;
  projectId: string;
  projectVersion: number;
  teamId: string;
  teamVersion: number;
  serviceId: string;
  clusterId: string;
  clusterVersion: number;
  someUserId: string;
  someUserVersion: number;
};

beforeAll(async () => {
  const admin = await makeUser("admin");
  const adminCtx = await ctxFor(admin);
  const [viewer, maintainer, other, dev, ops, manager] = await Promise.all([
    makeUser(),
    makeUser(),
    makeUser(),
    makeUser(),
    makeUser("ops"),
    makeUser("manager"),
  ]);
  const team = await makeTeam();
  const project = await makeProject({
    owner: admin,
    teamId: team.id,
    members: [
      [viewer, "viewer"],
      [maintainer, "maintainer"],
    ],
  });
  await makeProject({ owner: other });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
  const cluster = await registerCluster(adminCtx, {
    name: "authz",
    region: "eu",
    tier: "dev",
    kubeconfig: unreachableKubeconfig("authz"),
    displayName: "",
    context: "",
  });
  fx = {
    developer: await ctxFor(dev),
    ops: await ctxFor(ops),
    manager: await ctxFor(manager),
    viewer: await ctxFor(viewer),
    maintainer: await ctxFor(maintainer),
    ownerOfOther: await ctxFor(other),
    projectId: project.id,
    projectVersion: project.version,
    teamId: team.id,
    teamVersion: team.version,
    serviceId: service.id,
    clusterId: cluster.id,
    clusterVersion: cluster.version,
    someUserId: viewer.id,
    someUserVersion: 1,
  };
});

const projectFields = () => ({
  teamId: fx.teamId,
  ownerId: fx.someUserId,
  tier: "standard" as const,
  language: "",
  framework: "",
  repositoryUrl: "",
  labels: {},
  description: "",
  name: "X",
});

const CASES: { name: string; who: () => Ctx; call: (ctx: Ctx) => Promise<unknown> }[] = [
  { name: "a developer creating a project directly", who: () => fx.developer, call: (c) => createProject(c, { ...projectFields(), slug: "nope" }) },
  {
    name: "a viewer editing the project",
    who: () => fx.viewer,
    call: (c) => updateProject(c, { ...projectFields(), id: fx.projectId, version: fx.projectVersion }),
  },
  {
    name: "the owner of another project editing this one",
    who: () => fx.ownerOfOther,
    call: (c) => updateProject(c, { ...projectFields(), id: fx.projectId, version: fx.projectVersion }),
  },
  {
    name: "a viewer adding a service",
    who: () => fx.viewer,
    call: (c) => addService(c, { projectId: fx.projectId, slug: "web", name: "Web", kind: "web", description: "" }),
  },
  { name: "a non-member removing a service", who: () => fx.developer, call: (c) => removeService(c, fx.projectId, fx.serviceId) },
  {
    name: "a viewer choosing clusters of an environment",
    who: () => fx.viewer,
    call: (c) => setEnvironment(c, { projectId: fx.projectId, kind: "dev", clusterIds: [fx.clusterId] }),
  },
  {
    name: "a maintainer adding a member",
    who: () => fx.maintainer,
    call: (c) => setMember(c, { projectId: fx.projectId, userId: fx.someUserId, role: "owner" }),
  },
  {
    name: "the owner of another project removing a member",
    who: () => fx.ownerOfOther,
    call: (c) => removeMember(c, { projectId: fx.projectId, userId: fx.someUserId }),
  },
  { name: "ops creating a team", who: () => fx.ops, call: (c) => createTeam(c, { slug: "ops-team", name: "Ops", description: "" }) },
  {
    name: "a manager editing a team",
    who: () => fx.manager,
    call: (c) => updateTeam(c, { id: fx.teamId, version: fx.teamVersion, name: "Renamed", description: "" }),
  },
  {
    name: "a developer adding a team member",
    who: () => fx.developer,
    call: (c) => setTeamMember(c, { teamId: fx.teamId, userId: fx.someUserId, role: "lead" }),
  },
  { name: "a developer removing a team member", who: () => fx.developer, call: (c) => removeTeamMember(c, fx.teamId, fx.someUserId) },
  {
    name: "ops registering a cluster",
    who: () => fx.ops,
    call: (c) => registerCluster(c, { name: "ops-cluster", region: "eu", tier: "dev", kubeconfig: unreachableKubeconfig(), displayName: "", context: "" }),
  },
  { name: "ops testing a kubeconfig", who: () => fx.ops, call: (c) => testKubeconfig(c, { kubeconfig: unreachableKubeconfig() }) },
  {
    name: "ops editing a cluster",
    who: () => fx.ops,
    call: (c) => updateCluster(c, { id: fx.clusterId, version: fx.clusterVersion, displayName: "", region: "x", tier: "dev", kubeconfig: "", context: "" }),
  },
  { name: "ops removing a cluster", who: () => fx.ops, call: (c) => deleteCluster(c, fx.clusterId) },
  { name: "a developer checking a cluster", who: () => fx.developer, call: (c) => checkCluster(c, fx.clusterId) },
  { name: "a developer listing the cluster registry", who: () => fx.developer, call: (c) => listClusters(c) },
  { name: "a manager opening a cluster", who: () => fx.manager, call: (c) => getCluster(c, "authz") },
  { name: "ops browsing the audit log", who: () => fx.ops, call: (c) => listAuditEvents(c, ZAuditQuery.parse({})) },
  { name: "a manager listing users", who: () => fx.manager, call: (c) => listUsers(c) },
  {
    name: "ops changing a platform role",
    who: () => fx.ops,
    call: (c) => setPlatformRole(c, { userId: fx.someUserId, version: fx.someUserVersion, platformRole: "admin" }),
  },
  { name: "a developer reading the platform dashboard", who: () => fx.developer, call: (c) => getCatalogDashboard(c) },
];

describe("refusals", () => {
  it.each(CASES)("refuses $name and writes nothing", async ({ who, call }) => {
    const auditBefore = await db().auditEvent.count();
    const error = await call(who()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("FORBIDDEN");
    expect((error as AppError).userMessage).toBe("You do not have permission to do this.");
    expect(await db().auditEvent.count()).toBe(auditBefore);
  });
});
