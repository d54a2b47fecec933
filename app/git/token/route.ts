/**
 * Where Git access tokens used to be handed out on every GET (so a link, a
 * prefetch or a crawler minted credentials). Tokens are now created only by
 * a POST on the tokens page; this address, still in people's notes and in
 * older git messages, leads there and creates nothing.
 */
import { NextResponse, type NextRequest } from "next/server";
import { GIT_TOKENS_PATH } from "@/lib/git/access";
import { defineRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

// The tokens page itself sends people who are not signed in to the sign-in page.
export const GET = defineRoute("/git/token", async (req: NextRequest) => NextResponse.redirect(new URL(GIT_TOKENS_PATH, req.nextUrl.origin), 307), {
  auth: false,
});
