/**
 * Optimistic concurrency: editable records carry a `version`. An update says
 * which version it was made from (`updateMany where {id, version}`); when
 * nothing matched, someone saved in between and the editor is told who.
 */
import { AppError } from "@/lib/errors";
import type { Tx } from "./client";

export async function staleVersionError(tx: Tx, target: { type: string; id: string; noun: string }, current: { updatedAt: Date } | null): Promise<AppError> {
  if (!current) return new AppError("NOT_FOUND", `This ${target.noun} was deleted while you were editing it.`);
  const last = await tx.auditEvent.findFirst({
    where: { targetType: target.type, targetId: target.id },
    orderBy: { at: "desc" },
    select: { actorLabel: true },
  });
  const when = current.updatedAt.toISOString().slice(0, 16).replace("T", " ");
  return new AppError(
    "CONFLICT",
    `Someone else${last ? ` (${last.actorLabel})` : ""} saved this ${target.noun} at ${when} UTC while you were editing. ` +
      "Your changes were not saved: reload to see theirs, then apply yours again.",
  );
}
