/**
 * The custom-quota limits: the most CPU, memory and pods a custom quota may
 * hold and still be approved by ops (above them, or above the largest
 * preset, or with any GPU, an admin approves). A platform setting that ops
 * and admins edit (`quota.limits.edit`), versioned and audited.
 */
import { z } from "zod";
import { db, type Db, type Tx } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { isUniqueViolation } from "@/lib/db/errors";
import { staleVersionError } from "@/lib/db/optimistic";
import { DEFAULT_QUOTA_LIMITS, ZQuotaLimits, type QuotaLimits } from "./quota";

const KEY = "quota.limits";

export const ZSetQuotaLimits = ZQuotaLimits.extend({
  /** The version the form was opened with; 0 when the limits were never saved. */
  version: z.number().int().min(0),
});
export type TSetQuotaLimits = z.infer<typeof ZSetQuotaLimits>;

/** The limits in force (the defaults until someone saves them), with the version to edit from. */
export async function getQuotaLimits(client: Db | Tx = db()): Promise<QuotaLimits & { version: number; updatedAt: Date | null }> {
  const row = await client.platformSetting.findUnique({ where: { key: KEY } });
  const parsed = ZQuotaLimits.safeParse(row?.value);
  // A stored value this version cannot read (an older shape) counts as the defaults, never as a crash.
  const limits = parsed.success ? parsed.data : DEFAULT_QUOTA_LIMITS;
  return { ...limits, version: row?.version ?? 0, updatedAt: row?.updatedAt ?? null };
}

export async function setQuotaLimits(ctx: Ctx, raw: z.input<typeof ZSetQuotaLimits>) {
  const input = parseInput(ZSetQuotaLimits, raw);
  authorize(ctx, "quota.limits.edit", platform);
  const value: QuotaLimits = { cpu: input.cpu, memoryGi: input.memoryGi, pods: input.pods };
  const target = { type: "setting", id: KEY, label: "Custom quota limits" };
  try {
    return await db().$transaction(async (tx) => {
      const before = await getQuotaLimits(tx);
      const updatedById = ctx.actor.kind === "user" ? ctx.actor.id : null;
      if (input.version === 0) {
        await tx.platformSetting.create({ data: { key: KEY, value, updatedById } });
      } else {
        const { count } = await tx.platformSetting.updateMany({
          where: { key: KEY, version: input.version },
          data: { value, updatedById, version: { increment: 1 } },
        });
        if (count === 0) {
          const current = await tx.platformSetting.findUnique({ where: { key: KEY }, select: { updatedAt: true } });
          throw await staleVersionError(tx, { ...target, noun: "setting" }, current);
        }
      }
      await recordAudit(tx, ctx, {
        action: "settings.quota_limits",
        target,
        before: { cpu: before.cpu, memoryGi: before.memoryGi, pods: before.pods },
        after: value,
      });
      return getQuotaLimits(tx);
    });
  } catch (e) {
    // Two first saves at once: the second finds the row the first created.
    if (isUniqueViolation(e)) {
      throw new AppError("CONFLICT", "Someone else saved the limits while you were editing: reload to see theirs, then apply yours again.");
    }
    throw e;
  }
}
