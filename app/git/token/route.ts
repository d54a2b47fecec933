/**
 * A Git access token for the signed-in user, shown as plain text with how to
 * use it. Signed in through the browser session; issuing is audited.
 */
import { NextResponse, type NextRequest } from "next/server";
import { getActor, getRequestId } from "@/lib/access/session";
import { issueGitTokenFor } from "@/lib/git/issue";
import { gitStoreSettings } from "@/lib/git/store";

export const dynamic = "force-dynamic";

export async function GET(req: NextRequest) {
  const actor = await getActor();
  if (!actor) {
    const signin = new URL("/signin", req.nextUrl.origin);
    signin.searchParams.set("callbackUrl", "/git/token");
    return NextResponse.redirect(signin);
  }
  const { token, expiresAt } = await issueGitTokenFor({ actor, requestId: await getRequestId() });
  const base = gitStoreSettings().publicUrl;
  const body = [
    `Your Git access token (${actor.email}), valid until ${expiresAt.toISOString().slice(0, 10)}:`,
    "",
    `  ${token}`,
    "",
    "Clone a project's repository with your e-mail address as the user name and this token as the password:",
    "",
    `  git clone ${base}/git/<project-slug>.git`,
    "",
    "Let git remember it (it asks once):  git config --global credential.helper store",
    "It lets you read the repositories of the projects you belong to, for as long as you belong to them.",
    "Treat it like a password. Opening this page again gives you a new token; old ones stay valid until they expire.",
    "",
  ].join("\n");
  return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}
