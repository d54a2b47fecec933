/**
 * Git smart HTTP, read-only, over the portal's repository store:
 * `git clone <portal>/git/<slug>.git`. Access: see lib/git/access.ts.
 */
import type { NextRequest } from "next/server";
import { env } from "@/lib/env";
import { defineRoute } from "@/lib/http/route";
import { handleGitHttp } from "@/lib/git/smart-http";
import { gitStoreSettings } from "@/lib/git/store";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// Not signed in through the session: git clients authenticate with HTTP Basic (checked per request).
const handler = defineRoute<{ path: string[] }>(
  "/git/[...path]",
  async (req: NextRequest, { params }) => handleGitHttp(req, params.path, { settings: gitStoreSettings(), publicRead: env().WHARF_GIT_PUBLIC_READ }),
  { auth: false },
);

export const GET = handler;
export const POST = handler;
