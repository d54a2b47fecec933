/**
 * Recognising the database errors the portal answers in words: a unique
 * value taken (for the domain), input Postgres refused (INVALID_INPUT), and a
 * database too busy or unreachable to take the request (UNAVAILABLE).
 *
 * Through @prisma/adapter-pg, Postgres' own error arrives as
 * `PrismaClientKnownRequestError { code: "P20xx", meta: { driverAdapterError:
 * { name: "DriverAdapterError", cause: { originalCode: "22003",
 * originalMessage, kind, ... } } } }`; the P-code depends on the kind
 * (ValueOutOfRange P2020, InvalidInputValue P2007, P2010 for raw queries,
 * P2039 for the kinds Prisma does not name). Raw node-postgres clients
 * (graphile-worker, scripts) throw a DatabaseError with `code` and `severity`.
 */
import { AppError } from "@/lib/errors";

export function isUniqueViolation(e: unknown, field?: string): boolean {
  const err = e as { code?: string; meta?: { target?: string[] | string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } } };
  if (err?.code !== "P2002") return false;
  if (!field) return true;
  const target = err.meta?.target ?? err.meta?.driverAdapterError?.cause?.constraint?.fields ?? [];
  const fields = Array.isArray(target) ? target : [target];
  return fields.length === 0 || fields.some((f) => f.replace(/"/g, "") === field);
}

interface AdapterCause {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  code?: string;
  message?: string;
}

interface DbErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  meta?: { driverAdapterError?: { cause?: AdapterCause } };
  cause?: unknown;
}

function adapterCause(err: DbErrorLike): AdapterCause | undefined {
  if (err.meta?.driverAdapterError?.cause) return err.meta.driverAdapterError.cause;
  if (err.name === "DriverAdapterError" && err.cause && typeof err.cause === "object") return err.cause as AdapterCause;
  return undefined;
}

/** The Postgres error (SQLSTATE and message) behind a Prisma, driver adapter or node-postgres error; null when there is none. */
export function postgresErrorOf(e: unknown): { code: string; message: string } | null {
  if (!e || typeof e !== "object") return null;
  const err = e as DbErrorLike;
  const cause = adapterCause(err);
  const code = cause?.originalCode ?? cause?.code;
  if (code) return { code, message: cause?.originalMessage ?? cause?.message ?? "" };
  if (typeof err.code === "string" && typeof err.severity === "string" && /^[0-9A-Z]{5}$/.test(err.code)) {
    return { code: err.code, message: typeof err.message === "string" ? err.message : "" };
  }
  return null;
}

/** Input Postgres refused: the value, not the portal, is wrong. */
const BAD_INPUT = new Set([
  "22003", // numeric_value_out_of_range: an id beyond int4
  "22P02", // invalid_text_representation: "abc" for a number, an unknown enum value
  "22021", // character_not_in_repertoire: NUL in text
  "22P05", // untranslatable_character
]);

/** The database cannot take the request now; the same request may well succeed in a moment. */
const BUSY_PRISMA = new Set([
  "P2028", // Transaction API error: unable to start a transaction in the given time, or it expired (rolled back)
  "P2024", // timed out fetching a connection from the pool
  "P2037", // too many database connections
  "P1001", // cannot reach the database server
  "P1002", // the database server timed out
  "P1008", // operations timed out
  "P1017", // the server closed the connection
]);
// Socket failures count only as the adapter reports them: a bare ECONNREFUSED may be a cluster's or a webhook's.
const BUSY_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const BUSY_POSTGRES = /^(53300|57P01|57P02|57P03|08\w{3})$/; // too many connections, shutting down, starting up, connection exceptions

export const BUSY_MESSAGE = "Wharf is busy; try again in a moment.";
/** Seconds a client is told to wait before trying again (Retry-After). */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/** True when the database could not take the request for lack of capacity or connection (see BUSY_PRISMA). */
export function isDbBusy(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  if (e instanceof AppError) return false;
  const err = e as DbErrorLike;
  if (typeof err.code === "string" && BUSY_PRISMA.has(err.code)) return true;
  const cause = adapterCause(err);
  if (cause?.kind && BUSY_ADAPTER_KINDS.has(cause.kind)) return true;
  const pg = postgresErrorOf(e);
  return Boolean(pg && BUSY_POSTGRES.test(pg.code));
}

export function busyError(cause: unknown): AppError {
  const detail = cause instanceof Error ? cause.message.trim().split("\n").pop() : String(cause);
  return new AppError("UNAVAILABLE", BUSY_MESSAGE, { message: `database busy: ${detail}`, cause, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS });
}

/** The same value written two ways: "99999999999" and 99999999999, "1e30" and "1e+30". */
function sameValue(leaf: string | number | bigint, value: string): boolean {
  if (String(leaf) === value) return true;
  const a = Number(leaf);
  return typeof leaf !== "bigint" && String(leaf).trim() !== "" && Number.isFinite(a) && a === Number(value);
}

/** The first field of `input` whose value reads as `value` ("project.version"), or null. */
export function fieldHolding(input: unknown, value: string, path: (string | number)[] = [], depth = 0): string | null {
  if (typeof input === "string" || typeof input === "number" || typeof input === "bigint") {
    return sameValue(input, value) ? path.map(String).join(".") || "_form" : null;
  }
  if (!input || typeof input !== "object" || depth > 32) return null;
  const entries: Iterable<[string | number, unknown]> = Array.isArray(input)
    ? input.entries()
    : input instanceof URLSearchParams || input instanceof Map || (typeof FormData !== "undefined" && input instanceof FormData)
      ? input.entries()
      : Object.entries(input);
  for (const [key, child] of entries) {
    const found = fieldHolding(child, value, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

function badInputMessage(pg: { code: string; message: string }): { value?: string; message: string } {
  const value = /"((?:[^"\\]|\\.)*)"\s*$/.exec(pg.message)?.[1] ?? /^value "([^"]*)"/.exec(pg.message)?.[1];
  switch (pg.code) {
    case "22003": {
      const type = /out of range for type (\w+)/.exec(pg.message)?.[1];
      const bound = type === "integer" ? " (at most 2147483647)" : type === "smallint" ? " (at most 32767)" : "";
      return { value: /^value "([^"]*)"/.exec(pg.message)?.[1] ?? value, message: `is out of range${bound}` };
    }
    case "22P02": {
      if (/enum/.test(pg.message)) return { value, message: "is not one of the allowed values" };
      const type = /for type (\w[\w ]*):/.exec(pg.message)?.[1];
      return { value, message: type ? `is not a valid ${type === "integer" || type === "bigint" ? "whole number" : type}` : "is not valid" };
    }
    default:
      return { message: "contains a character that cannot be stored (such as \\0); remove it and try again" };
  }
}

/** What was wrong with the input, when `e` says the input (not the portal) was wrong. */
function refusedInput(e: unknown): { value?: string; message: string; detail: string } | null {
  // A number no column can hold never reaches Postgres: Prisma refuses it while building the query.
  const err = e as { name?: unknown; message?: unknown };
  if (err.name === "PrismaClientValidationError" && typeof err.message === "string") {
    const m = /Unable to fit value (\S+) into a 64-bit signed integer/.exec(err.message);
    return m ? { value: m[1], message: "is out of range", detail: m[0] } : null;
  }
  const pg = postgresErrorOf(e);
  if (!pg || !BAD_INPUT.has(pg.code)) return null;
  return { ...badInputMessage(pg), detail: `${pg.code}: ${pg.message}` };
}

/**
 * A database error as the AppError a person can act on, or null when it is
 * none of these (then it is a bug: INTERNAL). `input` is the raw input of the
 * request, to name the field that holds a refused value.
 */
export function appErrorFromDb(e: unknown, input?: unknown): AppError | null {
  if (!e || typeof e !== "object" || e instanceof AppError) return null;
  if (isDbBusy(e)) return busyError(e);
  const { value, message, detail } = refusedInput(e) ?? {};
  if (!message) return null;
  const field = (value !== undefined && input !== undefined && fieldHolding(input, value)) || "_form";
  return new AppError("INVALID_INPUT", "Some fields need attention.", {
    // At a field the message follows its label; for the form as a whole it is a sentence of its own.
    fieldErrors: { [field]: [field === "_form" ? `A value ${message}.` : message] },
    message: `the database refused the input (${detail})`,
    cause: e,
  });
}
