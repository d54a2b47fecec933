/**
 * Widening a project's production (a prod environment, or a cluster of the
 * prod tier) goes through this ticket type when the person asking may not
 * decide it themselves (lib/catalog/project-parts.ts, setEnvironment).
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { can, projectResource } from "@/lib/access/policy";
import { computePlan } from "@/lib/provisioning/engine";
import { stepsForEnvironment } from "@/lib/provisioning/registry";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { quotaOf } from "@/lib/provisioning/quota";
import { badge, defineTicketType, link, list, text } from "@/lib/tickets/types";
import { ENVIRONMENTS } from "./environments";
import { applyEnvironment } from "./project-parts";

export const ZEnvironmentPayload = z.object({
  kind: z.enum(ENVIRONMENTS),
  clusterIds: z.array(z.string().min(1)).min(1),
  /** The clusters it ran on when asked, or null for a new environment. */
  previousClusterIds: z.array(z.string()).nullable(),
});

/** Widening production (setEnvironment opens it when the actor may not decide it). */
export const environmentTicket = defineTicketType({
  type: "environment",
  label: "Production environment",
  payload: ZEnvironmentPayload,
  decide: "ticket.environment.decide",
  whoDecides: "Ops or an admin approve changes to production environments.",
  news: { done: "is done: the environment is provisioned", failed: "failed on a cluster" },
  async approve(tx, ctx, ticket) {
    const project = ticket.project;
    if (!project) throw new AppError("PRECONDITION_FAILED", "The project of this ticket no longer exists.");
    if (project.lifecycle !== "active")
      throw new AppError("PRECONDITION_FAILED", `${project.name} is ${project.lifecycle}: environments are added to active projects.`);
    const run = await applyEnvironment(tx, ctx, {
      projectId: project.id,
      kind: ticket.payload.kind,
      clusterIds: ticket.payload.clusterIds,
      ticketId: ticket.id,
    });
    return { runId: run?.runId ?? null };
  },
  async plan(_ctx, ticket) {
    if (!ticket.projectId) return null;
    const input = await loadPlanInput(ticket.projectId, "onboarding");
    const clusters = await db().cluster.findMany({
      where: { id: { in: ticket.payload.clusterIds } },
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    });
    const existing = input.environments.find((e) => e.kind === ticket.payload.kind);
    const env = { kind: ticket.payload.kind, clusters, quota: existing?.quota ?? quotaOf("small") };
    return stepsForEnvironment(computePlan({ ...input, environments: [env] }), ticket.payload.kind);
  },
  async view(ctx, ticket) {
    const ids = [...new Set([...ticket.payload.clusterIds, ...(ticket.payload.previousClusterIds ?? [])])];
    const clusters = await db().cluster.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, tier: true } });
    const name = (id: string) => clusters.find((c) => c.id === id) ?? { name: "(a cluster no longer registered)", tier: "" };
    const show = (idsOf: string[]) =>
      list(idsOf.map((id) => badge(`${name(id).name}${name(id).tier === "prod" ? " (prod tier)" : ""}`, name(id).tier === "prod" ? "warning" : "default")));
    const fields = [
      { label: "Environment", value: badge(ticket.payload.kind, ticket.payload.kind === "prod" ? "warning" : "default") },
      { label: "Clusters asked", value: show(ticket.payload.clusterIds) },
      { label: "Runs on now", value: ticket.payload.previousClusterIds ? show(ticket.payload.previousClusterIds) : text("nowhere (a new environment)") },
    ];
    return {
      fields,
      notes:
        ticket.project && can(ctx.actor, "catalog.read", projectResource(ticket.project.id))
          ? [link(`The project ${ticket.project.slug}`, `/projects/${ticket.project.slug}`)]
          : [],
    };
  },
});
