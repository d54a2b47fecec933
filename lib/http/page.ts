/**
 * Page-level answers. A page cannot send 422 or 503: what it refuses becomes
 * Next's 404 page (notFound) or 403 page (forbidden, with the nearest
 * forbidden.tsx: what the user may not see and whom to ask). Anything else
 * goes on to the error boundary.
 */
import { forbidden, notFound } from "next/navigation";
import { knownError } from "./boundary";
import { findUnreadableText } from "./input";

/**
 * A page's `params` or `searchParams`; the 404 page when one holds text no
 * record can have (NUL, half of a UTF-16 pair), which would otherwise reach
 * a query and fail as a 500.
 */
export async function pageParams<P>(params: Promise<P>): Promise<P> {
  const p = await params;
  if (findUnreadableText(p)) notFound();
  return p;
}

/** The 403 page (the nearest forbidden.tsx) unless the actor may see this page: `allowPage(can(ctx.actor, "audit.read", platform))`. */
export function allowPage(allowed: boolean): void {
  if (!allowed) forbidden();
}

/**
 * A domain read for a page, its refusals as HTTP answers:
 * - NOT_FOUND → 404;
 * - FORBIDDEN → 403 with the no-access page, or 404 with `{ hide: true }`
 *   for records whose existence must not leak (tickets, releases, projects
 *   the actor may not know about);
 * - INVALID_INPUT, and ids Postgres refuses (beyond int4, not a number) → 404:
 *   no record has such an address.
 * Anything else (UNAVAILABLE, bugs) goes on to the error boundary.
 */
export async function pageRead<T>(read: Promise<T>, opts: { hide?: boolean } = {}): Promise<T> {
  try {
    return await read;
  } catch (e) {
    const known = knownError(e);
    if (known?.code === "NOT_FOUND" || known?.code === "INVALID_INPUT") notFound();
    if (known?.code === "FORBIDDEN") {
      if (opts.hide) notFound();
      forbidden();
    }
    throw known ?? e;
  }
}
