/**
 * Convergence to chat: one message per incident and channel (docs/alerting.md, "## Chat").
 *
 * A team has up to two channels:
 * - its incoming webhook (Team.webhookUrl/webhookKind: Slack, Feishu, DingTalk, WeCom), which cannot edit what it
 *   sent: the incident is posted once when it opens, then again only when its state changes in a way that matters
 *   (acknowledged, escalated, resolved, reopened); alerts joining or resolving show on Wharf's incident page, which
 *   the message links to;
 * - a Slack app (bot token sealed on the team + channel id), whose message is posted once (chat.postMessage) and
 *   then UPDATED in place (chat.update with its `ts`) as alerts join or resolve.
 *
 * What would be sent is hashed (IncidentChatMessage.sentHash): nothing is sent when it would not change. A failed
 * post is written on the incident (lastError, one `chat_failed` timeline event per failure streak) and the job
 * fails, so the queue retries it with backoff (incidentChanged: 8 attempts).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import { defineTask } from "@/lib/jobs/registry";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { webhookBody } from "@/lib/notifications";
import { recordIncidentEvent } from "./events";
import { escalationTarget } from "./oncall-rota";

export type WebhookKind = "slack" | "feishu" | "dingtalk" | "wecom";

/** What the message says: everything comes from the incident as stored (nothing relative to now, so it hashes stably). */
export interface IncidentMessageInput {
  number: number;
  status: "pending" | "open" | "acknowledged" | "resolved";
  severity: string;
  title: string;
  summary: string;
  project: string;
  service: string;
  environment: string;
  clusters: string[];
  openedAt: Date;
  resolvedAt: Date | null;
  firing: number;
  resolved: number;
  release: { id: string; number: number; tag: string } | null;
  acknowledgedBy: string | null;
  assignee: string | null;
  escalationLevel: number;
  /** Who the incident is with now: the person on call, or the one it was escalated to. */
  onCall: string | null;
}

const ICON: Record<IncidentMessageInput["status"], string> = { pending: "⏳", open: "🔴", acknowledged: "👀", resolved: "✅" };

function utc(d: Date) {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The portal's public address (NEXTAUTH_URL), for links in messages. */
export function portalBase() {
  return env().NEXTAUTH_URL?.replace(/\/$/, "") ?? "";
}

/** The incident's message as plain text (every chat's webhook and Slack's API take it as is). */
export function renderIncidentMessage(m: IncidentMessageInput, base = portalBase()): string {
  const page = `${base}/incidents/${m.number}`;
  const state =
    m.status === "resolved"
      ? `resolved${m.resolvedAt ? ` at ${utc(m.resolvedAt)}` : ""}`
      : m.status === "acknowledged"
        ? `acknowledged${m.acknowledgedBy ? ` by ${m.acknowledgedBy}` : ""}`
        : m.escalationLevel > 0
          ? `open, escalated to ${m.onCall ?? "the next person on call"}`
          : "open";
  const lines = [
    `${ICON[m.status]} INC-${m.number} [${m.severity.toUpperCase() || "WARNING"}] ${m.title}: ${state}`,
    `What: ${m.title}${m.summary ? `: ${m.summary}` : ""}`,
    `Where: ${[m.project, m.service].filter(Boolean).join("/") || "?"} in ${m.environment || "?"}${m.clusters.length ? ` on ${m.clusters.join(", ")}` : ""}`,
    `Since: ${utc(m.openedAt)} · alerts firing ${m.firing}, resolved ${m.resolved}`,
  ];
  if (m.release) lines.push(`Release: #${m.release.number} ${m.release.tag} ${base}/releases/${m.release.id}`);
  if (m.status !== "resolved") {
    const who = [m.onCall && `on call: ${m.onCall}`, m.assignee && `assigned to ${m.assignee}`].filter(Boolean).join(" · ");
    if (who) lines.push(who[0]!.toUpperCase() + who.slice(1));
  }
  lines.push(`Incident: ${page}`);
  if (m.status !== "resolved") lines.push(`Acknowledge: ${page}?action=ack · Silence: ${page}?action=silence`);
  return lines.join("\n");
}

/**
 * What must change for a webhook channel (which cannot edit) to post again: the state that matters to people
 * (open, acknowledged, escalated, resolved), never an alert joining.
 */
export function webhookStateKey(m: Pick<IncidentMessageInput, "status" | "escalationLevel">) {
  return `${m.status}|${m.status === "open" ? m.escalationLevel : 0}`;
}

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * The team's webhook URL is pasted by an admin (lib/catalog/schemas.ts accepts http(s) only); it is checked again
 * here before each post, redirects are not followed and every post is bounded: no other scheme, no file, no hop.
 */
export function checkedChatUrl(raw: string): URL {
  const parsed = z.url({ protocol: /^https?$/ }).safeParse(raw);
  if (!parsed.success) throw new Error("The team's chat webhook is not an http(s) address: fix it on the team's page");
  return new URL(parsed.data);
}

async function postJson(url: URL, body: unknown, headers: Record<string, string> = {}) {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(env().WHARF_CHAT_TIMEOUT_MS),
    });
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    if (err.name === "TimeoutError") throw new Error(`${url.host} did not answer within ${env().WHARF_CHAT_TIMEOUT_MS / 1000} s`);
    throw new Error(`${url.host} could not be reached: ${err.cause?.code ?? err.cause?.message ?? err.message ?? String(e)}`);
  }
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url.host} answered ${res.status}: ${text.trim().slice(0, 200) || res.statusText}`);
  return text;
}

/** The answers chat services give with status 200 that still mean failure (DingTalk and WeCom: errcode; Feishu: code). */
function refusedIn200(kind: WebhookKind, text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const b = z
    .object({ errcode: z.number().optional(), errmsg: z.string().optional(), code: z.number().optional(), msg: z.string().optional() })
    .safeParse(body);
  if (!b.success) return null;
  if ((kind === "dingtalk" || kind === "wecom") && b.data.errcode) return `${kind} refused the message: ${b.data.errmsg ?? b.data.errcode}`;
  if (kind === "feishu" && b.data.code) return `feishu refused the message: ${b.data.msg ?? b.data.code}`;
  return null;
}

const ZSlackAnswer = z.object({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional() });

/** One call of Slack's Web API with the app's bot token; Slack answers 200 with `ok: false` when it refuses. */
export async function slackApi(method: "chat.postMessage" | "chat.update", token: string, body: Record<string, string>) {
  const url = checkedChatUrl(`${env().WHARF_SLACK_API_URL.replace(/\/$/, "")}/${method}`);
  const text = await postJson(url, body, { authorization: `Bearer ${token}` });
  let parsed: z.infer<typeof ZSlackAnswer>;
  try {
    parsed = ZSlackAnswer.parse(JSON.parse(text));
  } catch {
    throw new Error(`Slack's ${method} answered something that is not Slack's JSON`);
  }
  if (!parsed.ok) throw new Error(`Slack's ${method} refused: ${parsed.error ?? "unknown error"}`);
  return parsed;
}

/** Seals a Slack bot token for Team.slackBotTokenSealed (bound to the team, so it cannot be moved to another). */
export const slackTokenAad = (teamId: string) => `team-slack-bot:${teamId}`;

interface Channel {
  key: string;
  label: string;
  /** Posts the text, or updates the message `remoteId`; returns the message's id when it can be updated later. */
  send(text: string, remoteId: string): Promise<{ remoteId: string; mode: "posted" | "updated" }>;
  updatable: boolean;
}

function channelsOf(team: { id: string; webhookUrl: string; webhookKind: WebhookKind | null; slackBotTokenSealed: string; slackChannelId: string }): Channel[] {
  const out: Channel[] = [];
  if (team.webhookUrl && team.webhookKind) {
    const kind = team.webhookKind;
    out.push({
      key: `team:${team.id}`,
      label: `the team's ${kind} webhook`,
      updatable: false,
      async send(text) {
        const answer = await postJson(checkedChatUrl(team.webhookUrl), webhookBody(kind, text));
        const refused = refusedIn200(kind, answer);
        if (refused) throw new Error(refused);
        return { remoteId: "", mode: "posted" };
      },
    });
  }
  if (team.slackBotTokenSealed && team.slackChannelId) {
    out.push({
      key: `slack-app:${team.id}`,
      label: "the team's Slack app",
      updatable: true,
      async send(text, remoteId) {
        let token: string;
        try {
          token = decryptSecret(team.slackBotTokenSealed, env().WHARF_ENCRYPTION_KEY, slackTokenAad(team.id));
        } catch {
          throw new Error("The team's Slack bot token cannot be read (sealed with another key): enter it again on the team's page");
        }
        if (remoteId) {
          try {
            await slackApi("chat.update", token, { channel: team.slackChannelId, ts: remoteId, text });
            return { remoteId, mode: "updated" };
          } catch (e) {
            // The message was deleted in Slack: post it again rather than fail forever.
            if (!/message_not_found|cant_update_message/.test((e as Error).message)) throw e;
          }
        }
        const posted = await slackApi("chat.postMessage", token, { channel: team.slackChannelId, text });
        if (!posted.ts) throw new Error("Slack's chat.postMessage answered without the message's ts");
        return { remoteId: posted.ts, mode: "posted" };
      },
    });
  }
  return out;
}

async function messageInput(tx: Tx, incidentId: string) {
  const incident = await tx.incident.findUnique({
    where: { id: incidentId },
    include: {
      project: { select: { slug: true } },
      release: { select: { id: true, number: true, tag: true } },
      assignee: { select: { name: true } },
      team: { select: { id: true, webhookUrl: true, webhookKind: true, slackBotTokenSealed: true, slackChannelId: true } },
    },
  });
  if (!incident) return null;
  const [alerts, ackBy, onCall] = await Promise.all([
    tx.alert.groupBy({ by: ["cluster", "status"], where: { incidentId }, _count: { _all: true } }),
    incident.acknowledgedById ? tx.user.findUnique({ where: { id: incident.acknowledgedById }, select: { name: true } }) : null,
    incident.teamId ? escalationTarget(tx, incident.teamId, incident.openedAt, incident.escalationLevel) : null,
  ]);
  const count = (s: "firing" | "resolved") => alerts.filter((a) => a.status === s).reduce((n, a) => n + a._count._all, 0);
  const input: IncidentMessageInput = {
    number: incident.number,
    status: incident.status,
    severity: incident.severity,
    title: incident.title,
    summary: incident.summary,
    project: incident.project?.slug ?? "",
    service: incident.serviceSlug,
    environment: incident.environment,
    clusters: [...new Set(alerts.map((a) => a.cluster).filter(Boolean))].sort(),
    openedAt: incident.openedAt,
    resolvedAt: incident.resolvedAt,
    firing: count("firing"),
    resolved: count("resolved"),
    release: incident.release,
    acknowledgedBy: ackBy?.name ?? null,
    assignee: incident.assignee?.name ?? null,
    escalationLevel: incident.escalationLevel,
    onCall: onCall?.name ?? null,
  };
  return { incident, input };
}

/** Brings the incident's message in each of its team's channels up to date; throws (to be retried) when one failed. */
export async function syncIncidentChat(incidentId: string): Promise<void> {
  const failures = await db().$transaction(
    async (tx) => {
      // One sync per incident at a time: a second job queued while this one runs waits, then finds the hash sent.
      await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`incident-chat:${incidentId}`}))`;
      const loaded = await messageInput(tx, incidentId);
      if (!loaded) return [];
      const { incident, input } = loaded;
      const team = incident.team;
      if (!team) return [];
      // Pending incidents (fewer occurrences than their rule asks) tell nobody.
      if (incident.status === "pending") return [];
      const text = renderIncidentMessage(input);
      const failed: string[] = [];
      for (const channel of channelsOf(team)) {
        const row = await tx.incidentChatMessage.findUnique({ where: { incidentId_channel: { incidentId, channel: channel.key } } });
        const hash = sha256(channel.updatable ? text : webhookStateKey(input));
        if (row?.sentHash === hash) continue;
        // A webhook channel that never posted does not start with a resolution nobody saw open.
        if (!row?.sentCount && !channel.updatable && incident.status === "resolved") continue;
        try {
          const sent = await channel.send(text, row?.remoteId ?? "");
          const data = {
            sentHash: hash,
            remoteId: sent.remoteId,
            sentCount: { increment: 1 },
            lastSentAt: new Date(),
            attempts: 0,
            lastError: "",
            lastErrorAt: null,
          };
          await tx.incidentChatMessage.upsert({
            where: { incidentId_channel: { incidentId, channel: channel.key } },
            create: { incidentId, channel: channel.key, ...data, sentCount: 1 },
            update: data,
          });
          await recordIncidentEvent(tx, incidentId, "chat_sent", {
            text: `${sent.mode === "updated" ? "Updated the message in" : "Posted to"} ${channel.label}`,
            data: { channel: channel.key, mode: sent.mode, status: incident.status },
          });
        } catch (e) {
          const reason = e instanceof Error ? e.message : String(e);
          failed.push(`${channel.label}: ${reason}`);
          await tx.incidentChatMessage.upsert({
            where: { incidentId_channel: { incidentId, channel: channel.key } },
            create: { incidentId, channel: channel.key, attempts: 1, lastError: reason, lastErrorAt: new Date() },
            update: { attempts: { increment: 1 }, lastError: reason, lastErrorAt: new Date() },
          });
          // Once per failure streak: the timeline says it failed, not each retry.
          if (!row?.lastError) {
            await recordIncidentEvent(tx, incidentId, "chat_failed", {
              text: `Could not post to ${channel.label}: ${reason}. Retrying.`,
              data: { channel: channel.key },
            });
          }
        }
      }
      return failed;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  if (failures.length) throw new Error(`Chat not up to date: ${failures.join("; ")}`);
}

export const incidentChatTask = defineTask({
  name: "incident_chat_sync",
  description: "Sends or updates an incident's message in its team's chat channels",
  payload: z.object({ incidentId: z.string() }),
  async run({ incidentId }) {
    await syncIncidentChat(incidentId);
  },
});

/**
 * Each channel's message of an incident for its page (sent how many times, when, the last failure while it lasts).
 * Not authorized here: the incident page reads it after checking `alert.read` on the incident's project.
 */
export async function unsafeIncidentChatStatus(incidentId: string) {
  const rows = await db().incidentChatMessage.findMany({ where: { incidentId }, orderBy: { channel: "asc" } });
  return rows.map((r) => ({
    channel: r.channel,
    label: r.channel.startsWith("slack-app:") ? "Slack app (updated in place)" : "Team webhook",
    sentCount: r.sentCount,
    lastSentAt: r.lastSentAt?.toISOString() ?? null,
    failing: r.lastError !== "",
    lastError: r.lastError,
    lastErrorAt: r.lastErrorAt?.toISOString() ?? null,
    attempts: r.attempts,
  }));
}
export type IncidentChatStatus = Awaited<ReturnType<typeof unsafeIncidentChatStatus>>;
