/** A project's services, environments (with their clusters) and members. */
import { AppError, parseInput } from "@/lib/errors";
import { db, type Tx } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { can, projectResource } from "@/lib/access/policy";
import { ZAddService, ZRemoveMember, ZSetEnvironment, ZSetMember, type TAddService, type TSetEnvironment, type TSetMember } from "./schemas";
import type { z } from "zod";
import { startRun } from "@/lib/provisioning/start";
import { openTicket, refuseDuplicate } from "@/lib/tickets/engine";
import { changeMembership } from "./members";
import { environmentTicket } from "./environment-ticket";
import { onboardingTicket } from "@/lib/tickets/onboarding";
import { PRODUCTION } from "./environments";

/**
 * A project that can be changed: not archived, and not waiting for the
 * decision on its onboarding request (frozen until then, so approval
 * provisions exactly what the ticket shows).
 */
export async function changeableProject(id: string, client: Tx | ReturnType<typeof db> = db()) {
  const project = await client.project.findUnique({
    where: { id },
    select: { id: true, slug: true, name: true, lifecycle: true, ownerId: true, teamId: true },
  });
  if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
  if (project.lifecycle === "archived") throw new AppError("PRECONDITION_FAILED", "This project is archived; it cannot be changed.");
  if (project.lifecycle === "requested") {
    // Frozen while its onboarding request waits for a decision: what the approver reads is what gets provisioned.
    const ticket = await client.ticket.findFirst({ where: { projectId: id, type: onboardingTicket.type, status: "open" }, select: { number: true } });
    if (ticket) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `${project.name} is waiting for its onboarding request (ticket #${ticket.number}) to be decided; it can be changed once that is done.`,
      );
    }
  }
  return project;
}
const projectOrThrow = changeableProject;

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

/**
 * Creates the environment or replaces the clusters it runs on. On an active
 * project, widening production (a prod environment, or a cluster of the prod
 * tier) goes through a ticket unless the actor is one who decides such
 * tickets; everything else is applied and provisioned at once.
 */
export async function setEnvironment(ctx: Ctx, raw: TSetEnvironment): Promise<{ applied: true } | { applied: false; ticketNumber: number }> {
  const input = parseInput(ZSetEnvironment, raw);
  authorize(ctx, "project.environments.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  const clusters = await db().cluster.findMany({ where: { id: { in: input.clusterIds } }, select: { id: true, name: true, tier: true } });
  if (clusters.length !== new Set(input.clusterIds).size) {
    throw new AppError("INVALID_INPUT", "A chosen cluster is no longer registered.", {
      fieldErrors: { clusterIds: ["A chosen cluster is no longer registered; reload and choose again"] },
    });
  }
  const production = input.kind === PRODUCTION || clusters.some((c) => c.tier === "prod");
  if (production && !can(ctx.actor, "ticket.environment.decide", projectResource(project.id))) {
    await refuseDuplicate(environmentTicket.type, project.id, null, (p) => (p as { kind?: string }).kind === input.kind);
    const existing = await db().environment.findUnique({
      where: { projectId_kind: { projectId: project.id, kind: input.kind } },
      include: { clusters: { select: { clusterId: true } } },
    });
    const ticket = await db().$transaction((tx) =>
      openTicket(tx, ctx, {
        type: environmentTicket.type,
        title: `${existing ? "Move" : "Add"} ${project.slug}-${input.kind} ${existing ? "to" : "on"} ${clusters.map((c) => c.name).join(", ")}`,
        projectId: project.id,
        teamId: project.teamId,
        payload: { kind: input.kind, clusterIds: input.clusterIds, previousClusterIds: existing?.clusters.map((c) => c.clusterId) ?? null },
      }),
    );
    return { applied: false, ticketNumber: ticket.number };
  }
  await db().$transaction((tx) => applyEnvironment(tx, ctx, { projectId: project.id, kind: input.kind, clusterIds: input.clusterIds }));
  return { applied: true };
}

/** Writes an environment and its clusters, and provisions it on an active project (in the caller's transaction). */
export async function applyEnvironment(tx: Tx, ctx: Ctx, input: { projectId: string; kind: TSetEnvironment["kind"]; clusterIds: string[]; ticketId?: string }) {
  const project = await tx.project.findUniqueOrThrow({ where: { id: input.projectId }, select: { id: true, slug: true, lifecycle: true } });
  const clusters = await tx.cluster.findMany({ where: { id: { in: input.clusterIds } }, select: { id: true, name: true } });
  if (clusters.length !== new Set(input.clusterIds).size) throw new AppError("PRECONDITION_FAILED", "A cluster of this environment is no longer registered.");
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
  if (project.lifecycle === "active")
    return startRun(tx, ctx, { kind: "onboarding", projectId: project.id, onlyEnvironment: input.kind, ticketId: input.ticketId });
  return null;
}

/** Adds a member or changes their role. A project always keeps at least one owner (lib/catalog/members.ts). */
export async function setMember(ctx: Ctx, raw: TSetMember) {
  const input = parseInput(ZSetMember, raw);
  authorize(ctx, "project.members.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  return db().$transaction((tx) => changeMembership(tx, ctx, { projectId: project.id, userId: input.userId, role: input.role }));
}

export async function removeMember(ctx: Ctx, raw: z.input<typeof ZRemoveMember>) {
  const input = parseInput(ZRemoveMember, raw);
  authorize(ctx, "project.members.manage", projectResource(input.projectId));
  const project = await projectOrThrow(input.projectId);
  await db().$transaction((tx) => changeMembership(tx, ctx, { projectId: project.id, userId: input.userId, role: null }));
}
