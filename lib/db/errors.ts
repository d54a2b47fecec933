/** Recognising the Prisma errors the domain turns into AppErrors. */
export function isUniqueViolation(e: unknown, field?: string): boolean {
  const err = e as { code?: string; meta?: { target?: string[] | string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } } };
  if (err?.code !== "P2002") return false;
  if (!field) return true;
  const target = err.meta?.target ?? err.meta?.driverAdapterError?.cause?.constraint?.fields ?? [];
  const fields = Array.isArray(target) ? target : [target];
  return fields.length === 0 || fields.some((f) => f.replace(/"/g, "") === field);
}
