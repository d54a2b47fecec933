/** A publish to production waits for ops: the config module's ticket type, with the diff on the ticket. */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { badge, defineTicketType, link, text } from "@/lib/tickets/types";
import { diffEntries, summarize } from "./diff";
import { propertiesText, CONTENT_KEY } from "./formats";
import { carryOutMerge } from "./gray";
import { CONFIG_PUBLISH_TICKET, carryOutPublish, latestMainRelease } from "./publish";
import { maskEntries, resolveRef, snapshotOf, ZStoredEntry } from "./store";
import { ZSetRef } from "./schemas";

export const ZPublishPayload = z.object({
  action: z.enum(["publish", "restore"]),
  ref: ZSetRef,
  setId: z.string().min(1),
  baseReleaseId: z.string().nullable(),
  entries: z.array(ZStoredEntry),
  comment: z.string(),
  restoredFromId: z.string().nullable(),
  mergeGray: z.object({ grayId: z.string(), version: z.number().int() }).optional(),
});

function textOf(format: string, entries: { key: string; value: string; comment: string }[]) {
  return format === "properties" ? propertiesText(entries) : (entries.find((e) => e.key === CONTENT_KEY)?.value ?? "");
}

export const configPublishTicket = defineTicketType({
  type: CONFIG_PUBLISH_TICKET,
  label: "Config publish",
  payload: ZPublishPayload,
  decide: "ticket.config.decide",
  whoDecides: "Ops or an admin approve publishing configuration to production.",
  async approve(tx, ctx, ticket) {
    const ref = await resolveRef(ticket.payload.ref, tx);
    const request = { ...ticket.payload };
    // What the approver read is what is published; a publish by someone else since then refuses it (in carryOutPublish).
    if (request.mergeGray) await carryOutMerge(tx, ctx, ref, request);
    else await carryOutPublish(tx, ctx, ref, request);
    return { runId: null };
  },
  async view(_ctx, ticket) {
    const p = ticket.payload;
    const ns = await db().configNamespace.findUnique({ where: { id: p.ref.namespaceId }, select: { name: true, format: true } });
    if (!ns) throw new AppError("PRECONDITION_FAILED", "The namespace of this request no longer exists.");
    const open = ticket.status === "open";
    const latest = await latestMainRelease(db(), p.setId);
    // While open: against what runs now (and a warning when that moved). Decided: against what it was asked over,
    // so the ticket keeps saying what it changed, and which release that became.
    const base = open ? latest : p.baseReleaseId ? await db().configRelease.findUnique({ where: { id: p.baseReleaseId } }) : null;
    const before = maskEntries(base ? snapshotOf(base) : []);
    const after = maskEntries(p.entries);
    const changes = diffEntries(base ? snapshotOf(base) : [], p.entries);
    const stale = open && (latest?.id ?? null) !== p.baseReleaseId;
    const made =
      ticket.status === "done" && !p.mergeGray
        ? await db().configRelease.findFirst({
            where: { setId: p.setId, grayId: null, number: { gt: base?.number ?? 0 }, comment: p.comment },
            orderBy: { number: "asc" },
            select: { number: true },
          })
        : null;
    const service = p.ref.serviceId
      ? await db().service.findUnique({ where: { id: p.ref.serviceId }, select: { slug: true, project: { select: { slug: true } } } })
      : null;
    const fields = [
      { label: "Namespace", value: text(ns.name, true) },
      {
        label: "Service",
        value: service
          ? link(`${service.project.slug}/${service.slug}`, `/projects/${service.project.slug}/services/${service.slug}/config`)
          : text("(the team's shared values)"),
      },
      { label: "Where", value: text(`${p.ref.environment}, ${p.ref.cluster === "default" ? "every cluster without its own values" : p.ref.cluster}`) },
      {
        label: "What",
        value: text(
          `${p.mergeGray ? "Merge a gray release" : p.action === "restore" ? "Restore an earlier release" : "Publish the draft"}: ${summarize(changes)}`,
        ),
      },
      { label: "Comment", value: text(p.comment) },
      {
        label: "Changes",
        value: { kind: "diff" as const, title: open ? "after approval" : "asked for", before: textOf(ns.format, before), after: textOf(ns.format, after) },
      },
    ];
    if (made && service) {
      const history = `/projects/${service.project.slug}/services/${service.slug}/config/history?env=${p.ref.environment}&cluster=${encodeURIComponent(p.ref.cluster)}&ns=${encodeURIComponent(ns.name)}`;
      fields.splice(3, 0, { label: "Published", value: link(`release #${made.number}`, history) });
    }
    if (stale) fields.unshift({ label: "Careful", value: badge("Published by someone else since this was asked: approval will be refused", "danger") });
    return { fields };
  },
});
