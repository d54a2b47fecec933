/**
 * The one wrapper every server action is built from: it loads the actor from
 * the session, validates the input with the action's zod schema, calls one
 * domain function, maps errors to one result shape, revalidates, and counts.
 * Unexpected errors are logged with their stack and never shown verbatim.
 */
import { revalidatePath } from "next/cache";
import { ZodError, type z } from "zod";
import { getActor, getRequestId } from "@/lib/access/session";
import type { Ctx } from "@/lib/context";
import { fieldErrorsFromZod, isAppError, toErrorBody, type ErrorBody } from "@/lib/errors";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";

const log = childLogger("action");

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export function defineAction<S extends z.ZodType, T>(
  name: string,
  schema: S,
  handler: (input: z.output<S>, ctx: Ctx) => Promise<T>,
  opts: { revalidate?: (input: z.output<S>, data: T) => string[] } = {},
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (raw) => {
    const stop = metrics().actionDuration.startTimer({ action: name });
    let outcome = "ok";
    const requestId = await getRequestId();
    try {
      const actor = await getActor();
      if (!actor) {
        outcome = "UNAUTHENTICATED";
        return { ok: false, error: { code: "UNAUTHENTICATED", message: "Your session has ended: sign in again.", requestId } };
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        outcome = "INVALID_INPUT";
        return {
          ok: false,
          error: { code: "INVALID_INPUT", message: "Some fields need attention.", fieldErrors: fieldErrorsFromZod(parsed.error.issues), requestId },
        };
      }
      const data = await handler(parsed.data, { actor, requestId });
      // "/projects/[slug]" revalidates every page of that route; plain paths just themselves.
      for (const path of opts.revalidate?.(parsed.data, data) ?? []) {
        if (path.includes("[")) revalidatePath(path, "page");
        else revalidatePath(path);
      }
      return { ok: true, data };
    } catch (e) {
      if (e instanceof ZodError) {
        outcome = "INVALID_INPUT";
        return { ok: false, error: { code: "INVALID_INPUT", message: "Some fields need attention.", fieldErrors: fieldErrorsFromZod(e.issues), requestId } };
      }
      outcome = isAppError(e) ? e.code : "INTERNAL";
      if (isAppError(e)) log.info({ action: name, code: e.code, requestId, msg: e.message }, "action refused");
      else log.error({ action: name, requestId, err: e }, "action failed");
      return { ok: false, error: toErrorBody(e, requestId) };
    } finally {
      stop();
      metrics().actions.inc({ action: name, outcome });
    }
  };
}
