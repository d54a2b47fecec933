import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { search } from "@/lib/search/search";

/**
 * The command palette's search: `?q=` (2 to 100 characters), a few projects, services, tickets and releases the
 * actor may see. A bad q is answered 422 with what to fix.
 */
export const GET = defineRoute("/api/search", async (req, { ctx }) => {
  const result = await search(ctx!, { q: req.nextUrl.searchParams.get("q") ?? "" });
  return NextResponse.json(result, { headers: { "cache-control": "no-store" } });
});
