/** Approving, rejecting, cancelling and commenting on tickets. */
import { AppError, parseInput } from "@/lib/errors";
import { db, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import type { Ctx } from "@/lib/context";
import { quotaOf, type QuotaPreset } from "@/lib/provisioning/quota";
import { notify } from "@/lib/notifications";
import { canDecide, canSeeTicket } from "./approval";
import { startRun, syncMembers } from "@/lib/provisioning/start";
import { startRelease } from "@/lib/deploy/releases";
import "./effects";
import { ZComment, ZDecision, type TDecision } from "./schemas";
import type { z } from "zod";

async function lockTicket(tx: Tx, ticketId: string) {
  await tx.$queryRaw`select id from "Ticket" where id = ${ticketId} for update`;
  const ticket = await tx.ticket.findUnique({ where: { id: ticketId }, include: { project: { select: { id: true, slug: true, teamId: true, name: true } } } });
  if (!ticket) throw new AppError("NOT_FOUND", "This ticket no longer exists.");
  return ticket;
}

export async function decideTicket(ctx: Ctx, raw: z.input<typeof ZDecision> | TDecision) {
  const input = parseInput(ZDecision, raw);
  return db().$transaction(async (tx) => {
    const ticket = await lockTicket(tx, input.ticketId);
    if (!canSeeTicket(ctx.actor, ticket)) throw new AppError("NOT_FOUND", "This ticket does not exist or you may not see it.");
    const right = canDecide(ctx.actor, ticket);
    if (!right.allowed) throw new AppError(ticket.status !== "open" ? "PRECONDITION_FAILED" : "FORBIDDEN", right.reason);
    const approve = input.decision === "approve";
    const now = new Date();
    await tx.ticket.update({
      where: { id: ticket.id },
      data: { status: approve ? "approved" : "rejected", decidedById: ctx.actor.id, decidedAt: now, decisionComment: input.comment, version: { increment: 1 } },
    });
    if (input.comment) await tx.ticketComment.create({ data: { ticketId: ticket.id, authorId: ctx.actor.id, body: input.comment } });
    await recordAudit(tx, ctx, {
      action: approve ? "ticket.approve" : "ticket.reject",
      target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
      projectId: ticket.projectId,
      before: { status: ticket.status },
      after: { status: approve ? "approved" : "rejected", comment: input.comment },
    });
    let runId: string | null = null;
    if (approve) runId = await carryOut(tx, ctx, ticket);
    else if (ticket.type === "onboarding" && ticket.projectId) await dropRequestedProject(tx, ctx, ticket.projectId);
    else if (ticket.type === "deploy") await endPendingRelease(tx, ticket.payload, "rejected", input.comment);
    await notify(tx, {
      userIds: [ticket.requesterId],
      teamId: ticket.project?.teamId,
      title: `#${ticket.number} was ${approve ? "approved" : "rejected"} by ${ctx.actor.name}`,
      body: input.comment || ticket.title,
      link: `/tickets/${ticket.number}`,
    });
    return { number: ticket.number, status: approve ? (runId ? "provisioning" : "done") : "rejected", runId };
  });
}

/** Sets an approved ticket in motion; returns the provisioning run, if any. */
async function carryOut(tx: Tx, ctx: Ctx, ticket: Awaited<ReturnType<typeof lockTicket>>): Promise<string | null> {
  const payload = ticket.payload as Record<string, unknown>;
  const projectId = ticket.projectId;
  if (!projectId) throw new AppError("PRECONDITION_FAILED", "The project of this ticket no longer exists.");
  let run: { runId: string } | null = null;
  switch (ticket.type) {
    case "onboarding":
      run = await startRun(tx, ctx, { kind: "onboarding", projectId, ticketId: ticket.id, params: (payload.params as Record<string, unknown>) ?? {} });
      break;
    case "permission": {
      const userId = String(payload.userId);
      const role = payload.role as "owner" | "maintainer" | "developer" | "viewer";
      const before = await tx.projectMember.findUnique({ where: { projectId_userId: { projectId, userId } } });
      await tx.projectMember.upsert({ where: { projectId_userId: { projectId, userId } }, create: { projectId, userId, role }, update: { role } });
      await recordAudit(tx, ctx, {
        action: before ? "member.update" : "member.add",
        target: { type: "member", id: `${projectId}:${userId}`, label: `${ticket.project!.slug}/${String(payload.email)}` },
        projectId,
        before: before ? { userId, role: before.role } : undefined,
        after: { userId, role, ticket: ticket.number },
      });
      run = await syncMembers(tx, ctx, projectId, ticket.id);
      break;
    }
    case "quota": {
      const env = String(payload.environment);
      const quota = quotaOf(payload.preset as QuotaPreset, Number(payload.gpu ?? 0));
      const before = await tx.environment.findUnique({ where: { projectId_kind: { projectId, kind: env as "dev" } } });
      if (!before) throw new AppError("PRECONDITION_FAILED", `The ${env} environment no longer exists.`);
      await tx.environment.update({ where: { id: before.id }, data: { quotaPreset: String(payload.preset), quota } });
      await recordAudit(tx, ctx, {
        action: "environment.quota",
        target: { type: "environment", id: before.id, label: `${ticket.project!.slug}/${env}` },
        projectId,
        before: { preset: before.quotaPreset, quota: before.quota },
        after: { preset: payload.preset, quota },
      });
      run = await startRun(tx, ctx, { kind: "quota", projectId, ticketId: ticket.id, onlyEnvironment: env });
      break;
    }
    case "archive":
      run = await startRun(tx, ctx, { kind: "archive", projectId, ticketId: ticket.id });
      break;
    case "deploy":
      run = { runId: await startRelease(tx, ctx, String(payload.releaseId)) };
      break;
  }
  const status = run && run.runId ? "provisioning" : "done";
  // A run with no steps (nothing provisioned yet) has finished already and closed nothing: close the ticket here.
  const finished = run ? await tx.provisioningRun.findUnique({ where: { id: run.runId }, select: { status: true } }) : null;
  await tx.ticket.update({
    where: { id: ticket.id },
    data: { status: finished && finished.status !== "running" ? (finished.status === "succeeded" ? "done" : "failed") : status },
  });
  return run?.runId ?? null;
}

/** A rejected onboarding request frees its slug: the requested project goes, the ticket keeps the request. */
async function dropRequestedProject(tx: Tx, ctx: Ctx, projectId: string) {
  const project = await tx.project.findUnique({ where: { id: projectId } });
  if (!project || project.lifecycle !== "requested") return;
  await tx.project.delete({ where: { id: projectId } });
  await recordAudit(tx, ctx, { action: "project.request.drop", target: { type: "project", id: projectId, label: project.slug }, projectId, before: project });
}

/** A production release waiting for its ticket ends with the ticket's decision. */
async function endPendingRelease(tx: Tx, payload: unknown, status: "rejected" | "cancelled", reason: string) {
  const releaseId = String((payload as { releaseId?: string }).releaseId ?? "");
  await tx.release.updateMany({ where: { id: releaseId, status: "pending_approval" }, data: { status, reason, finishedAt: new Date() } });
}

export async function cancelTicket(ctx: Ctx, ticketId: string) {
  return db().$transaction(async (tx) => {
    const ticket = await lockTicket(tx, ticketId);
    if (ticket.requesterId !== ctx.actor.id && ctx.actor.platformRole !== "admin")
      throw new AppError("FORBIDDEN", "Only the requester (or an admin) cancels a request.");
    if (ticket.status !== "open") throw new AppError("PRECONDITION_FAILED", `This ticket is ${ticket.status}; only open tickets can be cancelled.`);
    await tx.ticket.update({ where: { id: ticket.id }, data: { status: "cancelled", version: { increment: 1 } } });
    if (ticket.type === "onboarding" && ticket.projectId) await dropRequestedProject(tx, ctx, ticket.projectId);
    if (ticket.type === "deploy") await endPendingRelease(tx, ticket.payload, "cancelled", "cancelled by the requester");
    await recordAudit(tx, ctx, {
      action: "ticket.cancel",
      target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
      projectId: ticket.projectId,
      before: { status: "open" },
      after: { status: "cancelled" },
    });
    return { number: ticket.number };
  });
}

export async function commentOnTicket(ctx: Ctx, raw: z.input<typeof ZComment>) {
  const input = parseInput(ZComment, raw);
  return db().$transaction(async (tx) => {
    const ticket = await lockTicket(tx, input.ticketId);
    if (!canSeeTicket(ctx.actor, ticket)) throw new AppError("NOT_FOUND", "This ticket does not exist or you may not see it.");
    const comment = await tx.ticketComment.create({ data: { ticketId: ticket.id, authorId: ctx.actor.id, body: input.body } });
    await recordAudit(tx, ctx, {
      action: "ticket.comment",
      target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
      projectId: ticket.projectId,
      after: { body: input.body },
    });
    const others = new Set([
      ticket.requesterId,
      ...(await tx.ticketComment.findMany({ where: { ticketId: ticket.id }, select: { authorId: true } })).map((c) => c.authorId),
    ]);
    others.delete(ctx.actor.id);
    await notify(tx, {
      userIds: [...others],
      title: `${ctx.actor.name} commented on #${ticket.number}`,
      body: input.body.slice(0, 200),
      link: `/tickets/${ticket.number}`,
    });
    return { id: comment.id };
  });
}
