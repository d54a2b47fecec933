import { z } from "zod";
import { defineRoute } from "@/lib/http/route";
import { getSessionClaims } from "@/lib/access/session";
import { loadActor, loadSessionActor } from "@/lib/access/actor";
import { parseInput } from "@/lib/errors";
import { resumeOffset, runStream } from "@/lib/ci/run-stream";

export const dynamic = "force-dynamic";

const ZQuery = z.object({
  id: z.string().min(1).max(40, { message: "A run id is at most 40 characters" }),
  step: z.string().min(1).max(40, { message: "A step id is at most 40 characters" }).optional(),
  from: z.coerce.number({ message: "from is a byte offset, such as 0" }).int().min(0, { message: "from counts bytes from 0" }).optional(),
});

/**
 * A run page's live events (lib/ci/run-stream.ts): `state` (the run, its
 * tasks and steps), `log` (new lines of the step `?step=`, each with an id
 * to resume from) and `end`. 404 for a run the reader may not see.
 */
export const GET = defineRoute<{ id: string }>("/api/ci/runs/[id]/stream", async (req, { ctx, params, requestId }) => {
  const q = parseInput(ZQuery, {
    id: params.id,
    step: req.nextUrl.searchParams.get("step") ?? undefined,
    from: req.nextUrl.searchParams.get("from") ?? undefined,
  });
  // Read in the request's scope; the stream checks the same session (or, for an actor given by a test or script, the same user) again before every read.
  const claims = await getSessionClaims().catch(() => null);
  const userId = ctx!.actor.id;
  const reload = async () => {
    const actor = claims ? await loadSessionActor(claims) : await loadActor(userId);
    return actor ? { actor, requestId } : null;
  };
  const stepId = q.step ?? null;
  const fromByte = Math.max(q.from ?? 0, resumeOffset(req.headers.get("last-event-id"), stepId));
  const body = await runStream({ ctx: ctx!, runId: q.id, stepId, fromByte, reload, signal: req.signal });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform keeps compression (Next's, a proxy's) from holding events back.
      "cache-control": "no-cache, no-store, no-transform",
      "x-accel-buffering": "no",
    },
  });
});
