import { defineRoute } from "@/lib/http/route";
import { getSessionClaims } from "@/lib/access/session";
import { loadSessionActor } from "@/lib/access/actor";
import { liveCountsStream } from "@/lib/notifications/stream";

export const dynamic = "force-dynamic";

/**
 * The bell's notifications and the sidebar's inbox count, pushed to an open
 * page as server-sent events (lib/notifications/stream.ts): the counts at
 * once, then whenever they change, fed by Postgres LISTEN/NOTIFY so a change
 * made through any web instance or a job reaches every page.
 */
export const GET = defineRoute("/api/notifications/stream", async (req, { ctx, requestId }) => {
  // Read in the request's scope; the stream checks the same session again before every push.
  const claims = await getSessionClaims();
  const reload = async () => {
    const actor = claims ? await loadSessionActor(claims) : null;
    return actor ? { actor, requestId } : null;
  };
  return new Response(liveCountsStream({ ctx: ctx!, reload, signal: req.signal }), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform keeps compression (Next's, a proxy's) from holding events back.
      "cache-control": "no-cache, no-store, no-transform",
      "x-accel-buffering": "no",
    },
  });
});
