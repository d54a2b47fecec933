/** Starting provisioning runs for a project, in the caller's transaction. */
import type { Tx } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { computePlan, createRun } from "./engine";
import { loadPlanInput } from "./plan-input";
import type { PlanInput } from "./registry";

/** Starts a provisioning run for a project (in the caller's transaction). */
export async function startRun(
  tx: Tx,
  ctx: Ctx,
  opts: { kind: PlanInput["kind"]; projectId: string; ticketId?: string; onlyEnvironment?: string; params?: Record<string, unknown> },
) {
  const input = await loadPlanInput(opts.projectId, opts.kind, opts.params ?? {}, tx);
  if (opts.onlyEnvironment) input.environments = input.environments.filter((e) => e.kind === opts.onlyEnvironment);
  // For one environment, only the steps of that environment (not the project-wide ones such as the repository).
  const drafts = computePlan(input).filter((d) => !opts.onlyEnvironment || d.environment === opts.onlyEnvironment);
  return createRun(tx, {
    kind: opts.kind,
    projectId: opts.projectId,
    ticketId: opts.ticketId ?? null,
    createdById: ctx.actor.kind === "user" ? ctx.actor.id : null,
    drafts,
  });
}

/** Member changes reach the clusters through a member_sync run, when the project has anything provisioned. */
export async function syncMembers(tx: Tx, ctx: Ctx, projectId: string, ticketId?: string) {
  const project = await tx.project.findUnique({ where: { id: projectId }, select: { lifecycle: true, _count: { select: { environments: true } } } });
  if (!project || project.lifecycle !== "active" || project._count.environments === 0) return null;
  // The plan reads the members through the caller's transaction, so it includes the change being made.
  return startRun(tx, ctx, { kind: "member_sync", projectId, ticketId });
}
