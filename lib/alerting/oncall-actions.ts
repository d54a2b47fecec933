"use server";
/** Server actions of on-call: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import { setOnCall, ZOnCallSettings } from "./oncall";

export const setOnCallAction = defineAction("alerting.oncall.edit", ZOnCallSettings, (input, ctx) => setOnCall(ctx, input), {
  revalidate: () => ["/teams/[slug]"],
});
