import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { notify, webhookBody } from "./index";
import { makeTeam, makeUser } from "@/test/factories";
import { until, workerForThisFile } from "@/test/worker";

workerForThisFile();

const received: { path: string; body: unknown }[] = [];
let server: http.Server;
let base = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(data) });
      res.statusCode = req.url === "/broken" ? 500 : 200;
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("notifications", () => {
  it("speaks each chat's webhook dialect", () => {
    expect(webhookBody("slack", "hi")).toEqual({ text: "hi" });
    expect(webhookBody("feishu", "hi")).toEqual({ msg_type: "text", content: { text: "hi" } });
    expect(webhookBody("dingtalk", "hi")).toEqual({ msgtype: "text", text: { content: "hi" } });
    expect(webhookBody("wecom", "hi")).toEqual({ msgtype: "text", text: { content: "hi" } });
  });

  it("notifies users in-app and posts to the team's Feishu webhook through the queue", async () => {
    const user = await makeUser();
    const team = await makeTeam();
    await db().team.update({ where: { id: team.id }, data: { webhookKind: "feishu", webhookUrl: `${base}/feishu` } });
    await db().$transaction((tx) =>
      notify(tx, { userIds: [user.id, user.id], teamId: team.id, title: "#7 was approved", body: "Welcome", link: "/tickets/7" }),
    );
    expect(await db().notification.count({ where: { userId: user.id } })).toBe(1);
    const hit = await until(async () => received.find((r) => r.path === "/feishu"), 10_000, "the webhook post");
    expect(hit.body).toMatchObject({ msg_type: "text", content: { text: expect.stringContaining("#7 was approved\nWelcome") } });
  });

  it("posts nothing when the change that notified is rolled back", async () => {
    const team = await makeTeam();
    await db().team.update({ where: { id: team.id }, data: { webhookKind: "slack", webhookUrl: `${base}/rolled-back` } });
    await db()
      .$transaction(async (tx) => {
        await notify(tx, { userIds: [], teamId: team.id, title: "never" });
        throw new Error("abort");
      })
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 800));
    expect(received.find((r) => r.path === "/rolled-back")).toBeUndefined();
  });
});
