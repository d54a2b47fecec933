/** Browsing the audit log (admin) with filters, page by page, and exporting what the filters match as CSV. */
import { z } from "zod";
import { stringify } from "csv-stringify/sync";
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

/** The filters of the audit page as a query; the page, its CSV export and the tests share it. */
async function auditWhere(q: Omit<TAuditQuery, "page">): Promise<Prisma.AuditEventWhereInput> {
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
  return where;
}

export async function listAuditEvents(ctx: Ctx, q: TAuditQuery) {
  authorize(ctx, "audit.read", platform);
  const where = await auditWhere(q);
  const [total, events, actions] = await Promise.all([
    db().auditEvent.count({ where }),
    db().auditEvent.findMany({ where, orderBy: [{ at: "desc" }, { id: "desc" }], skip: (q.page - 1) * PAGE, take: PAGE }),
    db().auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
  ]);
  return { total, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE)), events, actions: actions.map((a) => a.action) };
}

/** Rows read per query while exporting: the export's memory stays this size however long the log is. */
const EXPORT_BATCH = 500;

export const AUDIT_CSV_COLUMNS = ["time", "actor", "action", "target_type", "target_id", "target", "project", "request_id", "before", "after"] as const;

const json = (v: Prisma.JsonValue | null) => (v === null ? "" : JSON.stringify(v));

/**
 * The audit events matching the page's filters (all pages), newest first, as CSV (RFC 4180: CRLF, fields with
 * commas, quotes or line breaks quoted, quotes doubled). A cell a spreadsheet would run as a formula (starting with
 * = + - @, a tab or a carriage return) is prefixed with an apostrophe. Read in batches by keyset, so the response
 * streams: nothing holds the whole log in memory. Throws FORBIDDEN before anything is sent.
 */
export async function exportAuditCsv(ctx: Ctx, q: Omit<TAuditQuery, "page">): Promise<ReadableStream<Uint8Array>> {
  authorize(ctx, "audit.read", platform);
  const where = await auditWhere(q);
  const encoder = new TextEncoder();
  const options = { escape_formulas: true, record_delimiter: "windows", cast: { date: (d: Date) => d.toISOString() } } as const;
  let cursor: { at: Date; id: string } | null = null;
  const slugs = new Map<string, string>();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(stringify([[...AUDIT_CSV_COLUMNS]], options)));
    },
    async pull(controller) {
      const after: Prisma.AuditEventWhereInput | null = cursor && {
        OR: [{ at: { lt: cursor.at } }, { at: cursor.at, id: { lt: cursor.id } }],
      };
      const rows = await db().auditEvent.findMany({
        where: after ? { AND: [where, after] } : where,
        orderBy: [{ at: "desc" }, { id: "desc" }],
        take: EXPORT_BATCH,
      });
      const unknown = [...new Set(rows.map((r) => r.projectId).filter((id): id is string => Boolean(id) && !slugs.has(id!)))];
      if (unknown.length) {
        for (const p of await db().project.findMany({ where: { id: { in: unknown } }, select: { id: true, slug: true } })) slugs.set(p.id, p.slug);
      }
      if (rows.length) {
        const records = rows.map((r) => [
          r.at,
          r.actorLabel,
          r.action,
          r.targetType,
          r.targetId,
          r.targetLabel,
          r.projectId ? (slugs.get(r.projectId) ?? r.projectId) : "",
          r.requestId,
          json(r.before),
          json(r.after),
        ]);
        controller.enqueue(encoder.encode(stringify(records, options)));
        const last = rows.at(-1)!;
        cursor = { at: last.at, id: last.id };
      }
      if (rows.length < EXPORT_BATCH) controller.close();
    },
  });
}
