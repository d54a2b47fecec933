/** Users: pickers, the admin list, platform roles. */
import { AppError, parseInput } from "@/lib/errors";
import { db } from "@/lib/db/client";
import { staleVersionError } from "@/lib/db/optimistic";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { ZSetPlatformRole } from "./schemas";
import type { z } from "zod";

/** Active users for pickers (owner, members). */
export async function listUserOptions(ctx: Ctx) {
  authorize(ctx, "catalog.read", platform);
  return db().user.findMany({
    where: { disabled: false },
    orderBy: { name: "asc" },
    select: { id: true, name: true, email: true },
    take: 1000,
  });
}

export async function listUsers(ctx: Ctx) {
  authorize(ctx, "user.manage", platform);
  return db().user.findMany({
    orderBy: [{ disabled: "asc" }, { name: "asc" }],
    include: { _count: { select: { projectMembers: true, teamMemberships: true } } },
  });
}

export async function setPlatformRole(ctx: Ctx, raw: z.input<typeof ZSetPlatformRole>) {
  authorize(ctx, "user.manage", platform);
  const input = parseInput(ZSetPlatformRole, raw);
  if (input.userId === ctx.actor.id && input.platformRole !== "admin") {
    throw new AppError("PRECONDITION_FAILED", "You cannot remove your own admin role; ask another admin.");
  }
  return db().$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId } });
    if (!before) throw new AppError("NOT_FOUND", "This user no longer exists.");
    const { count } = await tx.user.updateMany({
      where: { id: input.userId, version: input.version },
      data: { platformRole: input.platformRole, version: { increment: 1 } },
    });
    if (count === 0) {
      const current = await tx.user.findUnique({ where: { id: input.userId }, select: { updatedAt: true } });
      throw await staleVersionError(tx, { type: "user", id: input.userId, noun: "user" }, current);
    }
    const after = await tx.user.findUniqueOrThrow({ where: { id: input.userId } });
    await recordAudit(tx, ctx, {
      action: "user.role",
      target: { type: "user", id: after.id, label: after.email },
      before: { platformRole: before.platformRole },
      after: { platformRole: after.platformRole },
    });
    return after;
  });
}
