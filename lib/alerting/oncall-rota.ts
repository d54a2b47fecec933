/**
 * Who is on call (docs/alerting.md, "## On call"). A team's rota is its OnCallEntry rows in `position` order
 * (r[0], r[1], ... r[n-1]). The rota turns weekly, on Mondays at 00:00 UTC:
 *
 *   week(t)   = floor((t - 1970-01-05T00:00Z) / 7 days)      (1970-01-05 was a Monday)
 *   onCall(t) = r[week(t) mod n]
 *
 * An incident opened at t starts with onCall(t) (escalation level 0); each escalation goes to the next person of
 * the rota: level k is r[(week(t) + k) mod n], and escalation stops at level n - 1 (the whole rota was asked).
 */
import type { Tx } from "@/lib/db/client";
import { db } from "@/lib/db/client";

const WEEK_MS = 7 * 24 * 3600 * 1000;
const FIRST_MONDAY = Date.UTC(1970, 0, 5);

/** The rota's index on call at `at` for a rota of `size` people (0 when empty). */
export function onCallIndex(size: number, at: Date): number {
  if (size <= 0) return 0;
  const week = Math.floor((at.getTime() - FIRST_MONDAY) / WEEK_MS);
  return ((week % size) + size) % size;
}

/** The rota position an incident opened at `openedAt` is with at escalation `level`, or null past the whole rota. */
export function rotaPositionAt(size: number, openedAt: Date, level: number): number | null {
  if (size <= 0 || level < 0 || level >= size) return null;
  return (onCallIndex(size, openedAt) + level) % size;
}

/** The team's rota in order, with names. */
export async function loadRota(client: Tx | ReturnType<typeof db>, teamId: string) {
  return client.onCallEntry.findMany({
    where: { teamId },
    orderBy: { position: "asc" },
    select: { position: true, user: { select: { id: true, name: true, email: true } } },
  });
}

/** The person an incident of the team is with at `level` (opened at `openedAt`), or null (no rota, or past it). */
export async function escalationTarget(client: Tx | ReturnType<typeof db>, teamId: string, openedAt: Date, level: number) {
  const rota = await loadRota(client, teamId);
  const at = rotaPositionAt(rota.length, openedAt, level);
  return at === null ? null : rota[at]!.user;
}
