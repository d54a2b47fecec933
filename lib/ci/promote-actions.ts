"use server";
/** Server actions of GitFlow promotion: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import { retryPromotion, ZRetryPromotion } from "./promote";

/** Re-evaluates a blocked, failed or pending promotion (the run page's "Retry promotion"). */
export const retryPromotionAction = defineAction("ci.promotion.retry", ZRetryPromotion, async (input, ctx) => retryPromotion(ctx, input), {
  revalidate: (_input, outcome) => ["/projects/[slug]/builds/[number]", ...(outcome.releaseId ? [`/releases/${outcome.releaseId}`] : [])],
});
