/**
 * The signed-in actor of the current request. The JWT only says who; roles
 * and memberships are read from the database on every request (once, through
 * React's cache), so a role change or a disabled account takes effect at once.
 */
import { cache } from "react";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { randomUUID } from "node:crypto";
import type { Ctx } from "@/lib/context";
import { authOptions } from "./auth";
import type { Actor } from "./policy";
import { loadActor } from "./actor";

export const getActor = cache(async (): Promise<Actor | null> => {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  return id ? loadActor(id) : null;
});

export const getRequestId = cache(async (): Promise<string> => {
  return (await headers()).get("x-request-id") ?? randomUUID();
});

/** For pages: the request context, or a redirect to sign-in. */
export async function requireCtx(): Promise<Ctx> {
  const actor = await getActor();
  if (!actor) redirect("/signin");
  return { actor, requestId: await getRequestId() };
}
