"use server";
/** Server actions of the chat part of alerting: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import { setTeamSlackApp, ZTeamSlackApp } from "./chat-settings";

export const setTeamSlackAppAction = defineAction("team.chat.update", ZTeamSlackApp, (input, ctx) => setTeamSlackApp(ctx, input), {
  revalidate: () => ["/teams/[slug]"],
});
