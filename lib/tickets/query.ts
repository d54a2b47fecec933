/** Reading tickets: the ops inbox, a requester's own, one ticket with its thread, history and provisioning. */
import { db, type Prisma } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { platform, type Actor } from "@/lib/access/policy";
import { computePlan, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { canDecide, canSeeTicket } from "./approval";
import type { TTicketListQuery } from "./schemas";

const PAGE = 25;

/** Open tickets this actor could decide: what the sidebar counts and the inbox lists. */
function inboxWhere(actor: Actor): Prisma.TicketWhereInput {
  const notMine = { requesterId: { not: actor.id } };
  if (actor.platformRole === "admin") return { status: "open", ...notMine };
  const owned = Object.entries(actor.projectRoles)
    .filter(([, r]) => r === "owner")
    .map(([id]) => id);
  const or: Prisma.TicketWhereInput[] = [];
  if (actor.platformRole === "ops")
    or.push({ type: { in: ["onboarding", "quota"] }, requiresAdmin: false }, { type: { in: ["permission", "archive", "deploy"] } });
  if (owned.length) or.push({ type: "permission", projectId: { in: owned } });
  return or.length ? { status: "open", ...notMine, OR: or } : { id: "none" };
}

/** Tickets this actor may see at all. */
function visibleWhere(actor: Actor): Prisma.TicketWhereInput {
  if (["admin", "ops", "manager"].includes(actor.platformRole)) return {};
  return { OR: [{ requesterId: actor.id }, { projectId: { in: Object.keys(actor.projectRoles) } }] };
}

export async function countInbox(ctx: Ctx) {
  authorize(ctx, "ticket.read", platform);
  return db().ticket.count({ where: inboxWhere(ctx.actor) });
}

export async function listTickets(ctx: Ctx, q: TTicketListQuery) {
  authorize(ctx, "ticket.read", platform);
  const view = q.view ?? (ctx.actor.platformRole === "developer" ? "mine" : "inbox");
  const where: Prisma.TicketWhereInput = {
    AND: [view === "inbox" ? inboxWhere(ctx.actor) : view === "mine" ? { requesterId: ctx.actor.id } : visibleWhere(ctx.actor)],
  };
  const and = where.AND as Prisma.TicketWhereInput[];
  if (q.type) and.push({ type: q.type });
  if (q.status === "active") and.push({ status: { in: ["open", "approved", "provisioning"] } });
  else if (q.status) and.push({ status: q.status });
  if (q.age) and.push({ createdAt: { lt: new Date(Date.now() - q.age * 86_400_000) } });
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
  return { view, total, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE)), tickets };
}

export async function getTicket(ctx: Ctx, number: number) {
  authorize(ctx, "ticket.read", platform);
  const ticket = await db().ticket.findUnique({
    where: { number },
    include: {
      requester: { select: { id: true, name: true, email: true } },
      decidedBy: { select: { name: true } },
      project: { select: { id: true, slug: true, name: true, lifecycle: true } },
      comments: { orderBy: { createdAt: "asc" }, include: { author: { select: { name: true } } } },
      runs: { orderBy: { createdAt: "desc" }, select: { id: true } },
    },
  });
  if (!ticket || !canSeeTicket(ctx.actor, ticket)) throw new AppError("NOT_FOUND", `There is no ticket #${number}, or you may not see it.`);
  const history = await db().auditEvent.findMany({ where: { targetType: "ticket", targetId: ticket.id }, orderBy: { at: "asc" } });
  const run = ticket.runs[0] ? await getRun(ticket.runs[0].id) : null;
  // Before approval the plan is what approving would do, computed from the catalog as it is now.
  let plan: ReturnType<typeof computePlan> | null = null;
  if (!run && ticket.projectId && ticket.status === "open" && ticket.type !== "deploy") {
    const kind = ticket.type === "permission" ? "member_sync" : ticket.type;
    try {
      const input = await loadPlanInput(ticket.projectId, kind, (ticket.payload as { params?: Record<string, unknown> }).params ?? {});
      if (ticket.type === "quota") input.environments = input.environments.filter((e) => e.kind === (ticket.payload as { environment: string }).environment);
      plan = computePlan(input);
    } catch {
      plan = null;
    }
  }
  const decision = canDecide(ctx.actor, ticket);
  return {
    ...ticket,
    history,
    run,
    plan,
    rights: {
      decide: decision.allowed,
      decideReason: decision.allowed ? "" : decision.reason,
      cancel: ticket.status === "open" && (ticket.requesterId === ctx.actor.id || ctx.actor.platformRole === "admin"),
      retry: ctx.actor.platformRole === "ops" || ctx.actor.platformRole === "admin",
    },
  };
}

export type TicketDetail = Awaited<ReturnType<typeof getTicket>>;

/** The live part of a ticket page (polled): status and steps. */
export async function getTicketProgress(ctx: Ctx, number: number) {
  const t = await getTicket(ctx, number);
  return { status: t.status, projectLifecycle: t.project?.lifecycle ?? null, run: t.run };
}
