/**
 * Kubernetes Status errors with the real API server's message texts.
 * Everything that fails inside the store or the REST layer throws a StatusError;
 * the HTTP layer serialises `.status` as the response body with `.status.code`.
 */
import type { FieldError, ResourceType } from "./types.js";
import { qualifiedKind, qualifiedResource } from "./types.js";

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class StatusError extends Error {
  readonly status: StatusBody;
  constructor(code: number, reason: string, message: string, details?: StatusBody["details"]) {
    super(message);
    this.status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
  }
  get code(): number {
    return this.status.code;
  }
}

type Res = Pick<ResourceType, "group" | "plural">;

function details(t: Res, name?: string): StatusBody["details"] {
  return { ...(name ? { name } : {}), ...(t.group ? { group: t.group } : {}), kind: t.plural };
}

export function notFound(t: Res, name: string): StatusError {
  return new StatusError(404, "NotFound", `${qualifiedResource(t)} "${name}" not found`, details(t, name));
}

export function alreadyExists(t: Res, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualifiedResource(t)} "${name}" already exists`, details(t, name));
}

export function conflict(
  t: Res,
  name: string,
  why = "the object has been modified; please apply your changes to the latest version and try again",
): StatusError {
  return new StatusError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`, details(t, name));
}

export function forbidden(t: Res, name: string, why: string, causes?: StatusCause[]): StatusError {
  const what = name ? `${qualifiedResource(t)} "${name}"` : qualifiedResource(t);
  return new StatusError(403, "Forbidden", `${what} is forbidden: ${why}`, { ...details(t, name), ...(causes ? { causes } : {}) });
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}

export function methodNotAllowed(): StatusError {
  return new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

export function pathNotFound(): StatusError {
  return new StatusError(404, "NotFound", "the server could not find the requested resource", {});
}

export function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}

export function expired(requested: string, current: string): StatusError {
  return new StatusError(410, "Expired", `too old resource version: ${requested} (${current})`);
}

export function unsupportedMediaType(contentType: string, accepted: string[]): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { causes: [{ reason: "UnexpectedHeader", message: `the server does not accept "${contentType}"`, field: "Content-Type" }] },
  );
}

/** Formats one field error the way field.Error.Error() does. */
export function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${e.detail}`;
}

export function invalid(t: Pick<ResourceType, "group" | "kind">, name: string, errs: FieldError[]): StatusError {
  const list = errs.map(fieldErrorText);
  const joined = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
  return new StatusError(422, "Invalid", `${qualifiedKind(t)} "${name}" is invalid: ${joined}`, {
    name,
    ...(t.group ? { group: t.group } : {}),
    kind: t.kind,
    causes: errs.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

/** Maps an HTTP status to the reason Kubernetes uses for it (for injected faults). */
export function reasonForCode(code: number): string {
  const reasons: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  return reasons[code] ?? (code >= 500 ? "InternalError" : "Unknown");
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}
