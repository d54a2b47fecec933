/** Reading and changing a project's CI settings (branch policy, quality gates, Jenkins), audited, with an optimistic version. */
import { toJson } from "@/lib/db/json";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { staleVersionError } from "@/lib/db/optimistic";
import { AppError, parseInput } from "@/lib/errors";
import { ZCiSettings, ciSettingsOf, type TCiSettings } from "./settings";

export const ZUpdateCiSettings = z.object({
  projectId: z.string().min(1),
  /** The version the form was opened at (0: the project had only the defaults). */
  version: z.number().int().min(0),
  settings: ZCiSettings,
});

/** The settings in force (the defaults where none were saved) and their version (0: never saved). */
export async function getCiSettings(ctx: Ctx, projectId: string): Promise<{ settings: TCiSettings; version: number }> {
  authorize(ctx, "ci.pipeline.read", { kind: "project", projectId });
  const row = await db().ciSettings.findUnique({ where: { projectId } });
  return { settings: ciSettingsOf(row?.settings), version: row?.version ?? 0 };
}

/** Saves a project's CI settings; the pipelines change on the next regeneration (plan, then apply). */
export async function updateCiSettings(ctx: Ctx, raw: z.input<typeof ZUpdateCiSettings>) {
  const input = parseInput(ZUpdateCiSettings, raw);
  authorize(ctx, "ci.settings.edit", { kind: "project", projectId: input.projectId });
  return db().$transaction(async (tx) => {
    const project = await tx.project.findUnique({ where: { id: input.projectId }, select: { slug: true } });
    if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
    const before = await tx.ciSettings.findUnique({ where: { projectId: input.projectId } });
    const value = toJson(input.settings);
    if ((before?.version ?? 0) !== input.version) {
      throw await staleVersionError(tx, { type: "ci-settings", id: input.projectId, noun: "CI settings" }, before);
    }
    const after = before
      ? await tx.ciSettings.update({ where: { projectId: input.projectId }, data: { settings: value, version: { increment: 1 } } })
      : await tx.ciSettings.create({ data: { projectId: input.projectId, settings: value } });
    await recordAudit(tx, ctx, {
      action: "ci.settings.update",
      target: { type: "ci-settings", id: input.projectId, label: project.slug },
      projectId: input.projectId,
      before: { settings: ciSettingsOf(before?.settings), version: before?.version ?? 0 },
      after: { settings: input.settings, version: after.version },
    });
    return { settings: input.settings, version: after.version };
  });
}
