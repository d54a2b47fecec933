/**
 * The wrapper for route handlers: actor (when required), one JSON error
 * shape, request id, HTTP metrics. Unexpected errors are logged, not shown.
 */
import { NextResponse, type NextRequest } from "next/server";
import { randomUUID } from "node:crypto";
import { getActor } from "@/lib/access/session";
import type { Ctx } from "@/lib/context";
import { isAppError, toErrorBody } from "@/lib/errors";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";

const log = childLogger("route");

type Handler<P> = (req: NextRequest, args: { params: P; ctx: Ctx | null; requestId: string }) => Promise<Response>;

export function defineRoute<P = Record<string, string>>(route: string, handler: Handler<P>, opts: { auth: boolean } = { auth: true }) {
  return async (req: NextRequest, context: { params: Promise<P> }): Promise<Response> => {
    const requestId = req.headers.get("x-request-id") ?? randomUUID();
    const stop = metrics().httpDuration.startTimer({ method: req.method, route });
    let status = 500;
    try {
      let ctx: Ctx | null = null;
      if (opts.auth) {
        const actor = await getActor();
        if (!actor) {
          status = 401;
          return NextResponse.json({ code: "UNAUTHENTICATED", message: "Sign in first.", requestId }, { status });
        }
        ctx = { actor, requestId };
      }
      const res = await handler(req, { params: await context.params, ctx, requestId });
      status = res.status;
      return res;
    } catch (e) {
      const body = toErrorBody(e, requestId);
      status = isAppError(e) ? e.status : 500;
      if (!isAppError(e)) log.error({ route, requestId, err: e }, "route failed");
      return NextResponse.json(body, { status });
    } finally {
      stop({ status: String(status) });
      metrics().httpRequests.inc({ method: req.method, route, status: String(status) });
    }
  };
}
