"use server";
/** Server actions of tickets: thin (parse, call one domain function, revalidate); components import them from here. */
import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { cancelTicket, commentOnTicket, decideTicket } from "./engine";
import { checkQuotaRequest, requestAccess, requestArchive, requestQuota } from "./requests";
import { ZArchiveRequest, ZComment, ZDecision, ZPermissionRequest, ZQuotaCheck, ZQuotaRequest } from "./schemas";

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

/** The quota dialog's check while values are chosen: capacity of the environment's clusters, and who must approve. */
export const checkQuotaRequestAction = defineAction("ticket.quota.check", ZQuotaCheck, (input, ctx) => checkQuotaRequest(ctx, input));

export const requestArchiveAction = defineAction("ticket.request.archive", ZArchiveRequest, (input, ctx) => requestArchive(ctx, input), {
  revalidate: () => ["/tickets"],
});
