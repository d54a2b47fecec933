/** Browsing the audit log (admin) with filters and keyset-free pagination. */
import { z } from "zod";
import { db, type Prisma } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";

export const ZAuditQuery = z.object({
  actor: z.string().trim().max(200).optional().catch(undefined),
  action: z.string().trim().max(100).optional().catch(undefined),
  target: z.string().trim().max(200).optional().catch(undefined),
  project: z.string().trim().max(40).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type TAuditQuery = z.infer<typeof ZAuditQuery>;

const PAGE = 50;

export async function listAuditEvents(ctx: Ctx, q: TAuditQuery) {
  authorize(ctx, "audit.read", platform);
  const where: Prisma.AuditEventWhereInput = {};
  if (q.actor) where.actorLabel = { contains: q.actor, mode: "insensitive" };
  if (q.action) where.action = { startsWith: q.action };
  if (q.target) where.OR = [{ targetLabel: { contains: q.target, mode: "insensitive" } }, { targetId: q.target }];
  if (q.project) {
    const project = await db().project.findUnique({ where: { slug: q.project }, select: { id: true } });
    where.projectId = project?.id ?? "none";
  }
  if (q.from || q.to) {
    where.at = {
      ...(q.from ? { gte: new Date(`${q.from}T00:00:00Z`) } : {}),
      ...(q.to ? { lt: new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86_400_000) } : {}),
    };
  }
  const [total, events, actions] = await Promise.all([
    db().auditEvent.count({ where }),
    db().auditEvent.findMany({ where, orderBy: { at: "desc" }, skip: (q.page - 1) * PAGE, take: PAGE }),
    db().auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
  ]);
  return { total, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE)), events, actions: actions.map((a) => a.action) };
}
