/** Access, quota and archive requests on an existing project. */
import { AppError, parseInput } from "@/lib/errors";
import { db, type Prisma } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { describeQuota, needsAdmin, quotaOf, type QuotaPreset } from "@/lib/provisioning/quota";
import { notify } from "@/lib/notifications";
import { ZArchiveRequest, ZPermissionRequest, ZQuotaRequest, type TArchiveRequest, type TPermissionRequest, type TQuotaRequest } from "./schemas";
import type { z } from "zod";

async function activeProject(projectId: string) {
  const project = await db().project.findUnique({ where: { id: projectId }, select: { id: true, slug: true, name: true, lifecycle: true, teamId: true } });
  if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
  if (project.lifecycle !== "active") throw new AppError("PRECONDITION_FAILED", `${project.name} is ${project.lifecycle}: requests are for active projects.`);
  return project;
}

async function refuseDuplicate(
  type: "permission" | "quota" | "archive",
  projectId: string,
  requesterId: string | null,
  extra?: (payload: Prisma.JsonValue) => boolean,
) {
  const open = await db().ticket.findMany({
    where: { type, projectId, status: "open", ...(requesterId ? { requesterId } : {}) },
    select: { number: true, payload: true },
  });
  const same = open.find((t) => (extra ? extra(t.payload) : true));
  if (same) throw new AppError("ALREADY_EXISTS", `This request is already open as ticket #${same.number}.`);
}

/** Opens a ticket and tells the approvers' team; returns its number. */
async function openTicket(
  ctx: Ctx,
  data: { type: "permission" | "quota" | "archive"; title: string; projectId: string; teamId: string; payload: object; requiresAdmin?: boolean },
) {
  return db().$transaction(async (tx) => {
    const ticket = await tx.ticket.create({
      data: {
        type: data.type,
        title: data.title,
        requesterId: ctx.actor.id,
        projectId: data.projectId,
        payload: data.payload as Prisma.InputJsonValue,
        requiresAdmin: data.requiresAdmin ?? false,
      },
    });
    await recordAudit(tx, ctx, {
      action: "ticket.create",
      target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
      projectId: data.projectId,
      after: { type: ticket.type, title: ticket.title, payload: data.payload },
    });
    await notify(tx, { userIds: [], teamId: data.teamId, title: `New request #${ticket.number}: ${ticket.title}`, link: `/tickets/${ticket.number}` });
    return { number: ticket.number, id: ticket.id };
  });
}

export async function requestAccess(ctx: Ctx, raw: z.input<typeof ZPermissionRequest> | TPermissionRequest) {
  const input = parseInput(ZPermissionRequest, raw);
  authorize(ctx, "project.access.request", projectResource(input.projectId));
  const project = await activeProject(input.projectId);
  const current = ctx.actor.projectRoles[project.id];
  if (current === input.role)
    throw new AppError("PRECONDITION_FAILED", `You are already ${input.role} of ${project.name}.`, { fieldErrors: { role: [`You already have this role`] } });
  await refuseDuplicate("permission", project.id, ctx.actor.id);
  return openTicket(ctx, {
    type: "permission",
    title: `${ctx.actor.name} asks to be ${input.role} of ${project.name}`,
    projectId: project.id,
    teamId: project.teamId,
    payload: { userId: ctx.actor.id, email: ctx.actor.email, role: input.role, currentRole: current ?? null, reason: input.reason },
  });
}

export async function requestQuota(ctx: Ctx, raw: z.input<typeof ZQuotaRequest> | TQuotaRequest) {
  const input = parseInput(ZQuotaRequest, raw);
  authorize(ctx, "project.quota.request", projectResource(input.projectId));
  const project = await activeProject(input.projectId);
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId: project.id, kind: input.environment } },
    include: { project: { select: { templateId: true } } },
  });
  if (!env)
    throw new AppError("INVALID_INPUT", `${project.name} has no ${input.environment} environment.`, {
      fieldErrors: { environment: ["Choose one of the project's environments"] },
    });
  await refuseDuplicate("quota", project.id, null, (p) => (p as { environment?: string }).environment === input.environment);
  const quota = quotaOf(input.preset as QuotaPreset, input.gpu);
  return openTicket(ctx, {
    type: "quota",
    title: `Quota of ${project.slug}-${input.environment}: ${input.preset}${input.gpu ? ` + ${input.gpu} GPU` : ""}`,
    projectId: project.id,
    teamId: project.teamId,
    requiresAdmin: needsAdmin(quota),
    payload: {
      environment: input.environment,
      preset: input.preset,
      gpu: input.gpu,
      quota,
      describe: describeQuota(quota),
      previous: env.quota,
      reason: input.reason,
    },
  });
}

export async function requestArchive(ctx: Ctx, raw: z.input<typeof ZArchiveRequest> | TArchiveRequest) {
  const input = parseInput(ZArchiveRequest, raw);
  authorize(ctx, "project.archive.request", projectResource(input.projectId));
  const project = await activeProject(input.projectId);
  await refuseDuplicate("archive", project.id, null);
  return openTicket(ctx, {
    type: "archive",
    title: `Archive ${project.name}`,
    projectId: project.id,
    teamId: project.teamId,
    payload: { reason: input.reason },
  });
}
