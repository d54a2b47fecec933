"use server";
/** Server actions of CI: thin (parse, call one domain function, revalidate); pages import them from here. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { applyRegeneration, getGeneratedPipeline, planRegeneration } from "./regenerate";
import { ZListRuns, listRuns } from "./history";
import { ZStartRun, startRun } from "./runs";
import { ZUpdateCiSettings, updateCiSettings } from "./settings-store";

const ZTarget = z.union([z.object({ projectId: z.string().min(1) }).strict(), z.object({ all: z.literal(true) }).strict()]);

export const planRegenerationAction = defineAction("ci.plan", ZTarget, async (target, ctx) => planRegeneration(ctx, target));

export const applyRegenerationAction = defineAction(
  "ci.apply",
  z.object({ target: ZTarget, confirm: z.record(z.string().min(1), z.string().regex(/^[0-9a-f]{16}$/)) }),
  async (input, ctx) => applyRegeneration(ctx, input),
  { revalidate: () => ["/projects/[slug]"] },
);

export const getGeneratedPipelineAction = defineAction("ci.generated", z.object({ projectId: z.string().min(1) }), async ({ projectId }, ctx) =>
  getGeneratedPipeline(ctx, projectId),
);

export const updateCiSettingsAction = defineAction("ci.settings.update", ZUpdateCiSettings, async (input, ctx) => updateCiSettings(ctx, input), {
  revalidate: () => ["/projects/[slug]"],
});

/** "Run" by hand from the Builds tab; answers the new run's number so the page can link to it. */
export const startRunAction = defineAction("ci.run.start", ZStartRun, async (input, ctx) => startRun(ctx, input), {
  revalidate: () => ["/projects/[slug]/builds"],
});

/** A page of the runs list (Load more, and the list's refresh while runs are active). */
export const listRunsAction = defineAction("ci.runs.list", ZListRuns, async (input, ctx) => listRuns(ctx, input));
