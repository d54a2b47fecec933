/**
 * Who may decide and who may see a ticket: the ticket's type names the policy
 * action that decides it; `can()` decides who holds it. Two rules stand above
 * every type: only open tickets are decided, and nobody decides their own
 * request (not even an admin).
 */
import { can, scopeOf, ticketResource, type Action, type Actor } from "@/lib/access/policy";
import type { Prisma } from "@/lib/db/client";
import { Prisma as Sql } from "@/lib/db/generated/client";
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

/** One way into an actor's inbox: open tickets of this type, of these projects (or all), with or without an admin's approval required. */
interface InboxBranch {
  type: string;
  projectIds: string[] | "all";
  requiresAdmin: boolean;
}

/** The branches of an actor's inbox, from each ticket type's decide actions: the one rule `inboxWhere` and `inboxSql` both express. */
function inboxBranches(actor: Actor): InboxBranch[] {
  const branches: InboxBranch[] = [];
  for (const type of allTicketTypes()) {
    const scope = scopeOf(actor, type.decide as Action);
    const elevated = type.decideElevated ? scopeOf(actor, type.decideElevated as Action) : scope;
    const add = (s: typeof scope, requiresAdmin: boolean) => {
      if (s.all) branches.push({ type: type.type, projectIds: "all", requiresAdmin });
      else if (s.projectIds.length) branches.push({ type: type.type, projectIds: s.projectIds, requiresAdmin });
    };
    add(scope, false);
    add(elevated, true);
  }
  return branches;
}

/** Open tickets this actor could decide (the inbox and the sidebar's count), derived from each type's decide actions. */
export function inboxWhere(actor: Actor): Prisma.TicketWhereInput {
  const or: Prisma.TicketWhereInput[] = inboxBranches(actor).map((b) => ({
    type: b.type,
    ...(b.projectIds === "all" ? {} : { projectId: { in: b.projectIds } }),
    requiresAdmin: b.requiresAdmin,
  }));
  return or.length ? { status: "open", requesterId: { not: actor.id }, OR: or } : NONE;
}

/**
 * `inboxWhere` as a condition on "Ticket" for a raw statement: the header's counts read the inbox and the unread
 * notifications in one statement on every page (lib/notifications headerCounts), where two Prisma counts cost
 * 0.6-1.0 ms of CPU (docs/performance.md). Project ids go as one array parameter, not one parameter each.
 */
export function inboxSql(actor: Actor): Sql.Sql {
  const branches = inboxBranches(actor);
  if (!branches.length) return Sql.sql`false`;
  const or = branches.map((b) =>
    b.projectIds === "all"
      ? Sql.sql`(t.type = ${b.type} and t."requiresAdmin" = ${b.requiresAdmin})`
      : Sql.sql`(t.type = ${b.type} and t."requiresAdmin" = ${b.requiresAdmin} and t."projectId" = any(${b.projectIds}::text[]))`,
  );
  return Sql.sql`t.status = 'open' and t."requesterId" <> ${actor.id} and (${Sql.join(or, " or ")})`;
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
