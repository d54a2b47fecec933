"use server";
/** Server actions of alert rules: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import { saveRuleSettings, ZSaveRules } from "./rules-edit";

export const saveRuleSettingsAction = defineAction("monitoring.rules.save", ZSaveRules, async (input, ctx) => saveRuleSettings(ctx, input), {
  revalidate: () => ["/projects/[slug]/monitoring/rules"],
});
