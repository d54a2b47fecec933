/**
 * What every server action does, free of Next.js so tests and scripts run
 * the very same path: load the actor, refuse unreadable text (NUL, broken
 * characters) at its field, validate with the action's zod schema, call one
 * domain function, and turn every error into one result shape. Unexpected
 * errors are logged with their stack and never shown verbatim.
 */
import type { z } from "zod";
import type { Actor } from "@/lib/access/policy";
import type { Ctx } from "@/lib/context";
import { fieldErrorsFromZod, toErrorBody, type ErrorBody } from "@/lib/errors";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";
import { knownError, logRefusal } from "./boundary";
import { findUnreadableText } from "./input";

const log = childLogger("action");

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export interface ActionDefinition<S extends z.ZodType, T> {
  name: string;
  schema: S;
  handler: (input: z.output<S>, ctx: Ctx) => Promise<T>;
  /** After success (revalidation of the pages the change shows on). */
  after?: (input: z.output<S>, data: T) => void;
}

/** Who calls: in Next, the session of the request; in tests and scripts, an actor loaded from the database. */
export interface ActionCaller {
  requestId: string;
  actor: () => Promise<Actor | null>;
}

export async function runAction<S extends z.ZodType, T>(def: ActionDefinition<S, T>, raw: unknown, caller: ActionCaller): Promise<ActionResult<T>> {
  const stop = metrics().actionDuration.startTimer({ action: def.name });
  const { requestId } = caller;
  let outcome = "ok";
  const refuse = (error: Omit<ErrorBody, "requestId">): ActionResult<T> => {
    outcome = error.code;
    return { ok: false, error: { ...error, requestId } };
  };
  try {
    const actor = await caller.actor();
    if (!actor) return refuse({ code: "UNAUTHENTICATED", message: "Your session has ended: sign in again." });
    const unreadable = findUnreadableText(raw);
    if (unreadable) {
      log.info({ action: def.name, requestId, field: unreadable.field }, "refused: unreadable text");
      return refuse({ code: "INVALID_INPUT", message: "Some fields need attention.", fieldErrors: { [unreadable.field]: [unreadable.message] } });
    }
    const parsed = def.schema.safeParse(raw);
    if (!parsed.success) return refuse({ code: "INVALID_INPUT", message: "Some fields need attention.", fieldErrors: fieldErrorsFromZod(parsed.error.issues) });
    const data = await def.handler(parsed.data, { actor, requestId });
    def.after?.(parsed.data, data);
    return { ok: true, data };
  } catch (e) {
    const known = knownError(e, raw);
    if (known) {
      logRefusal(log, known, { action: def.name, requestId });
      return refuse(toErrorBody(known));
    }
    outcome = "INTERNAL";
    log.error({ action: def.name, requestId, err: e }, "action failed");
    return { ok: false, error: toErrorBody(e, requestId) };
  } finally {
    stop();
    metrics().actions.inc({ action: def.name, outcome });
  }
}
