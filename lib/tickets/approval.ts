/**
 * Who may approve a ticket (pure, so it is tested as a table):
 * - nobody approves their own request;
 * - onboarding and quota: ops or admin; an admin when the request needs one
 *   (quota above the presets, or GPUs);
 * - permission: the project's owner, ops or admin;
 * - archive and production deploys: ops or admin.
 */
import type { Actor } from "@/lib/access/policy";

export interface TicketForDecision {
  type: "onboarding" | "permission" | "quota" | "archive" | "deploy";
  status: string;
  requesterId: string;
  projectId: string | null;
  requiresAdmin: boolean;
}

export type DecisionRight = { allowed: true } | { allowed: false; reason: string };

export function canDecide(actor: Actor, t: TicketForDecision): DecisionRight {
  if (t.status !== "open") return { allowed: false, reason: `This ticket is ${t.status}; only open tickets are decided.` };
  if (actor.id === t.requesterId) return { allowed: false, reason: "You cannot decide your own request: another approver must." };
  const role = actor.platformRole;
  if (role === "admin") return { allowed: true };
  switch (t.type) {
    case "onboarding":
    case "quota":
      if (role !== "ops") return { allowed: false, reason: "Ops or an admin approve this request." };
      if (t.requiresAdmin) return { allowed: false, reason: "This request asks for GPUs or more than the largest quota preset: an admin approves it." };
      return { allowed: true };
    case "permission":
      if (role === "ops") return { allowed: true };
      if (t.projectId && actor.projectRoles[t.projectId] === "owner") return { allowed: true };
      return { allowed: false, reason: "The project's owner, ops or an admin approve access requests." };
    case "archive":
      return role === "ops" ? { allowed: true } : { allowed: false, reason: "Ops or an admin approve archiving." };
    case "deploy":
      return role === "ops" ? { allowed: true } : { allowed: false, reason: "Ops or an admin approve production deploys." };
  }
}

/** Who may see a ticket: its requester, approvers (ops, admin), managers (read-only), and the project's members. */
export function canSeeTicket(actor: Actor, t: Pick<TicketForDecision, "requesterId" | "projectId">): boolean {
  if (actor.id === t.requesterId) return true;
  if (actor.platformRole === "admin" || actor.platformRole === "ops" || actor.platformRole === "manager") return true;
  return Boolean(t.projectId && actor.projectRoles[t.projectId]);
}
