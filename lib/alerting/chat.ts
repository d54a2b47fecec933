/**
 * Convergence to chat: one message per incident and channel, updated rather
 * than repeated (FOUNDATION: the chat part of the alerting work replaces the
 * body of `syncIncidentChat`).
 */
import { z } from "zod";
import { defineTask } from "@/lib/jobs/registry";

/** Brings the incident's message in each of its team's channels up to date. */
export async function syncIncidentChat(incidentId: string): Promise<void> {
  throw new Error(`chat convergence is not built yet (incident ${incidentId})`);
}

export const incidentChatTask = defineTask({
  name: "incident_chat_sync",
  description: "Sends or updates an incident's message in its team's chat channels",
  payload: z.object({ incidentId: z.string() }),
  async run({ incidentId }) {
    await syncIncidentChat(incidentId);
  },
});
