/**
 * The two things every part of alerting does when an incident changes, in the
 * transaction that changes it: add a line to its timeline, and ask for its chat
 * message to be brought up to date (one job per incident at a time: several
 * changes in a burst become one message update; lib/alerting/chat.ts).
 */
import type { Prisma, Tx } from "@/lib/db/client";
import { enqueue } from "@/lib/jobs/enqueue";
import { incidentChatTask } from "./chat";

export const INCIDENT_EVENT_KINDS = [
  "alert_firing",
  "alert_resolved",
  "release_linked",
  "acknowledged",
  "assigned",
  "comment",
  "resolved",
  "reopened",
  "escalated",
  "chat_sent",
  "chat_failed",
  "silenced",
  "silence_expired",
  "rollback_started",
] as const;
export type IncidentEventKind = (typeof INCIDENT_EVENT_KINDS)[number];

export async function recordIncidentEvent(
  tx: Tx,
  incidentId: string,
  kind: IncidentEventKind,
  opts: { actorId?: string | null; text?: string; data?: Prisma.InputJsonValue; at?: Date } = {},
) {
  await tx.incidentEvent.create({
    data: { incidentId, kind, actorId: opts.actorId ?? null, text: opts.text ?? "", data: opts.data ?? {}, at: opts.at ?? new Date() },
  });
}

/**
 * Queues the incident's chat update after this transaction commits. The job key makes a burst of changes one job;
 * the short delay lets alerts of one Alertmanager group join before the first message is sent.
 */
export async function incidentChanged(tx: Tx, incidentId: string, opts: { delayMs?: number } = {}) {
  await enqueue(
    incidentChatTask,
    { incidentId },
    { jobKey: `incident-chat:${incidentId}`, maxAttempts: 8, runAt: new Date(Date.now() + (opts.delayMs ?? 1_000)) },
    tx,
  );
}
