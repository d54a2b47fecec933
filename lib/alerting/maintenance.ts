/**
 * A project's maintenance windows: times during which its alerts are not sent
 * (Alertmanager's `time_intervals`, used as `mute_time_intervals` on the
 * project's routes, lib/alerting/routing.ts). Reading needs `alert.read`,
 * adding and removing `alerting.maintenance.edit`; every change is audited in
 * its transaction, and the database trigger of migration
 * 20261201213000_alerting_routing queues the Alertmanager configuration job in
 * that same transaction.
 */
import { z } from "zod";
import { can, projectResource } from "@/lib/access/policy";
import { authorize, type Ctx } from "@/lib/context";
import { recordAudit } from "@/lib/audit/record";
import { db } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { ZMaintenanceWindowInput, type RoutingWindow } from "./routing";

/** At most this many windows per project (each is a time interval in Alertmanager's configuration). */
export const MAX_WINDOWS = 20;

export const ZAddMaintenanceWindow = z.object({ projectId: z.string().min(1), window: ZMaintenanceWindowInput });
export const ZRemoveMaintenanceWindow = z.object({ projectId: z.string().min(1), windowId: z.string().min(1) });

const SELECT = { id: true, name: true, weekdays: true, startTime: true, endTime: true, location: true, environments: true, createdAt: true } as const;
/** A window as the project's page shows it: what routing reads (RoutingWindow), and when it was added. */
export type MaintenanceWindowView = RoutingWindow & { createdAt: Date };

async function projectOf(projectId: string) {
  const project = await db().project.findUnique({ where: { id: projectId }, select: { id: true, slug: true } });
  if (!project) throw new AppError("NOT_FOUND", "This project does not exist.");
  return project;
}

/** The project's windows and whether the actor may change them. */
export async function listMaintenanceWindows(ctx: Ctx, slug: string) {
  const project = await db().project.findUnique({
    where: { slug },
    select: { id: true, slug: true, name: true, environments: { select: { kind: true } } },
  });
  if (!project) throw new AppError("NOT_FOUND", `There is no project "${slug}".`);
  authorize(ctx, "alert.read", projectResource(project.id));
  const windows = await db().maintenanceWindow.findMany({ where: { projectId: project.id }, select: SELECT, orderBy: { createdAt: "asc" } });
  return {
    project: { id: project.id, slug: project.slug, name: project.name, environments: project.environments.map((e) => e.kind as string) },
    windows: windows satisfies MaintenanceWindowView[],
    canEdit: can(ctx.actor, "alerting.maintenance.edit", projectResource(project.id)),
  };
}

export async function addMaintenanceWindow(ctx: Ctx, raw: z.input<typeof ZAddMaintenanceWindow>): Promise<MaintenanceWindowView> {
  const input = parseInput(ZAddMaintenanceWindow, raw);
  authorize(ctx, "alerting.maintenance.edit", projectResource(input.projectId));
  const project = await projectOf(input.projectId);
  return db().$transaction(async (tx) => {
    // One writer per project at a time, so the count below holds.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`wharf:maintenance:${project.id}`}))`;
    const count = await tx.maintenanceWindow.count({ where: { projectId: project.id } });
    if (count >= MAX_WINDOWS) throw new AppError("PRECONDITION_FAILED", `A project has at most ${MAX_WINDOWS} maintenance windows: remove one first.`);
    const created = await tx.maintenanceWindow.create({ data: { projectId: project.id, ...input.window }, select: SELECT });
    await recordAudit(tx, ctx, {
      action: "alerting.maintenance.add",
      target: { type: "maintenance_window", id: created.id, label: `${project.slug}: ${created.name}` },
      projectId: project.id,
      before: null,
      after: created,
    });
    return created;
  });
}

export async function removeMaintenanceWindow(ctx: Ctx, raw: z.input<typeof ZRemoveMaintenanceWindow>): Promise<{ removed: true }> {
  const input = parseInput(ZRemoveMaintenanceWindow, raw);
  authorize(ctx, "alerting.maintenance.edit", projectResource(input.projectId));
  const project = await projectOf(input.projectId);
  return db().$transaction(async (tx) => {
    const before = await tx.maintenanceWindow.findFirst({ where: { id: input.windowId, projectId: project.id }, select: SELECT });
    if (!before) throw new AppError("NOT_FOUND", "This maintenance window no longer exists: someone removed it meanwhile.");
    await tx.maintenanceWindow.delete({ where: { id: before.id } });
    await recordAudit(tx, ctx, {
      action: "alerting.maintenance.remove",
      target: { type: "maintenance_window", id: before.id, label: `${project.slug}: ${before.name}` },
      projectId: project.id,
      before,
      after: null,
    });
    return { removed: true as const };
  });
}
