/**
 * Team webhooks through the real queue and worker, against a local server
 * that records every post it receives. Tests wait for what happens (a post
 * recorded, a job's failure written to the queue), never for time to pass.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, type Tx } from "@/lib/db/client";
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
      // Recorded before the answer: a job that posted has always been recorded by the time it leaves the queue.
      received.push({ path: req.url ?? "", body: JSON.parse(data) });
      res.statusCode = req.url === "/broken" ? 500 : 200;
      res.end(req.url === "/broken" ? "chat is down" : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface WebhookJob {
  id: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
}

/** The webhook jobs in the queue (waiting, running or failed and waiting to retry) that post to `url`. */
async function webhookJobs(client: Tx | ReturnType<typeof db>, url: string): Promise<WebhookJob[]> {
  return client.$queryRaw<WebhookJob[]>`
    select j.id::text as id, j.attempts, j.max_attempts, j.last_error
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'webhook_notify' and j.payload->>'url' = ${url}`;
}

async function teamWithWebhook(kind: "slack" | "feishu", path: string) {
  const team = await makeTeam();
  await db().team.update({ where: { id: team.id }, data: { webhookKind: kind, webhookUrl: `${base}${path}` } });
  return team;
}

describe("notifications", () => {
  it("speaks each chat's webhook dialect", () => {
    expect(webhookBody("slack", "hi")).toEqual({ text: "hi" });
    expect(webhookBody("feishu", "hi")).toEqual({ msg_type: "text", content: { text: "hi" } });
    expect(webhookBody("dingtalk", "hi")).toEqual({ msgtype: "text", text: { content: "hi" } });
    expect(webhookBody("wecom", "hi")).toEqual({ msgtype: "text", text: { content: "hi" } });
  });

  it("notifies users in-app and posts to the team's Feishu webhook through the queue", async () => {
    const user = await makeUser();
    const team = await teamWithWebhook("feishu", "/feishu");
    await db().$transaction((tx) =>
      notify(tx, { userIds: [user.id, user.id], teamId: team.id, title: "#7 was approved", body: "Welcome", link: "/tickets/7" }),
    );
    expect(await db().notification.count({ where: { userId: user.id } })).toBe(1);
    const hit = await until(async () => received.find((r) => r.path === "/feishu"), 10_000, "the webhook post");
    expect(hit.body).toMatchObject({ msg_type: "text", content: { text: expect.stringContaining("#7 was approved\nWelcome") } });
    // Posted once, and the job left the queue as done.
    await until(async () => (await webhookJobs(db(), `${base}/feishu`)).length === 0, 10_000, "the job to finish");
    expect(received.filter((r) => r.path === "/feishu")).toHaveLength(1);
  });

  it("posts nothing and notifies no one when the change that notified is rolled back", async () => {
    const user = await makeUser();
    const rolledBack = await teamWithWebhook("slack", "/rolled-back");
    const committed = await teamWithWebhook("slack", "/committed");
    await db()
      .$transaction(async (tx) => {
        await notify(tx, { userIds: [user.id], teamId: rolledBack.id, title: "never" });
        // The job is queued in the change's own transaction...
        expect(await webhookJobs(tx, `${base}/rolled-back`)).toHaveLength(1);
        throw new Error("abort");
      })
      .catch(() => {});
    // ...while a change that commits gets its post: the worker is running and would have sent the other one.
    await db().$transaction((tx) => notify(tx, { userIds: [], teamId: committed.id, title: "kept" }));
    const kept = await until(async () => received.find((r) => r.path === "/committed"), 10_000, "the committed change's post");
    expect(kept.body).toEqual({ text: "kept" });

    // The rolled-back job never existed: it is not in the queue, and (read after the queue, so a job that
    // had run would already be there) the server never got its post.
    expect(await webhookJobs(db(), `${base}/rolled-back`)).toEqual([]);
    expect(received.filter((r) => r.path === "/rolled-back")).toEqual([]);
    expect(await db().notification.count({ where: { userId: user.id } })).toBe(0);
  });

  it("a chat that answers 500 keeps the job in the queue with the chat's answer, to be tried again", async () => {
    const team = await teamWithWebhook("feishu", "/broken");
    await db().$transaction((tx) => notify(tx, { userIds: [], teamId: team.id, title: "deploy failed" }));
    const [job] = await until(
      async () => {
        const jobs = await webhookJobs(db(), `${base}/broken`);
        return jobs.length === 1 && jobs[0]!.last_error ? jobs : null;
      },
      10_000,
      "the failed attempt to be recorded",
    );
    expect(job!.max_attempts).toBe(5);
    expect(job!.attempts).toBeGreaterThanOrEqual(1);
    expect(job!.last_error).toMatch(/The feishu webhook answered 500: chat is down/);
    const posts = received.filter((r) => r.path === "/broken");
    expect(posts.length).toBeGreaterThanOrEqual(1);
    for (const post of posts) expect(post.body).toEqual({ msg_type: "text", content: { text: "deploy failed" } });
    // Done with it: no retries while the rest of the file runs.
    await db().$executeRaw`select graphile_worker.permanently_fail_jobs(array[${job!.id}::bigint], 'test finished')`;
  });
});
