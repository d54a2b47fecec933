/**
 * Retention: alert history is kept WHARF_ALERT_RETENTION_DAYS (396 days, 13
 * months) and then deleted by a daily job: alert events, alerts whose episode
 * ended (or started, if it never ended) before then, and webhook deliveries.
 * Incidents and their timelines are kept (an incident's alerts become
 * unlinked). Deleted in batches, so the job never holds one long lock.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { defineTask } from "@/lib/jobs/registry";

const BATCH = 5_000;

export interface RetentionResult {
  cutoff: Date;
  events: number;
  alerts: number;
  deliveries: number;
}

async function inBatches(select: () => Promise<{ id: string }[]>, remove: (ids: string[]) => Promise<{ count: number }>) {
  let total = 0;
  for (;;) {
    const ids = (await select()).map((r) => r.id);
    if (ids.length === 0) return total;
    total += (await remove(ids)).count;
    if (ids.length < BATCH) return total;
  }
}

/** Deletes alert history older than the retention. `days` defaults to WHARF_ALERT_RETENTION_DAYS. */
export async function deleteOldAlertHistory(opts: { now?: Date; days?: number } = {}): Promise<RetentionResult> {
  const now = opts.now ?? new Date();
  const days = opts.days ?? env().WHARF_ALERT_RETENTION_DAYS;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const d = db();
  const events = await inBatches(
    () => d.alertEvent.findMany({ where: { at: { lt: cutoff } }, select: { id: true }, take: BATCH }),
    (ids) => d.alertEvent.deleteMany({ where: { id: { in: ids } } }),
  );
  // An alert still firing is never deleted, however old; one that ended goes with its end.
  const alerts = await inBatches(
    () =>
      d.alert.findMany({
        where: { status: "resolved", OR: [{ endsAt: { lt: cutoff } }, { endsAt: null, startsAt: { lt: cutoff } }] },
        select: { id: true },
        take: BATCH,
      }),
    (ids) => d.alert.deleteMany({ where: { id: { in: ids } } }),
  );
  const deliveries = await inBatches(
    () => d.alertDelivery.findMany({ where: { receivedAt: { lt: cutoff } }, select: { id: true }, take: BATCH }),
    (ids) => d.alertDelivery.deleteMany({ where: { id: { in: ids } } }),
  );
  return { cutoff, events, alerts, deliveries };
}

export const alertsRetentionTask = defineTask({
  name: "alerts_retention",
  description: "Deletes alert history older than WHARF_ALERT_RETENTION_DAYS (13 months); incidents are kept",
  payload: z.object({}).passthrough(),
  async run(_payload, { log }) {
    const result = await deleteOldAlertHistory();
    log.info(result, "old alert history deleted");
  },
});
