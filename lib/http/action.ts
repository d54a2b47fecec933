/**
 * The one wrapper every server action is built from: the actor comes from
 * the session, the rest (unreadable text, zod validation, one domain
 * function, one result shape, metrics) is runAction's; on success the pages
 * the change shows on are revalidated.
 */
import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { getActor, getRequestId } from "@/lib/access/session";
import type { Ctx } from "@/lib/context";
import { runAction, type ActionResult } from "./run-action";

export type { ActionResult } from "./run-action";

export function defineAction<S extends z.ZodType, T>(
  name: string,
  schema: S,
  handler: (input: z.output<S>, ctx: Ctx) => Promise<T>,
  opts: { revalidate?: (input: z.output<S>, data: T) => string[] } = {},
): (input: z.input<S>) => Promise<ActionResult<T>> {
  const after = (input: z.output<S>, data: T) => {
    // "/projects/[slug]" revalidates every page of that route; plain paths just themselves.
    for (const path of opts.revalidate?.(input, data) ?? []) {
      if (path.includes("[")) revalidatePath(path, "page");
      else revalidatePath(path);
    }
  };
  return async (raw) => runAction({ name, schema, handler, after }, raw, { requestId: await getRequestId(), actor: getActor });
}
