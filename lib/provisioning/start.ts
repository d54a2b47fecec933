/** Starting provisioning runs for a project, in the caller's transaction. */
import type { Tx } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { computePlan, createRun } from "./engine";
import { runKind, stepsForEnvironment, type ProjectPlanInput } from "./registry";

/**
 * Starts a run of a kind planned from the catalog (onboarding, member_sync,
 * quota, archive, ...), in the caller's transaction. `input` replaces the
 * catalog's view (an approved ticket provisions exactly what it shows).
 */
export async function startRun(
  tx: Tx,
  ctx: Ctx,
  opts: { kind: string; projectId: string; ticketId?: string; onlyEnvironment?: string; params?: Record<string, unknown>; input?: ProjectPlanInput },
) {
  const kind = runKind(opts.kind);
  let input = opts.input;
  if (!input) {
    if (!kind.loadInput) throw new Error(`Runs of kind "${kind.kind}" are not planned from the catalog`);
    input = await kind.loadInput(tx, opts.projectId, { params: opts.params ?? {} });
  }
  if (opts.onlyEnvironment) input = { ...input, environments: input.environments.filter((e) => e.kind === opts.onlyEnvironment) };
  // For one environment, the steps of that environment, not the project-wide ones such as the repository (unless they follow the environments).
  const plan = computePlan(input);
  const drafts = opts.onlyEnvironment ? stepsForEnvironment(plan, opts.onlyEnvironment) : plan;
  return createRun(tx, {
    kind: kind.kind,
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
