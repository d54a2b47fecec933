/** Production deploys wait for an approved ticket: its type, as the deploy module declares it. */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { badge, defineTicketType, link, text } from "@/lib/tickets/types";
import { startRelease } from "./releases";

export const ZDeployPayload = z.object({
  releaseId: z.string().min(1),
  service: z.string(),
  environment: z.enum(ENVIRONMENTS),
  image: z.string(),
  specVersion: z.number().int().min(0),
  strategy: z.enum(["all_at_once", "one_cluster_first"]),
  rollbackOf: z.string().nullable(),
});

export const deployTicket = defineTicketType({
  type: "deploy",
  label: "Production deploy",
  payload: ZDeployPayload,
  decide: "ticket.deploy.decide",
  whoDecides: "Ops or an admin approve production deploys.",
  news: { done: "is done: the release rolled out", failed: "failed: the release did not roll out" },
  async approve(tx, ctx, ticket) {
    const release = await tx.release.findUnique({ where: { id: ticket.payload.releaseId }, select: { status: true } });
    if (!release) throw new AppError("PRECONDITION_FAILED", "The release of this ticket no longer exists.");
    if (release.status !== "pending_approval")
      throw new AppError("PRECONDITION_FAILED", `The release of this ticket is ${release.status.replace("_", " ")}, not waiting for approval.`);
    return { runId: await startRelease(tx, ctx, ticket.payload.releaseId) };
  },
  async withdraw(tx, _ctx, ticket, how, reason) {
    await tx.release.updateMany({
      where: { id: ticket.payload.releaseId, status: "pending_approval" },
      data: { status: how, reason, finishedAt: new Date() },
    });
  },
  async view(_ctx, ticket) {
    const p = ticket.payload;
    const release = await db().release.findUnique({ where: { id: p.releaseId }, select: { number: true, status: true } });
    const rollbackOf = p.rollbackOf ? await db().release.findUnique({ where: { id: p.rollbackOf }, select: { number: true } }) : null;
    const fields = [
      { label: "Service", value: text(p.service) },
      { label: "Environment", value: badge(p.environment, "warning") },
      { label: "Image", value: text(p.image, true) },
      { label: "Spec version", value: text(String(p.specVersion)) },
      { label: "Strategy", value: text(p.strategy === "one_cluster_first" ? "one cluster first" : "all clusters at once") },
      { label: "Release", value: release ? link(`#${release.number} (${release.status.replace("_", " ")})`, `/releases/${p.releaseId}`) : text("(deleted)") },
    ];
    if (rollbackOf) fields.push({ label: "Rolls back to", value: link(`release #${rollbackOf.number}`, `/releases/${p.rollbackOf}`) });
    return { fields };
  },
});
