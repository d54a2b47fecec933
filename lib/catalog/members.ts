/**
 * Every change of a project's membership goes through here, however it
 * happens (the members dialog, a change of owner in the project's form, an
 * approved access request): the project keeps at least one owner, its owner
 * field names a member who is an owner, the change is audited, and a
 * member_sync run makes the clusters' RoleBindings follow.
 */
import { AppError } from "@/lib/errors";
import type { Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import type { Ctx } from "@/lib/context";
import type { ProjectRole } from "@/lib/access/roles";
import { syncMembers } from "@/lib/provisioning/start";

export interface MembershipChange {
  projectId: string;
  userId: string;
  /** The new role, or null to remove the member. */
  role: ProjectRole | null;
  /** Recorded with the audit event, e.g. the ticket that asked for it. */
  because?: Record<string, unknown>;
  /** Start no member_sync run (the caller starts one that covers this change). */
  noSync?: boolean;
}

function lastOwner(slug: string) {
  return new AppError("PRECONDITION_FAILED", `${slug} needs at least one owner: make someone else owner first.`, {
    fieldErrors: { role: ["The last owner cannot be demoted or removed"] },
  });
}

/** Applies one membership change in the caller's transaction; returns what it was before and after. */
export async function changeMembership(tx: Tx, ctx: Ctx, change: MembershipChange) {
  // Serialise membership changes of a project: two owners demoting each other at once must not leave it ownerless.
  await tx.$queryRaw`select id from "Project" where id = ${change.projectId} for update`;
  const project = await tx.project.findUnique({ where: { id: change.projectId }, select: { id: true, slug: true, ownerId: true } });
  if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
  const user = await tx.user.findUnique({ where: { id: change.userId }, select: { id: true, email: true, disabled: true } });
  if (!user) throw new AppError("INVALID_INPUT", "Choose an active user.", { fieldErrors: { userId: ["This user does not exist"] } });
  if (change.role && user.disabled) throw new AppError("INVALID_INPUT", "Choose an active user.", { fieldErrors: { userId: ["This user is disabled"] } });
  const before = await tx.projectMember.findUnique({ where: { projectId_userId: { projectId: project.id, userId: user.id } } });
  if (!before && change.role === null) throw new AppError("NOT_FOUND", "This user is not a member of the project.");
  if (before?.role === change.role) return { before: before.role, after: change.role, changed: false };

  if (before?.role === "owner") {
    const others = await tx.projectMember.findMany({
      where: { projectId: project.id, role: "owner", userId: { not: user.id } },
      select: { userId: true },
      orderBy: { createdAt: "asc" },
    });
    if (others.length === 0) throw lastOwner(project.slug);
    // The project's owner field follows: it always names a member who is an owner.
    if (project.ownerId === user.id) await tx.project.update({ where: { id: project.id }, data: { ownerId: others[0]!.userId, version: { increment: 1 } } });
  }
  if (change.role === null) await tx.projectMember.delete({ where: { id: before!.id } });
  else
    await tx.projectMember.upsert({
      where: { projectId_userId: { projectId: project.id, userId: user.id } },
      create: { projectId: project.id, userId: user.id, role: change.role },
      update: { role: change.role },
    });
  await recordAudit(tx, ctx, {
    action: change.role === null ? "member.remove" : before ? "member.update" : "member.add",
    target: { type: "member", id: `${project.id}:${user.id}`, label: `${project.slug}/${user.email}` },
    projectId: project.id,
    before: before ? { userId: user.id, role: before.role } : undefined,
    after: change.role === null ? undefined : { userId: user.id, role: change.role, ...change.because },
  });
  if (!change.noSync) await syncMembers(tx, ctx, project.id);
  return { before: before?.role ?? null, after: change.role, changed: true };
}
