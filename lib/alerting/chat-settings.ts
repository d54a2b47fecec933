/**
 * A team's Slack app for incidents (docs/alerting.md, "## Chat"): a bot token (xoxb-..., sealed at rest with
 * WHARF_ENCRYPTION_KEY, never shown again) and the channel id its messages go to. Edited by whoever may edit the
 * team (team.update), audited without the token.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError, parseInput } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { can, teamResource } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { slackTokenAad } from "./chat";

export const ZTeamSlackApp = z
  .object({
    teamId: z.string().min(1),
    /** "" disconnects the app. */
    channelId: z
      .string()
      .trim()
      .refine((v) => v === "" || /^[CG][A-Z0-9]{6,20}$/.test(v), { message: "Use the channel's id (C0123ABCD), from its details in Slack" }),
    /** "" keeps the token already saved. */
    botToken: z
      .string()
      .trim()
      .refine((v) => v === "" || /^xoxb-[A-Za-z0-9-]{10,200}$/.test(v), { message: "Use the app's bot token: it starts with xoxb-" }),
  })
  .refine((v) => v.channelId !== "" || v.botToken === "", { message: "Enter the channel id too", path: ["channelId"] });

/** The team's Slack app as the team page shows it: the channel, whether a token is saved (never the token). */
export async function getTeamSlackApp(ctx: Ctx, teamId: string) {
  const team = await db().team.findUnique({ where: { id: teamId }, select: { id: true, slackChannelId: true, slackBotTokenSealed: true } });
  if (!team) throw new AppError("NOT_FOUND", "This team no longer exists.");
  return { teamId, channelId: team.slackChannelId, hasToken: team.slackBotTokenSealed !== "", canEdit: can(ctx.actor, "team.update", teamResource(teamId)) };
}

export async function setTeamSlackApp(ctx: Ctx, raw: z.input<typeof ZTeamSlackApp>) {
  const input = parseInput(ZTeamSlackApp, raw);
  authorize(ctx, "team.update", teamResource(input.teamId));
  return db().$transaction(async (tx) => {
    const before = await tx.team.findUnique({ where: { id: input.teamId }, select: { id: true, slug: true, slackChannelId: true, slackBotTokenSealed: true } });
    if (!before) throw new AppError("NOT_FOUND", "This team no longer exists.");
    if (input.channelId && !input.botToken && !before.slackBotTokenSealed) {
      throw new AppError("INVALID_INPUT", "Enter the app's bot token.", { fieldErrors: { botToken: ["Enter the app's bot token (xoxb-...)"] } });
    }
    const sealed = !input.channelId
      ? ""
      : input.botToken
        ? encryptSecret(input.botToken, env().WHARF_ENCRYPTION_KEY, slackTokenAad(before.id))
        : before.slackBotTokenSealed;
    await tx.team.update({ where: { id: before.id }, data: { slackChannelId: input.channelId, slackBotTokenSealed: sealed } });
    const view = (channel: string, hasToken: boolean, replaced = false) => ({
      channelId: channel,
      botToken: hasToken ? (replaced ? "replaced" : "kept") : "none",
    });
    await recordAudit(tx, ctx, {
      action: "team.chat.update",
      target: { type: "team", id: before.id, label: before.slug },
      before: view(before.slackChannelId, before.slackBotTokenSealed !== ""),
      after: view(input.channelId, sealed !== "", Boolean(input.botToken)),
    });
    return { channelId: input.channelId, hasToken: sealed !== "" };
  });
}
