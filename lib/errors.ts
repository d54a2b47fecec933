/**
 * One error type for everything a domain function refuses. `message` is for
 * logs; `userMessage` is for people and is what the UI shows. Unexpected
 * errors never reach users verbatim: they become INTERNAL.
 */

/** Every code, and when it is thrown. */
export const ERROR_CODES = {
  /** No signed-in user, or the user was disabled. */
  UNAUTHENTICATED: 401,
  /** The actor is signed in but `can()` refused the action on the resource. */
  FORBIDDEN: 403,
  /** The resource does not exist (or the actor may not know it exists). */
  NOT_FOUND: 404,
  /** Input failed validation; `fieldErrors` says where. */
  INVALID_INPUT: 422,
  /** A unique value (slug, name) is already taken; `fieldErrors` names the field. */
  ALREADY_EXISTS: 409,
  /** Optimistic concurrency: the record changed since the form was opened. */
  CONFLICT: 409,
  /** The request is valid but the current state does not allow it (e.g. deleting a cluster in use). */
  PRECONDITION_FAILED: 412,
  /** A cluster could not be reached or refused the call. */
  CLUSTER_UNAVAILABLE: 502,
  /** A dependency of the portal (database, queue) is down or too busy to take the request now; trying again later may work. */
  UNAVAILABLE: 503,
  /** Anything unexpected: logged with its stack, shown as a generic message. */
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly fieldErrors?: FieldErrors;
  /** For UNAVAILABLE: when trying again makes sense (a route's Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, userMessage: string, opts: { fieldErrors?: FieldErrors; message?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(opts.message ?? userMessage, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = userMessage;
    this.fieldErrors = opts.fieldErrors;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The shape every action and API route returns for an error. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  fieldErrors?: FieldErrors;
  /** UNAVAILABLE: seconds after which trying again makes sense. */
  retryAfterSeconds?: number;
  requestId?: string;
}

export function toErrorBody(e: unknown, requestId?: string): ErrorBody {
  if (isAppError(e)) {
    const body: ErrorBody = { code: e.code, message: e.userMessage, fieldErrors: e.fieldErrors, requestId };
    if (e.retryAfterSeconds !== undefined) body.retryAfterSeconds = e.retryAfterSeconds;
    return body;
  }
  return {
    code: "INTERNAL",
    message: `Something went wrong on our side. The error was logged${requestId ? ` (request ${requestId})` : ""}; please try again.`,
    requestId,
  };
}

/** zod issues -> { "field.path": ["message"] } */
export function fieldErrorsFromZod(issues: { path: PropertyKey[]; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Validates input at a domain function's boundary: a ZodError becomes INVALID_INPUT with field messages. */
export function parseInput<
  S extends { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
>(schema: S, raw: unknown): Extract<ReturnType<S["safeParse"]>, { success: true }>["data"] {
  const r = schema.safeParse(raw);
  if (r.success) return r.data as Extract<ReturnType<S["safeParse"]>, { success: true }>["data"];
  throw new AppError("INVALID_INPUT", "Some fields need attention.", { fieldErrors: fieldErrorsFromZod(r.error.issues) });
}
