"use server";

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { cancelTicket, commentOnTicket, decideTicket } from "@/lib/tickets/decide";
import { requestAccess, requestArchive, requestQuota } from "@/lib/tickets/requests";
import { ZArchiveRequest, ZComment, ZDecision, ZPermissionRequest, ZQuotaRequest } from "@/lib/tickets/schemas";
import { retryStep } from "@/lib/provisioning/engine";
import { markNotificationsRead } from "@/lib/notifications";

export const decideTicketAction = defineAction("ticket.decide", ZDecision, (input, ctx) => decideTicket(ctx, input), {
  revalidate: () => ["/tickets", "/tickets/[number]"],
});

export const commentTicketAction = defineAction("ticket.comment", ZComment, (input, ctx) => commentOnTicket(ctx, input), {
  revalidate: () => ["/tickets/[number]"],
});

export const cancelTicketAction = defineAction("ticket.cancel", z.object({ ticketId: z.string().min(1) }), ({ ticketId }, ctx) => cancelTicket(ctx, ticketId), {
  revalidate: () => ["/tickets", "/tickets/[number]"],
});

export const requestAccessAction = defineAction("ticket.request.access", ZPermissionRequest, (input, ctx) => requestAccess(ctx, input), {
  revalidate: () => ["/tickets"],
});

export const requestQuotaAction = defineAction("ticket.request.quota", ZQuotaRequest, (input, ctx) => requestQuota(ctx, input), {
  revalidate: () => ["/tickets"],
});

export const requestArchiveAction = defineAction("ticket.request.archive", ZArchiveRequest, (input, ctx) => requestArchive(ctx, input), {
  revalidate: () => ["/tickets"],
});

export const retryStepAction = defineAction("provisioning.retry", z.object({ stepId: z.string().min(1) }), async ({ stepId }, ctx) => {
  await retryStep(ctx, stepId);
  return {};
});

export const markNotificationsReadAction = defineAction("notifications.read", z.object({ ids: z.array(z.string()).max(100).optional() }), ({ ids }, ctx) =>
  markNotificationsRead(ctx, ids),
);
