"use server";
/** Server actions of the run page: cancel and re-run (thin: parse, call lib/ci/runs.ts, revalidate). */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { cancelRun, rerunRun } from "./runs";

const ZRunAction = z.object({ runId: z.string().min(1, { message: "Give the run's id" }).max(40, { message: "A run id is at most 40 characters" }) }).strict();

export const cancelRunAction = defineAction("ci.run.cancel", ZRunAction, async (input, ctx) => cancelRun(ctx, input), {
  revalidate: () => ["/projects/[slug]/builds/[number]"],
});

export const rerunRunAction = defineAction("ci.run.rerun", ZRunAction, async (input, ctx) => rerunRun(ctx, input), {
  revalidate: () => ["/projects/[slug]/builds/[number]"],
});
