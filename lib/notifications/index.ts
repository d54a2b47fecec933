/**
 * In-app notifications, and the team webhooks (Slack, Feishu, DingTalk,
 * WeCom) that carry the same news to a team's chat. Webhooks are posted by a
 * job, so a slow chat service never slows a request and a failed post retries.
 */
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { Prisma as Sql } from "@/lib/db/generated/client";
import { prepared } from "@/lib/db/prepared";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { inboxSql } from "@/lib/tickets/approval";
import { LIVE_CHANNEL } from "./live";

export interface News {
  title: string;
  body?: string;
  /** A path in the portal, e.g. /tickets/12. */
  link?: string;
}

/**
 * Tells the open pages of these users (on every web instance: ./live.ts
 * LISTENs) that their notifications changed. NOTIFY is transactional: sent
 * when the caller's transaction commits, never for one rolled back.
 */
export async function announceToUsers(tx: Tx | ReturnType<typeof db>, userIds: string[]) {
  if (!userIds.length) return;
  await tx.$executeRaw`select pg_notify(${LIVE_CHANNEL}, json_build_object('user', u)::text) from unnest(${userIds}::text[]) as u`;
}

/** Tells every open page that the tickets waiting for a decision changed (a request opened, decided or cancelled). */
export async function announceInboxChange(tx: Tx) {
  await tx.$executeRaw`select pg_notify(${LIVE_CHANNEL}, ${JSON.stringify({ inbox: true })})`;
}

/** Notifies users in-app (their open pages at once) and posts to the team's webhook, in the caller's transaction. */
export async function notify(tx: Tx, news: News & { userIds: string[]; teamId?: string | null }) {
  const userIds = [...new Set(news.userIds)];
  if (userIds.length) {
    await tx.notification.createMany({ data: userIds.map((userId) => ({ userId, title: news.title, body: news.body ?? "", link: news.link ?? "" })) });
    await announceToUsers(tx, userIds);
  }
  if (news.teamId) {
    const team = await tx.team.findUnique({ where: { id: news.teamId }, select: { webhookUrl: true, webhookKind: true } });
    if (team?.webhookUrl && team.webhookKind) {
      await enqueue(
        webhookTask,
        { url: team.webhookUrl, kind: team.webhookKind, title: news.title, body: news.body ?? "", link: news.link ?? "" },
        { maxAttempts: 5 },
        tx,
      );
    }
  }
}

/** The body each chat service expects from an incoming webhook. */
export function webhookBody(kind: "slack" | "feishu" | "dingtalk" | "wecom", text: string): unknown {
  switch (kind) {
    case "slack":
      return { text };
    case "feishu":
      return { msg_type: "text", content: { text } };
    case "dingtalk":
      return { msgtype: "text", text: { content: text } };
    case "wecom":
      return { msgtype: "text", text: { content: text } };
  }
}

export const webhookTask = defineTask({
  name: "webhook_notify",
  description: "Posts a notification to a team's chat webhook",
  payload: z.object({ url: z.url(), kind: z.enum(["slack", "feishu", "dingtalk", "wecom"]), title: z.string(), body: z.string(), link: z.string() }),
  async run({ url, kind, title, body, link }) {
    const base = env().NEXTAUTH_URL?.replace(/\/$/, "") ?? "";
    const text = [title, body, link ? `${base}${link}` : ""].filter(Boolean).join("\n");
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(webhookBody(kind, text)),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`The ${kind} webhook answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  },
});

export async function listNotifications(ctx: Ctx, limit = 20) {
  const [items, unread] = await Promise.all([
    db().notification.findMany({ where: { userId: ctx.actor.id }, orderBy: { createdAt: "desc" }, take: limit }),
    db().notification.count({ where: { userId: ctx.actor.id, readAt: null } }),
  ]);
  return { items, unread };
}

export async function markNotificationsRead(ctx: Ctx, ids?: string[]) {
  const { count } = await db().notification.updateMany({
    where: { userId: ctx.actor.id, readAt: null, ...(ids ? { id: { in: ids } } : {}) },
    data: { readAt: new Date() },
  });
  if (ids && count === 0 && ids.length) throw new AppError("NOT_FOUND", "These notifications are not yours or already read.");
  // The user's other tabs drop their unread count too.
  if (count) await announceToUsers(db(), [ctx.actor.id]);
  return { count };
}

/** The header's two counts, on every page: open tickets this actor could decide (their inbox) and their unread notifications, in one statement. */
export async function headerCounts(ctx: Ctx): Promise<{ inbox: number; unread: number }> {
  authorize(ctx, "ticket.read", platform);
  const [row] = await db().$queryRaw<{ inbox: number; unread: number }[]>(
    prepared(Sql.sql`
    select (select count(*) from "Ticket" t where ${inboxSql(ctx.actor)})::int as inbox,
           (select count(*) from "Notification" n where n."userId" = ${ctx.actor.id} and n."readAt" is null)::int as unread`),
  );
  return row ?? { inbox: 0, unread: 0 };
}
