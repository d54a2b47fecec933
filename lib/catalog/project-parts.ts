/** A project's services, environments (with their clusters) and members. */
import { AppError, parseInput } from "@/lib/errors";
import { db, type Tx } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { ZAddService, ZRemoveMember, ZSetEnvironment, ZSetMember, type TAddService, type TSetEnvironment, type TSetMember } from "./schemas";
import type { z } from "zod";
import { startRun, syncMembers } from "@/lib/provisioning/start";

async function projectOrThrow(id: string) {
  const project = await db().project.findUnique({ where: { id }, select: { id: true, slug: true, lifecycle: true, ownerId: true } });
  if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
  if (project.lifecycle === "archived") throw new AppError("PRECONDITION_FAILED", "This project is archived; it cannot be changed.");
  return project;
}

export async function addService(ctx: Ctx, raw: z.input<typeof ZAddService> | TAddService) {
  const input = parseInput(ZAddService, raw);
  authorize(ctx, "project.services.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  const taken = () =>
    new AppError("ALREADY_EXISTS", `The project already has a service "${input.slug}".`, {
      fieldErrors: { slug: [`"${input.slug}" is already a service of ${project.slug}`] },
    });
  if (await db().service.count({ where: { projectId: project.id, slug: input.slug } })) throw taken();
  try {
    return await db().$transaction(async (tx) => {
      const service = await tx.service.create({ data: input });
      await recordAudit(tx, ctx, {
        action: "service.create",
        target: { type: "service", id: service.id, label: `${project.slug}/${service.slug}` },
        projectId: project.id,
        after: service,
      });
      return service;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
}

export async function removeService(ctx: Ctx, projectId: string, serviceId: string) {
  authorize(ctx, "project.services.manage", projectResource(projectId));
  const project = await projectOrThrow(projectId);
  return db().$transaction(async (tx) => {
    const before = await tx.service.findFirst({ where: { id: serviceId, projectId } });
    if (!before) throw new AppError("NOT_FOUND", "This service no longer exists.");
    await tx.service.delete({ where: { id: serviceId } });
    await recordAudit(tx, ctx, {
      action: "service.delete",
      target: { type: "service", id: serviceId, label: `${project.slug}/${before.slug}` },
      projectId,
      before,
    });
  });
}

/** Creates the environment or replaces the clusters it runs on. */
export async function setEnvironment(ctx: Ctx, raw: TSetEnvironment) {
  const input = parseInput(ZSetEnvironment, raw);
  authorize(ctx, "project.environments.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  const clusters = await db().cluster.findMany({ where: { id: { in: input.clusterIds } }, select: { id: true, name: true } });
  if (clusters.length !== new Set(input.clusterIds).size) {
    throw new AppError("INVALID_INPUT", "A chosen cluster is no longer registered.", {
      fieldErrors: { clusterIds: ["A chosen cluster is no longer registered; reload and choose again"] },
    });
  }
  return db().$transaction(async (tx) => {
    const existing = await tx.environment.findUnique({
      where: { projectId_kind: { projectId: project.id, kind: input.kind } },
      include: { clusters: { include: { cluster: { select: { name: true } } } } },
    });
    const env = existing ?? (await tx.environment.create({ data: { projectId: project.id, kind: input.kind } }));
    await tx.environmentCluster.deleteMany({ where: { environmentId: env.id } });
    await tx.environmentCluster.createMany({ data: clusters.map((c) => ({ environmentId: env.id, clusterId: c.id })) });
    await tx.environment.update({ where: { id: env.id }, data: { updatedAt: new Date() } });
    await recordAudit(tx, ctx, {
      action: existing ? "environment.update" : "environment.create",
      target: { type: "environment", id: env.id, label: `${project.slug}/${input.kind}` },
      projectId: project.id,
      before: existing ? { kind: existing.kind, clusters: existing.clusters.map((c) => c.cluster.name) } : undefined,
      after: { kind: input.kind, clusters: clusters.map((c) => c.name) },
    });
    // An active project gets the environment on its clusters now (applying is idempotent on clusters it already had).
    // A cluster taken out of the environment keeps its namespace: deleting it is an archive decision, not a side effect.
    if (project.lifecycle === "active") await startRun(tx, ctx, { kind: "onboarding", projectId: project.id, onlyEnvironment: input.kind });
    return env;
  });
}

/** Adds a member or changes their role. A project always keeps at least one owner. */
export async function setMember(ctx: Ctx, raw: TSetMember) {
  const input = parseInput(ZSetMember, raw);
  authorize(ctx, "project.members.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  const user = await db().user.findUnique({ where: { id: input.userId }, select: { id: true, email: true, disabled: true } });
  if (!user || user.disabled) {
    throw new AppError("INVALID_INPUT", "Choose an active user.", { fieldErrors: { userId: ["This user does not exist or is disabled"] } });
  }
  return db().$transaction(async (tx) => {
    const before = await tx.projectMember.findUnique({ where: { projectId_userId: { projectId: project.id, userId: user.id } } });
    if (before?.role === "owner" && input.role !== "owner") await assertAnotherOwner(tx, project.id, user.id);
    const after = await tx.projectMember.upsert({
      where: { projectId_userId: { projectId: project.id, userId: user.id } },
      create: { projectId: project.id, userId: user.id, role: input.role },
      update: { role: input.role },
    });
    await recordAudit(tx, ctx, {
      action: before ? "member.update" : "member.add",
      target: { type: "member", id: after.id, label: `${project.slug}/${user.email}` },
      projectId: project.id,
      before: before ? { userId: user.id, role: before.role } : undefined,
      after: { userId: user.id, role: after.role },
    });
    await syncMembers(tx, ctx, project.id);
    return after;
  });
}

export async function removeMember(ctx: Ctx, raw: z.input<typeof ZRemoveMember>) {
  const input = parseInput(ZRemoveMember, raw);
  authorize(ctx, "project.members.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  return db().$transaction(async (tx) => {
    const before = await tx.projectMember.findUnique({
      where: { projectId_userId: input },
      include: { user: { select: { email: true } } },
    });
    if (!before) throw new AppError("NOT_FOUND", "This user is not a member of the project.");
    if (before.role === "owner") await assertAnotherOwner(tx, project.id, input.userId);
    await tx.projectMember.delete({ where: { id: before.id } });
    await recordAudit(tx, ctx, {
      action: "member.remove",
      target: { type: "member", id: before.id, label: `${project.slug}/${before.user.email}` },
      projectId: project.id,
      before: { userId: input.userId, role: before.role },
    });
    await syncMembers(tx, ctx, project.id);
  });
}

async function assertAnotherOwner(tx: Tx, projectId: string, userId: string) {
  const others = await tx.projectMember.count({ where: { projectId, role: "owner", userId: { not: userId } } });
  if (others === 0) {
    throw new AppError("PRECONDITION_FAILED", "A project needs at least one owner: make someone else owner first.", {
      fieldErrors: { role: ["The last owner cannot be demoted or removed"] },
    });
  }
}
