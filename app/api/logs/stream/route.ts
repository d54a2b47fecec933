import { defineRoute } from "@/lib/http/route";
import { getSessionClaims } from "@/lib/access/session";
import { loadActor, loadSessionActor } from "@/lib/access/actor";
import { parseInput } from "@/lib/errors";
import { ZLogQuery } from "@/lib/logs/protocol";
import { logReader } from "@/lib/logs/reader";
import { openLogStream } from "@/lib/logs/stream";

export const dynamic = "force-dynamic";

/**
 * A viewer's live tail of a service in an environment (lib/logs/stream.ts):
 * Server-Sent Events as lib/logs/protocol.ts `LogEvent` says. 400 at the
 * field for a bad query (a pattern that does not compile), 404 for a service
 * the reader may not see, 403 for production logs without the right; nothing
 * is opened on a cluster before those checks.
 */
export const GET = defineRoute("/api/logs/stream", async (req, { ctx, requestId }) => {
  const query = parseInput(ZLogQuery, Object.fromEntries(req.nextUrl.searchParams));
  // Read in the request's scope; the stream checks the same session (or, for an actor given by a test or script, the same user) again while it runs.
  const claims = await getSessionClaims().catch(() => null);
  const userId = ctx!.actor.id;
  const reload = async () => {
    const actor = claims ? await loadSessionActor(claims) : await loadActor(userId);
    return actor ? { actor, requestId } : null;
  };
  const body = await openLogStream({ ctx: ctx!, query, lastEventId: req.headers.get("last-event-id"), reload, reader: logReader(), signal: req.signal });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform keeps compression (Next's, a proxy's) from holding events back.
      "cache-control": "no-cache, no-store, no-transform",
      "x-accel-buffering": "no",
    },
  });
});
