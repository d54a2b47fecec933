import type { Prisma } from "./client";

/**
 * A value as Postgres stores it in a Json column: what JSON.stringify keeps
 * (dates become ISO strings, undefined fields go). A real conversion rather
 * than a cast, so what is stored is what is read back.
 */
export function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}
