import { defineRoute } from "@/lib/http/route";
import { exportAuditCsv, ZAuditQuery } from "@/lib/audit/query";

/**
 * The audit log as CSV, with the filters of the audit page (`?actor=&action=&target=&project=&from=&to=`, every page
 * of the result). Admins only (audit.read); streamed in batches.
 */
export const GET = defineRoute("/admin/audit/export", async (req, { ctx }) => {
  const { page: _page, ...filters } = ZAuditQuery.parse(Object.fromEntries(req.nextUrl.searchParams));
  const body = await exportAuditCsv(ctx!, filters);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="wharf-audit-${day}.csv"`,
      "cache-control": "no-store",
    },
  });
});
