/** Builds the Actor of a user from the database: platform role and project roles. */
import { db } from "@/lib/db/client";
import type { Actor } from "./policy";

export async function loadActor(userId: string): Promise<Actor | null> {
  const user = await db().user.findUnique({
    where: { id: userId },
    include: { projectMembers: { select: { projectId: true, role: true } } },
  });
  if (!user || user.disabled) return null;
  return {
    kind: "user",
    id: user.id,
    name: user.name,
    email: user.email,
    platformRole: user.platformRole,
    projectRoles: Object.fromEntries(user.projectMembers.map((m) => [m.projectId, m.role])),
  };
}
