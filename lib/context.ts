/** What every domain function receives: who acts, and the request that carries it (for audit). */
import { randomUUID } from "node:crypto";
import { AppError } from "./errors";
import { can, SYSTEM_ACTOR, type Action, type Actor, type Resource } from "./access/policy";

export interface Ctx {
  actor: Actor;
  requestId: string;
}

export function systemCtx(requestId: string = `job-${randomUUID()}`): Ctx {
  return { actor: SYSTEM_ACTOR, requestId };
}

/** Throws FORBIDDEN unless `can(actor, action, resource)`. */
export function authorize(ctx: Ctx, action: Action, resource: Resource): void {
  if (!can(ctx.actor, action, resource)) {
    throw new AppError("FORBIDDEN", "You do not have permission to do this.", {
      message: `${ctx.actor.email} may not ${action} on ${JSON.stringify(resource)}`,
    });
  }
}
