import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares a secret a client sent with the expected one in constant time.
 * Both sides are hashed first, so neither their lengths nor a common prefix
 * shows in the time taken.
 */
export function secretEquals(given: string | null | undefined, expected: string): boolean {
  if (given === null || given === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
