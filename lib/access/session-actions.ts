"use server";
/** Server actions of sessions: sign out here, sign out everywhere. */

import { z } from "zod";
import { getSessionClaims } from "./session";
import { endAllSessions, endSession } from "./sessions";
import { AppError } from "@/lib/errors";
import { defineAction } from "@/lib/http/action";

/** Ends this browser's session on the server; the user menu then clears the cookie (next-auth's signOut). */
export const signOutAction = defineAction("session.end", z.object({}), async (_input, ctx) => {
  const claims = await getSessionClaims();
  if (!claims) throw new AppError("UNAUTHENTICATED", "Your session has already ended.");
  await endSession(ctx, claims);
  return {};
});

/** Ends every session of the signed-in person, in every browser. */
export const signOutEverywhereAction = defineAction("session.end_all", z.object({}), async (_input, ctx) => {
  await endAllSessions(ctx, { userId: ctx.actor.id });
  return {};
});
