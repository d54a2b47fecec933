/**
 * The wrapper for route handlers: actor (when required), unreadable text in
 * the path, query or body refused at its field, one JSON error shape, request
 * id, HTTP metrics. A busy database answers 503 with Retry-After; unexpected
 * errors are logged, not shown.
 */
import { NextResponse, type NextRequest } from "next/server";
import { randomUUID } from "node:crypto";
import { getActor } from "@/lib/access/session";
import type { Actor } from "@/lib/access/policy";
import type { Ctx } from "@/lib/context";
import { AppError, toErrorBody } from "@/lib/errors";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";
import { knownError, logRefusal } from "./boundary";
import { assertReadableInput, invalidField } from "./input";

const log = childLogger("route");

type Handler<P> = (req: NextRequest, args: { params: P; ctx: Ctx | null; requestId: string }) => Promise<Response>;
type NextHandler<P> = (req: NextRequest, context: { params: Promise<P> }) => Promise<Response>;

export type RouteHandler<P> = NextHandler<P> & {
  /** The same route with the actor from `actor` instead of the session cookie (tests, scripts). */
  withActor(actor: () => Promise<Actor | null>): NextHandler<P>;
};

/** Bodies read as data (JSON, forms); anything else (git packs, files) is the handler's own business. */
async function readBody(req: NextRequest): Promise<unknown> {
  if (req.method === "GET" || req.method === "HEAD" || !req.body) return undefined;
  const type = req.headers.get("content-type") ?? "";
  if (/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    const text = await req.clone().text();
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw invalidField("_form", "The request body is not valid JSON.");
    }
  }
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return req.clone().formData();
  return undefined;
}

/**
 * `auth`: the session's actor is required. `rawBody`: the body is left unread for the handler (a webhook that
 * verifies its caller and caps the body's size before reading it, and answers bad JSON its own way).
 */
export interface RouteOptions {
  auth: boolean;
  rawBody?: boolean;
}

function run<P>(route: string, handler: Handler<P>, opts: RouteOptions, loadActor: () => Promise<Actor | null>): NextHandler<P> {
  return async (req, context) => {
    const requestId = req.headers.get("x-request-id") ?? randomUUID();
    const stop = metrics().httpDuration.startTimer({ method: req.method, route });
    let status = 500;
    let input: Record<string, unknown> = {};
    try {
      let ctx: Ctx | null = null;
      if (opts.auth) {
        const actor = await loadActor();
        if (!actor) {
          status = 401;
          return NextResponse.json({ code: "UNAUTHENTICATED", message: "Sign in first.", requestId }, { status });
        }
        ctx = { actor, requestId };
      }
      const params = await context.params;
      input = { ...Object.fromEntries(req.nextUrl.searchParams), ...(params as Record<string, unknown>) };
      assertReadableInput(params);
      assertReadableInput(req.nextUrl.searchParams);
      const body = opts.rawBody ? undefined : await readBody(req);
      if (body !== undefined) {
        assertReadableInput(body);
        input = { ...(body instanceof FormData ? Object.fromEntries(body) : (body as object)), ...input };
      }
      const res = await handler(req, { params, ctx, requestId });
      status = res.status;
      return res;
    } catch (e) {
      const known = knownError(e, input);
      if (!known) {
        log.error({ route, requestId, err: e }, "route failed");
        return NextResponse.json(toErrorBody(e, requestId), { status });
      }
      logRefusal(log, known, { route, requestId });
      status = known.status;
      return NextResponse.json(toErrorBody(known, requestId), { status, headers: retryAfter(known) });
    } finally {
      stop({ status: String(status) });
      metrics().httpRequests.inc({ method: req.method, route, status: String(status) });
    }
  };
}

function retryAfter(e: AppError): Record<string, string> {
  return e.code === "UNAVAILABLE" ? { "retry-after": String(e.retryAfterSeconds ?? 5) } : {};
}

export function defineRoute<P = Record<string, string>>(route: string, handler: Handler<P>, opts: RouteOptions = { auth: true }): RouteHandler<P> {
  return Object.assign(run(route, handler, opts, getActor), {
    withActor: (actor: () => Promise<Actor | null>) => run(route, handler, opts, actor),
  });
}
