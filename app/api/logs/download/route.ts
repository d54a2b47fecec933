import { defineRoute } from "@/lib/http/route";
import { parseInput } from "@/lib/errors";
import { ZLogQuery } from "@/lib/logs/protocol";
import { logReader } from "@/lib/logs/reader";
import { downloadLogs } from "@/lib/logs/download";

export const dynamic = "force-dynamic";

/**
 * The merged, filtered lines of a query as a text file (lib/logs/download.ts):
 * the viewer's query with follow off. Same refusals as /api/logs/stream.
 */
export const GET = defineRoute("/api/logs/download", async (req, { ctx }) => {
  const query = parseInput(ZLogQuery, Object.fromEntries(req.nextUrl.searchParams));
  const { filename, body } = await downloadLogs(ctx!, query, logReader());
  return new Response(body, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
