/**
 * Push webhooks from GitHub, GitLab and Gitea: POST
 * /api/ci/webhooks/<github|gitlab|gitea>/<project>, verified with the
 * project's webhook secret (lib/ci/webhooks.ts). 401 when it does not verify.
 */
import { NextResponse, type NextRequest } from "next/server";
import { receiveWebhook } from "@/lib/ci/webhooks";
import { AppError } from "@/lib/errors";
import { defineRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Push payloads of large pushes run to megabytes; GitHub caps them at 25 MB. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

// Not signed in through the session: the provider proves itself with the project's secret.
export const POST = defineRoute<{ provider: string; project: string }>(
  "/api/ci/webhooks/[provider]/[project]",
  async (req: NextRequest, { params }) => {
    if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw new AppError("INVALID_INPUT", "The webhook's body is too large.");
    const body = Buffer.from(await req.arrayBuffer());
    if (body.length > MAX_BODY_BYTES) throw new AppError("INVALID_INPUT", "The webhook's body is too large.");
    const outcome = await receiveWebhook(params.provider, params.project, req.headers, body);
    return NextResponse.json(outcome, { status: outcome.started.length ? 202 : 200 });
  },
  { auth: false },
);
