/**
 * Convergence to chat against a local HTTP server standing in for each chat service: Slack's incoming webhook,
 * Slack's Web API (chat.postMessage, chat.update, bearer token checked), Feishu, DingTalk and WeCom webhooks, and
 * one that fails before it works. Tests wait for what happens (a post recorded), never for time to pass.
 */
import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { makeProject, makeTeam, makeUser } from "@/test/factories";
import { until, workerForThisFile } from "@/test/worker";
import { checkedChatUrl, renderIncidentMessage, syncIncidentChat, unsafeIncidentChatStatus } from "./chat";
import { incidentChanged } from "./events";
import { setTeamSlackApp } from "./chat-settings";
import { ctxFor } from "@/test/factories";

interface Hit {
  path: string;
  auth: string;
  body: Record<string, unknown>;
}
const received: Hit[] = [];
const SLACK_TOKEN = "xoxb-test-1234567890-abcdef";
let flakyFailures = 0;
let ts = 1000;

const server = http.createServer((req, res) => {
  let data = "";
  req.on("data", (c) => (data += c));
  req.on("end", () => {
    const hit: Hit = { path: req.url ?? "", auth: req.headers.authorization ?? "", body: JSON.parse(data || "{}") as Record<string, unknown> };
    received.push(hit);
    res.setHeader("content-type", "application/json");
    if (hit.path.startsWith("/slack-api/")) {
      // Slack's Web API: 200 with ok:false when it refuses.
      if (hit.auth !== `Bearer ${SLACK_TOKEN}`) return res.end(JSON.stringify({ ok: false, error: "invalid_auth" }));
      if (hit.path === "/slack-api/chat.postMessage") return res.end(JSON.stringify({ ok: true, channel: hit.body.channel, ts: `${++ts}.000100` }));
      if (hit.path === "/slack-api/chat.update") return res.end(JSON.stringify({ ok: true, channel: hit.body.channel, ts: hit.body.ts }));
      return res.end(JSON.stringify({ ok: false, error: "unknown_method" }));
    }
    if (hit.path.startsWith("/flaky") && flakyFailures > 0) {
      flakyFailures -= 1;
      res.statusCode = 500;
      return res.end("chat is down");
    }
    if (hit.path.startsWith("/dingtalk")) return res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
    if (hit.path.startsWith("/wecom")) return res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
    if (hit.path.startsWith("/feishu")) return res.end(JSON.stringify({ code: 0, msg: "success" }));
    res.end("ok");
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
process.env.WHARF_SLACK_API_URL = `${base}/slack-api`;
process.env.NEXTAUTH_URL ??= "http://wharf.test";
afterAll(() => new Promise<void>((r) => server.close(() => r())));

workerForThisFile();

let seq = 0;
/** An open incident of a new team's project, with `clusters` alerts firing (one per cluster), and a release. */
async function incidentFor(team: { id: string }, opts: { clusters?: string[] } = {}) {
  const owner = await makeUser();
  const project = await makeProject({ owner, teamId: team.id, lifecycle: "active" });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "api" } });
  const release = await db().release.create({
    data: {
      serviceId: service.id,
      environment: "dev",
      number: 4,
      specVersion: 0,
      tag: "v2-errors",
      image: "registry.wharf.local/x/api:v2-errors",
      spec: {},
      manifests: [],
      createdById: owner.id,
    },
  });
  const incident = await db().incident.create({
    data: {
      key: `${project.slug}/api/dev/HighErrorRate/${++seq}`,
      status: "open",
      severity: "critical",
      title: "HighErrorRate",
      summary: "api in dev answers 40% 5xx",
      projectId: project.id,
      teamId: team.id,
      serviceSlug: "api",
      environment: "dev",
      releaseId: release.id,
      openedAt: new Date("2026-12-01T10:00:00Z"),
    },
  });
  for (const cluster of opts.clusters ?? ["sandbox-east"]) await addAlert(incident.id, project.slug, cluster);
  return { incident, project, release };
}

async function addAlert(incidentId: string, project: string, cluster: string, status: "firing" | "resolved" = "firing") {
  return db().alert.create({
    data: {
      fingerprint: `${incidentId}-${cluster}`,
      startsAt: new Date("2026-12-01T09:59:00Z"),
      status,
      alertname: "HighErrorRate",
      severity: "critical",
      projectSlug: project,
      serviceSlug: "api",
      environment: "dev",
      cluster,
      labels: { alertname: "HighErrorRate", project, service: "api", environment: "dev", cluster },
      annotations: {},
      incidentId,
    },
  });
}

async function teamWithWebhook(kind: "slack" | "feishu" | "dingtalk" | "wecom", path: string) {
  const team = await makeTeam();
  await db().team.update({ where: { id: team.id }, data: { webhookKind: kind, webhookUrl: `${base}${path}` } });
  return team;
}

const hitsOn = (path: string) => received.filter((r) => r.path === path);

describe("convergence to chat", () => {
  it("says what, where, since when, the counts, the release and links to ack and silence", () => {
    const text = renderIncidentMessage(
      {
        number: 12,
        status: "open",
        severity: "critical",
        title: "HighErrorRate",
        summary: "40% 5xx",
        project: "shop",
        service: "api",
        environment: "dev",
        clusters: ["sandbox-east", "sandbox-west"],
        openedAt: new Date("2026-12-01T10:00:00Z"),
        resolvedAt: null,
        firing: 2,
        resolved: 1,
        release: { id: "r1", number: 4, tag: "v2-errors" },
        acknowledgedBy: null,
        assignee: null,
        escalationLevel: 0,
        onCall: "Omar",
      },
      "https://wharf.example.com",
    );
    expect(text).toContain("INC-12 [CRITICAL] HighErrorRate: open");
    expect(text).toContain("What: HighErrorRate: 40% 5xx");
    expect(text).toContain("Where: shop/api in dev on sandbox-east, sandbox-west");
    expect(text).toContain("Since: 2026-12-01 10:00 UTC · alerts firing 2, resolved 1");
    expect(text).toContain("Release: #4 v2-errors https://wharf.example.com/releases/r1");
    expect(text).toContain("On call: Omar");
    expect(text).toContain("Acknowledge: https://wharf.example.com/incidents/12?action=ack · Silence: https://wharf.example.com/incidents/12?action=silence");
  });

  it("posts each chat webhook's own body once when the incident opens", async () => {
    for (const kind of ["slack", "feishu", "dingtalk", "wecom"] as const) {
      const path = `/${kind}-hook-${seq}`;
      const team = await teamWithWebhook(kind, path);
      const { incident } = await incidentFor(team);
      await syncIncidentChat(incident.id);
      const [hit] = hitsOn(path);
      const text = `INC-${incident.number} [CRITICAL] HighErrorRate: open`;
      if (kind === "slack") expect(hit!.body).toEqual({ text: expect.stringContaining(text) });
      if (kind === "feishu") expect(hit!.body).toEqual({ msg_type: "text", content: { text: expect.stringContaining(text) } });
      if (kind === "dingtalk" || kind === "wecom") expect(hit!.body).toEqual({ msgtype: "text", text: { content: expect.stringContaining(text) } });
      const row = await db().incidentChatMessage.findUniqueOrThrow({ where: { incidentId_channel: { incidentId: incident.id, channel: `team:${team.id}` } } });
      expect(row).toMatchObject({ sentCount: 1, lastError: "" });
      expect(await db().incidentEvent.count({ where: { incidentId: incident.id, kind: "chat_sent" } })).toBe(1);
    }
  });

  it("a webhook channel posts again only when the state changes (ack, resolve), never when alerts join", async () => {
    const team = await teamWithWebhook("feishu", "/feishu-converge");
    const { incident, project } = await incidentFor(team);
    await syncIncidentChat(incident.id);
    expect(hitsOn("/feishu-converge")).toHaveLength(1);

    // Alerts joining and resolving: no new post.
    await addAlert(incident.id, project.slug, "sandbox-west");
    await db().alert.updateMany({ where: { incidentId: incident.id, cluster: "sandbox-east" }, data: { status: "resolved" } });
    await syncIncidentChat(incident.id);
    await syncIncidentChat(incident.id);
    expect(hitsOn("/feishu-converge")).toHaveLength(1);

    const omar = await makeUser("ops", "Omar Ack");
    await db().incident.update({ where: { id: incident.id }, data: { status: "acknowledged", acknowledgedAt: new Date(), acknowledgedById: omar.id } });
    await syncIncidentChat(incident.id);
    expect(hitsOn("/feishu-converge")).toHaveLength(2);
    expect(JSON.stringify(hitsOn("/feishu-converge")[1]!.body)).toContain("acknowledged by Omar Ack");

    await db().incident.update({ where: { id: incident.id }, data: { status: "resolved", resolvedAt: new Date("2026-12-01T10:30:00Z") } });
    await syncIncidentChat(incident.id);
    await syncIncidentChat(incident.id);
    expect(hitsOn("/feishu-converge")).toHaveLength(3);
    expect(JSON.stringify(hitsOn("/feishu-converge")[2]!.body)).toContain("resolved at 2026-12-01 10:30 UTC");
  });

  it("a Slack app posts the message once, then updates it in place as alerts join and resolve", async () => {
    const team = await makeTeam();
    const admin = await makeUser("admin");
    await setTeamSlackApp(await ctxFor(admin), { teamId: team.id, channelId: "C0INCIDENTS", botToken: SLACK_TOKEN });
    const { incident, project } = await incidentFor(team);
    const mine = () => received.filter((r) => r.path.startsWith("/slack-api/") && JSON.stringify(r.body).includes(`INC-${incident.number} `));

    await syncIncidentChat(incident.id);
    expect(mine().map((r) => r.path)).toEqual(["/slack-api/chat.postMessage"]);
    expect(mine()[0]!.auth).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(mine()[0]!.body).toMatchObject({ channel: "C0INCIDENTS", text: expect.stringContaining("alerts firing 1, resolved 0") });
    const row = await db().incidentChatMessage.findUniqueOrThrow({
      where: { incidentId_channel: { incidentId: incident.id, channel: `slack-app:${team.id}` } },
    });
    expect(row.remoteId).toMatch(/^\d+\.000100$/);

    await addAlert(incident.id, project.slug, "sandbox-west");
    await syncIncidentChat(incident.id);
    expect(mine().map((r) => r.path)).toEqual(["/slack-api/chat.postMessage", "/slack-api/chat.update"]);
    expect(mine()[1]!.body).toMatchObject({ channel: "C0INCIDENTS", ts: row.remoteId, text: expect.stringContaining("on sandbox-east, sandbox-west") });
    expect(mine()[1]!.body.text).toContain("alerts firing 2, resolved 0");

    // Unchanged: nothing sent.
    await syncIncidentChat(incident.id);
    expect(mine()).toHaveLength(2);
    // The token is sealed at rest and never in the audit.
    const stored = await db().team.findUniqueOrThrow({ where: { id: team.id }, select: { slackBotTokenSealed: true } });
    expect(stored.slackBotTokenSealed).not.toContain("xoxb");
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "team.chat.update", targetId: team.id } });
    expect(JSON.stringify(audit)).not.toContain(SLACK_TOKEN);
  });

  it("a Slack app whose token Slack refuses shows the refusal on the incident", async () => {
    const team = await makeTeam();
    const admin = await makeUser("admin");
    await setTeamSlackApp(await ctxFor(admin), { teamId: team.id, channelId: "C0WRONGTOK", botToken: "xoxb-wrong-token-000000" });
    const { incident } = await incidentFor(team);
    await expect(syncIncidentChat(incident.id)).rejects.toThrow(/Slack's chat.postMessage refused: invalid_auth/);
    const row = await db().incidentChatMessage.findUniqueOrThrow({
      where: { incidentId_channel: { incidentId: incident.id, channel: `slack-app:${team.id}` } },
    });
    expect(row.lastError).toMatch(/invalid_auth/);
  });

  it("a chat that answers 500 is retried by the queue with backoff, and the failure shows on the incident until it works", async () => {
    flakyFailures = 1;
    const team = await teamWithWebhook("dingtalk", "/flaky-dingtalk");
    const { incident } = await incidentFor(team);
    await db().$transaction((tx) => incidentChanged(tx, incident.id, { delayMs: 0 }));

    const failed = await until(
      async () => db().incidentEvent.findFirst({ where: { incidentId: incident.id, kind: "chat_failed" } }),
      20_000,
      "the failure on the timeline",
    );
    expect(failed.text).toMatch(/Could not post to the team's dingtalk webhook: .* answered 500: chat is down\. Retrying\./);
    const sent = await until(async () => db().incidentEvent.findFirst({ where: { incidentId: incident.id, kind: "chat_sent" } }), 20_000, "the retry to post");
    expect(sent.at.getTime()).toBeGreaterThan(failed.at.getTime());
    expect(hitsOn("/flaky-dingtalk")).toHaveLength(2);
    const row = await db().incidentChatMessage.findUniqueOrThrow({ where: { incidentId_channel: { incidentId: incident.id, channel: `team:${team.id}` } } });
    expect(row).toMatchObject({ lastError: "", attempts: 0, sentCount: 1 });
    // One chat_failed for the streak.
    expect(await db().incidentEvent.count({ where: { incidentId: incident.id, kind: "chat_failed" } })).toBe(1);
  });

  it("a failure streak writes one chat_failed however many attempts fail", async () => {
    flakyFailures = 2;
    const team = await teamWithWebhook("wecom", "/flaky-wecom");
    const { incident } = await incidentFor(team);
    await expect(syncIncidentChat(incident.id)).rejects.toThrow(/answered 500/);
    await expect(syncIncidentChat(incident.id)).rejects.toThrow(/answered 500/);
    const row = await db().incidentChatMessage.findUniqueOrThrow({ where: { incidentId_channel: { incidentId: incident.id, channel: `team:${team.id}` } } });
    expect(row).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/answered 500: chat is down/) });
    expect(await unsafeIncidentChatStatus(incident.id)).toEqual([
      expect.objectContaining({ label: "Team webhook", failing: true, attempts: 2, sentCount: 0, lastError: expect.stringMatching(/answered 500/) }),
    ]);
    expect(await db().incidentEvent.count({ where: { incidentId: incident.id, kind: "chat_failed" } })).toBe(1);
    await syncIncidentChat(incident.id);
    expect(await db().incidentEvent.count({ where: { incidentId: incident.id, kind: "chat_sent" } })).toBe(1);
  });

  it("refuses to post anywhere but an http(s) address", async () => {
    expect(() => checkedChatUrl("file:///etc/passwd")).toThrow(/not an http\(s\) address/);
    expect(() => checkedChatUrl("gopher://127.0.0.1:25/")).toThrow(/not an http\(s\) address/);
    const team = await makeTeam();
    await db().team.update({ where: { id: team.id }, data: { webhookKind: "slack", webhookUrl: "file:///etc/passwd" } });
    const { incident } = await incidentFor(team);
    await expect(syncIncidentChat(incident.id)).rejects.toThrow(/not an http\(s\) address/);
  });

  it("a pending incident (fewer occurrences than its rule asks) tells nobody", async () => {
    const team = await teamWithWebhook("slack", "/slack-pending");
    const { incident } = await incidentFor(team);
    await db().incident.update({ where: { id: incident.id }, data: { status: "pending" } });
    await syncIncidentChat(incident.id);
    expect(hitsOn("/slack-pending")).toHaveLength(0);
  });
});
