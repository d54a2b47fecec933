"use server";
/** Server actions for responding to an incident: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import {
  acknowledgeIncident,
  assignIncident,
  commentOnIncident,
  reopenIncident,
  resolveIncident,
  ZAcknowledgeIncident,
  ZAssignIncident,
  ZCommentIncident,
  ZReopenIncident,
  ZResolveIncident,
} from "./respond";

const pages = () => ["/incidents/[number]", "/incidents", "/alerts", "/projects/[slug]/alerts", "/"];

export const acknowledgeIncidentAction = defineAction("incident.acknowledge", ZAcknowledgeIncident, (input, ctx) => acknowledgeIncident(ctx, input), {
  revalidate: pages,
});
export const assignIncidentAction = defineAction("incident.assign", ZAssignIncident, (input, ctx) => assignIncident(ctx, input), { revalidate: pages });
export const commentIncidentAction = defineAction("incident.comment", ZCommentIncident, (input, ctx) => commentOnIncident(ctx, input), {
  revalidate: () => ["/incidents/[number]"],
});
export const resolveIncidentAction = defineAction("incident.resolve", ZResolveIncident, (input, ctx) => resolveIncident(ctx, input), { revalidate: pages });
export const reopenIncidentAction = defineAction("incident.reopen", ZReopenIncident, (input, ctx) => reopenIncident(ctx, input), { revalidate: pages });
