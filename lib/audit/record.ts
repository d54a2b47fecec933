/**
 * Audit: who did what to what, when, with the state before and after.
 * Always called with the transaction that makes the change, so an audit
 * record exists exactly when the change does.
 */
import type { Prisma, Tx } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";

export interface AuditInput {
  action: string;
  target: { type: string; id: string; label?: string };
  projectId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Dates become ISO strings, undefined is dropped, secrets never pass. */
function snapshot(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value, (key, v) => (/kubeconfig|secret|password|token/i.test(key) ? "[redacted]" : v))) as Prisma.InputJsonValue;
}

export async function recordAudit(tx: Tx, ctx: Ctx, input: AuditInput) {
  await tx.auditEvent.create({
    data: {
      actorId: ctx.actor.kind === "user" ? ctx.actor.id : null,
      actorLabel: ctx.actor.kind === "user" ? ctx.actor.email : "system",
      action: input.action,
      targetType: input.target.type,
      targetId: input.target.id,
      targetLabel: input.target.label ?? "",
      projectId: input.projectId ?? null,
      before: snapshot(input.before),
      after: snapshot(input.after),
      requestId: ctx.requestId,
    },
  });
}
