/**
 * What the three boundaries (server actions, route handlers, pages) do with
 * a thrown error: anything a person can act on becomes an AppError; the rest
 * is a bug, logged with its stack and answered INTERNAL.
 */
import { ZodError } from "zod";
import type { Logger } from "pino";
import { AppError, fieldErrorsFromZod, isAppError } from "@/lib/errors";
import { appErrorFromDb } from "@/lib/db/errors";

/**
 * The AppError for `e`, or null for an unexpected error. `input` is the raw
 * input of the request, so a value Postgres refused is reported at its field.
 */
export function knownError(e: unknown, input?: unknown): AppError | null {
  if (isAppError(e)) return e;
  if (e instanceof ZodError) return new AppError("INVALID_INPUT", "Some fields need attention.", { fieldErrors: fieldErrorsFromZod(e.issues) });
  return appErrorFromDb(e, input);
}

/** Logs a refusal at the level it deserves: a busy database is a warning (capacity), other refusals are information. */
export function logRefusal(log: Logger, e: AppError, bindings: Record<string, unknown>) {
  if (e.code === "UNAVAILABLE") log.warn({ ...bindings, code: e.code, detail: e.message }, "refused: busy or unavailable");
  else log.info({ ...bindings, code: e.code, detail: e.message }, "refused");
}
