/**
 * Who may decide and who may see a ticket: the ticket's type names the policy
 * action that decides it; `can()` decides who holds it. Two rules stand above
 * every type: only open tickets are decided, and nobody decides their own
 * request (not even an admin).
 */
import { can, scopeOf, ticketResource, type Action, type Actor } from "@/lib/access/policy";
import type { Prisma } from "@/lib/db/client";
import { allTicketTypes, ticketType } from "./types";

export interface TicketForDecision {
  id?: string;
  type: string;
  status: string;
  requesterId: string;
  projectId: string | null;
  requiresAdmin: boolean;
}

export type DecisionRight = { allowed: true } | { allowed: false; reason: string };

export function canDecide(actor: Actor, t: TicketForDecision): DecisionRight {
  if (t.status !== "open") return { allowed: false, reason: `This ticket is ${t.status}; only open tickets are decided.` };
  if (actor.id === t.requesterId) return { allowed: false, reason: "You cannot decide your own request: another approver must." };
  const type = ticketType(t.type);
  const elevated = t.requiresAdmin && type.decideElevated;
  const action = (elevated ? type.decideElevated! : type.decide) as Action;
  if (can(actor, action, ticketResource(t))) return { allowed: true };
  return { allowed: false, reason: elevated ? (type.whoDecidesElevated ?? type.whoDecides) : type.whoDecides };
}

/** Who may see a ticket: its requester, and whoever the policy lets see tickets of its project (approvers, managers, members). */
export function canSeeTicket(actor: Actor, t: Pick<TicketForDecision, "id" | "requesterId" | "projectId">): boolean {
  return can(actor, "ticket.view", ticketResource(t));
}

const NONE: Prisma.TicketWhereInput = { id: "__none__" };

/** Open tickets this actor could decide (the inbox and the sidebar's count), derived from each type's decide actions. */
export function inboxWhere(actor: Actor): Prisma.TicketWhereInput {
  const or: Prisma.TicketWhereInput[] = [];
  for (const type of allTicketTypes()) {
    const scope = scopeOf(actor, type.decide as Action);
    const elevated = type.decideElevated ? scopeOf(actor, type.decideElevated as Action) : scope;
    const add = (s: typeof scope, where: Prisma.TicketWhereInput) => {
      if (s.all) or.push({ type: type.type, ...where });
      else if (s.projectIds.length) or.push({ type: type.type, projectId: { in: s.projectIds }, ...where });
    };
    add(scope, { requiresAdmin: false });
    add(elevated, { requiresAdmin: true });
  }
  return or.length ? { status: "open", requesterId: { not: actor.id }, OR: or } : NONE;
}

/** Tickets this actor may see at all. */
export function visibleWhere(actor: Actor): Prisma.TicketWhereInput {
  const scope = scopeOf(actor, "ticket.view");
  if (scope.all) return {};
  return { OR: [{ requesterId: actor.id }, { projectId: { in: scope.projectIds } }] };
}

/** True when some ticket type could reach this actor's inbox: approvers land on their inbox, others on their own requests. */
export function decidesTickets(actor: Actor): boolean {
  return inboxWhere(actor) !== NONE;
}
