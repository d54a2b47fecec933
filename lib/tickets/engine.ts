/**
 * The ticket engine, generic over the registered ticket types: open a
 * request, approve or reject it, cancel it, comment on it, and close it when
 * the provisioning its approval started ends. It never names a type; what a
 * type does is asked of its declaration (./types.ts).
 */
import { AppError, parseInput } from "@/lib/errors";
import { db, type Prisma, type Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { can, ticketResource } from "@/lib/access/policy";
import { announceInboxChange, notify } from "@/lib/notifications";
import type { RunFinisher } from "@/lib/provisioning/registry";
import { canDecide, canSeeTicket } from "./approval";
import { ticketType, type TicketOf } from "./types";
import { ZComment, ZDecision, type TDecision } from "./schemas";
import type { z } from "zod";

const TICKET_INCLUDE = { project: { select: { id: true, slug: true, name: true, teamId: true, lifecycle: true } } } as const;
type TicketRow = Prisma.TicketGetPayload<{ include: typeof TICKET_INCLUDE }>;

/** The row with its payload parsed by its type's schema. A payload that no longer parses is reported, never guessed at. */
export function parseTicket<P = unknown>(row: TicketRow): TicketOf<P> {
  const type = ticketType(row.type);
  const parsed = type.payload.safeParse(row.payload);
  if (!parsed.success) {
    throw new AppError("PRECONDITION_FAILED", `Ticket #${row.number}'s request does not match what a ${type.label.toLowerCase()} request holds any more.`, {
      message: `ticket ${row.id} payload: ${parsed.error.message}`,
    });
  }
  return { ...row, payload: parsed.data as P };
}

async function lockTicket(tx: Tx, ticketId: string): Promise<TicketRow> {
  await tx.$queryRaw`select id from "Ticket" where id = ${ticketId} for update`;
  const ticket = await tx.ticket.findUnique({ where: { id: ticketId }, include: TICKET_INCLUDE });
  if (!ticket) throw new AppError("NOT_FOUND", "This ticket does not exist or you may not see it.");
  return ticket;
}

/** Locks a ticket the actor may see; one that exists but is hidden from them reads as not found. */
async function lockVisibleTicket(tx: Tx, ctx: Ctx, ticketId: string): Promise<TicketRow> {
  const ticket = await lockTicket(tx, ticketId);
  if (!canSeeTicket(ctx.actor, ticket)) throw new AppError("NOT_FOUND", "This ticket does not exist or you may not see it.");
  return ticket;
}

/**
 * Opens a ticket of a registered type in the caller's transaction: the
 * payload is checked against the type's schema, the creation is audited and
 * the team that approves is told. Returns its number and id.
 */
export async function openTicket<P>(
  tx: Tx,
  ctx: Ctx,
  data: { type: string; title: string; projectId: string | null; teamId?: string | null; payload: P; requiresAdmin?: boolean },
): Promise<{ number: number; id: string }> {
  const type = ticketType(data.type);
  const payload = type.payload.parse(data.payload) as Prisma.InputJsonValue;
  const ticket = await tx.ticket.create({
    data: { type: type.type, title: data.title, requesterId: ctx.actor.id, projectId: data.projectId, payload, requiresAdmin: data.requiresAdmin ?? false },
  });
  await recordAudit(tx, ctx, {
    action: "ticket.create",
    target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
    projectId: data.projectId,
    after: { type: type.type, title: ticket.title, payload },
  });
  await notify(tx, { userIds: [], teamId: data.teamId, title: `New request #${ticket.number}: ${ticket.title}`, link: `/tickets/${ticket.number}` });
  await announceInboxChange(tx);
  return { number: ticket.number, id: ticket.id };
}

/** An open ticket of this type for this project (and requester), if any: the same request is not opened twice. */
export async function refuseDuplicate(
  type: string,
  projectId: string,
  requesterId: string | null,
  same: (payload: Prisma.JsonValue) => boolean = () => true,
): Promise<void> {
  const open = await db().ticket.findMany({
    where: { type, projectId, status: "open", ...(requesterId ? { requesterId } : {}) },
    select: { number: true, payload: true },
  });
  const dup = open.find((t) => same(t.payload));
  if (dup) throw new AppError("ALREADY_EXISTS", `This request is already open as ticket #${dup.number}.`);
}

export async function decideTicket(ctx: Ctx, raw: z.input<typeof ZDecision> | TDecision) {
  const input = parseInput(ZDecision, raw);
  return db().$transaction(async (tx) => {
    const row = await lockVisibleTicket(tx, ctx, input.ticketId);
    const right = canDecide(ctx.actor, row);
    if (!right.allowed) throw new AppError(row.status !== "open" ? "PRECONDITION_FAILED" : "FORBIDDEN", right.reason);
    const ticket = parseTicket(row);
    const type = ticketType(row.type);
    const approve = input.decision === "approve";
    await tx.ticket.update({
      where: { id: row.id },
      data: {
        status: approve ? "approved" : "rejected",
        decidedById: ctx.actor.id,
        decidedAt: new Date(),
        decisionComment: input.comment,
        version: { increment: 1 },
      },
    });
    if (input.comment) await tx.ticketComment.create({ data: { ticketId: row.id, authorId: ctx.actor.id, body: input.comment } });
    await recordAudit(tx, ctx, {
      action: approve ? "ticket.approve" : "ticket.reject",
      target: { type: "ticket", id: row.id, label: `#${row.number}` },
      projectId: row.projectId,
      before: { status: row.status },
      after: { status: approve ? "approved" : "rejected", comment: input.comment },
    });
    let runId: string | null = null;
    let status: string = "rejected";
    if (approve) {
      runId = (await type.approve(tx, ctx, ticket)).runId;
      status = await statusAfterApproval(tx, row.id, runId);
    } else {
      await type.withdraw?.(tx, ctx, ticket, "rejected", input.comment);
    }
    await notify(tx, {
      userIds: [row.requesterId],
      teamId: row.project?.teamId,
      title: `#${row.number} was ${approve ? "approved" : "rejected"} by ${ctx.actor.name}`,
      body: input.comment || row.title,
      link: `/tickets/${row.number}`,
    });
    await announceInboxChange(tx);
    return { number: row.number, status, runId };
  });
}

/** After approval: following its run, or done when approval completed it (or its run had no steps and ended already). */
async function statusAfterApproval(tx: Tx, ticketId: string, runId: string | null): Promise<string> {
  const run = runId ? await tx.provisioningRun.findUnique({ where: { id: runId }, select: { status: true } }) : null;
  const status = !run ? "done" : run.status === "running" ? "provisioning" : run.status === "succeeded" ? "done" : "failed";
  await tx.ticket.update({ where: { id: ticketId }, data: { status } });
  return status;
}

export async function cancelTicket(ctx: Ctx, ticketId: string) {
  return db().$transaction(async (tx) => {
    const row = await lockVisibleTicket(tx, ctx, ticketId);
    authorize(ctx, "ticket.cancel", ticketResource(row));
    if (row.status !== "open") throw new AppError("PRECONDITION_FAILED", `This ticket is ${row.status}; only open tickets can be cancelled.`);
    await tx.ticket.update({ where: { id: row.id }, data: { status: "cancelled", version: { increment: 1 } } });
    await ticketType(row.type).withdraw?.(tx, ctx, parseTicket(row), "cancelled", "cancelled by the requester");
    await recordAudit(tx, ctx, {
      action: "ticket.cancel",
      target: { type: "ticket", id: row.id, label: `#${row.number}` },
      projectId: row.projectId,
      before: { status: "open" },
      after: { status: "cancelled" },
    });
    await announceInboxChange(tx);
    return { number: row.number };
  });
}

export async function commentOnTicket(ctx: Ctx, raw: z.input<typeof ZComment>) {
  const input = parseInput(ZComment, raw);
  return db().$transaction(async (tx) => {
    const row = await lockVisibleTicket(tx, ctx, input.ticketId);
    authorize(ctx, "ticket.comment", ticketResource(row));
    const comment = await tx.ticketComment.create({ data: { ticketId: row.id, authorId: ctx.actor.id, body: input.body } });
    await recordAudit(tx, ctx, {
      action: "ticket.comment",
      target: { type: "ticket", id: row.id, label: `#${row.number}` },
      projectId: row.projectId,
      after: { body: input.body },
    });
    const others = new Set([
      row.requesterId,
      ...(await tx.ticketComment.findMany({ where: { ticketId: row.id }, select: { authorId: true } })).map((c) => c.authorId),
    ]);
    others.delete(ctx.actor.id);
    await notify(tx, {
      userIds: [...others],
      title: `${ctx.actor.name} commented on #${row.number}`,
      body: input.body.slice(0, 200),
      link: `/tickets/${row.number}`,
    });
    return { id: comment.id };
  });
}

/** What the actor may do on a ticket they see: the page shows only these. */
export function ticketRights(
  ctx: Ctx,
  row: { id: string; type: string; status: string; requesterId: string; projectId: string | null; requiresAdmin: boolean },
) {
  const decision = canDecide(ctx.actor, row);
  const resource = ticketResource(row);
  return {
    decide: decision.allowed,
    decideReason: decision.allowed ? "" : decision.reason,
    cancel: row.status === "open" && can(ctx.actor, "ticket.cancel", resource),
    comment: can(ctx.actor, "ticket.comment", resource),
    retry: can(ctx.actor, "provisioning.retry", { kind: "platform" }),
  };
}

/** The end of a run closes the ticket that started it, with the type's news for the requester. */
export const closeTicketOfRun: RunFinisher = async (tx, run, outcome) => {
  if (!run.ticketId) return;
  const ticket = await tx.ticket.findUnique({ where: { id: run.ticketId }, include: { project: { select: { teamId: true } } } });
  if (!ticket || ticket.status !== "provisioning") return;
  const status = outcome === "succeeded" ? "done" : "failed";
  await tx.ticket.update({ where: { id: ticket.id }, data: { status, version: { increment: 1 } } });
  await recordAudit(tx, systemCtx(`ticket-${ticket.number}`), {
    action: `ticket.${status}`,
    target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
    projectId: ticket.projectId,
    before: { status: ticket.status },
    after: { status },
  });
  const news = ticketType(ticket.type).news;
  await notify(tx, {
    userIds: [ticket.requesterId],
    teamId: ticket.project?.teamId,
    title: `#${ticket.number} ${outcome === "succeeded" ? (news?.done ?? "is done") : (news?.failed ?? "failed on a cluster")}`,
    body: ticket.title,
    link: `/tickets/${ticket.number}`,
  });
};

/** A failed run retried by hand puts its ticket back to provisioning. */
export const reopenTicketOfRun: RunFinisher = async (tx, run) => {
  if (!run.ticketId) return;
  await tx.ticket.updateMany({ where: { id: run.ticketId, status: "failed" }, data: { status: "provisioning", version: { increment: 1 } } });
};
