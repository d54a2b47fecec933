/** Reading tickets: the approver's inbox, a requester's own, one ticket with its thread, history, plan and provisioning. */
import { db, type Prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { getRun, RUN_WITH_STEPS } from "@/lib/provisioning/engine";
import type { StepDraft } from "@/lib/provisioning/registry";
import { childLogger } from "@/lib/log";
import { canSeeTicket, decidesTickets, inboxWhere, visibleWhere } from "./approval";
import { parseTicket, ticketRights } from "./engine";
import { allTicketTypes, ticketType, type TicketView } from "./types";
import type { TTicketListQuery } from "./schemas";

const log = childLogger("tickets");
const PAGE = 25;

export async function countInbox(ctx: Ctx) {
  authorize(ctx, "ticket.read", platform);
  return db().ticket.count({ where: inboxWhere(ctx.actor) });
}

/** The ticket types people can filter by, with their labels. */
export function ticketTypeOptions() {
  return allTicketTypes().map((t) => ({ value: t.type, label: t.label }));
}

export async function listTickets(ctx: Ctx, q: TTicketListQuery) {
  authorize(ctx, "ticket.read", platform);
  const view = q.view ?? (decidesTickets(ctx.actor) ? "inbox" : "mine");
  const scope = view === "inbox" ? inboxWhere(ctx.actor) : view === "mine" ? { requesterId: ctx.actor.id } : visibleWhere(ctx.actor);
  const and: Prisma.TicketWhereInput[] = [scope];
  if (q.type) and.push({ type: q.type });
  if (q.status === "active") and.push({ status: { in: ["open", "approved", "provisioning"] } });
  else if (q.status) and.push({ status: q.status });
  if (q.age) and.push({ createdAt: { lt: new Date(Date.now() - q.age * 86_400_000) } });
  const where: Prisma.TicketWhereInput = { AND: and };
  const [total, tickets] = await Promise.all([
    db().ticket.count({ where }),
    db().ticket.findMany({
      where,
      orderBy: { createdAt: view === "inbox" ? "asc" : "desc" },
      skip: (q.page - 1) * PAGE,
      take: PAGE,
      include: { requester: { select: { name: true } }, project: { select: { slug: true, name: true } }, _count: { select: { comments: true } } },
    }),
  ]);
  const labels = new Map(allTicketTypes().map((t) => [t.type, t.label]));
  return {
    view,
    total,
    page: q.page,
    pages: Math.max(1, Math.ceil(total / PAGE)),
    tickets: tickets.map((t) => ({ ...t, typeLabel: labels.get(t.type) ?? t.type })),
  };
}

export async function getTicket(ctx: Ctx, number: number) {
  authorize(ctx, "ticket.read", platform);
  const row = await db().ticket.findUnique({
    where: { number },
    include: {
      requester: { select: { id: true, name: true, email: true } },
      decidedBy: { select: { name: true } },
      project: { select: { id: true, slug: true, name: true, lifecycle: true, teamId: true } },
      comments: { orderBy: { createdAt: "asc" }, include: { author: { select: { name: true } } } },
      runs: { orderBy: { createdAt: "desc" }, select: { id: true } },
    },
  });
  // Checked before anything else is read: a ticket one may not see reads exactly like one that does not exist.
  if (!row || !canSeeTicket(ctx.actor, row)) throw new AppError("NOT_FOUND", `There is no ticket #${number}, or you may not see it.`);
  const type = ticketType(row.type);
  const ticket = parseTicket(row);
  const [history, run] = await Promise.all([
    db().auditEvent.findMany({ where: { targetType: "ticket", targetId: row.id }, orderBy: { at: "asc" } }),
    row.runs[0] ? getRun(row.runs[0].id) : Promise.resolve(null),
  ]);
  // Before the decision, the plan is what approving would do now.
  let plan: StepDraft[] | null = null;
  let planError = "";
  if (!run && row.status === "open" && type.plan) {
    try {
      plan = await type.plan(ctx, ticket);
    } catch (e) {
      planError = e instanceof AppError ? e.userMessage : "The plan could not be computed.";
      if (!(e instanceof AppError)) log.warn({ err: e, ticket: row.number }, "ticket plan failed");
    }
  }
  const view: TicketView = await type.view(ctx, ticket);
  return {
    ...row,
    typeLabel: type.label,
    failedHint: type.failedHint ?? "",
    view,
    history,
    run,
    plan,
    planError,
    rights: ticketRights(ctx, row),
  };
}

export type TicketDetail = Awaited<ReturnType<typeof getTicket>>;

/** The live part of a ticket page (polled): status and steps. */
export async function getTicketProgress(ctx: Ctx, number: number) {
  authorize(ctx, "ticket.read", platform);
  // One snapshot: read apart, the ticket could say "provisioning" and its run, read a moment later, say every step is
  // done (the last step's transaction closed the ticket in between), and the page would show both.
  return db().$transaction(
    async (tx) => {
      const row = await tx.ticket.findUnique({
        where: { number },
        select: {
          id: true,
          status: true,
          requesterId: true,
          projectId: true,
          project: { select: { lifecycle: true } },
          runs: { orderBy: { createdAt: "desc" }, take: 1, select: { id: true } },
        },
      });
      if (!row || !canSeeTicket(ctx.actor, row)) throw new AppError("NOT_FOUND", `There is no ticket #${number}, or you may not see it.`);
      return {
        status: row.status,
        projectLifecycle: row.project?.lifecycle ?? null,
        run: row.runs[0] ? await tx.provisioningRun.findUnique({ where: { id: row.runs[0].id }, include: RUN_WITH_STEPS }) : null,
      };
    },
    { isolationLevel: "RepeatableRead" },
  );
}
