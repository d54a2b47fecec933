/**
 * Webhooks from GitHub, GitLab and Gitea through the route: a push signed
 * with the project's secret starts a run for its branch and commit; a bad or
 * missing signature is a 401 and nothing runs; only owners and maintainers
 * create the secret, which is sealed at rest.
 */
import { createHmac } from "node:crypto";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { rotateWebhookSecret } from "./webhooks";

const route = await import("@/app/api/ci/webhooks/[provider]/[project]/route");

const SHA = "0123456789abcdef0123456789abcdef01234567";
let secret = "";
let projectId = "";

beforeAll(async () => {
  const owner = await makeUser("developer", "owner of hooked");
  const project = await makeProject({ owner, slug: "hooked", lifecycle: "active" });
  projectId = project.id;
  await db().service.create({ data: { projectId, slug: "api", name: "api" } });
  ({ secret } = await rotateWebhookSecret(await ctxFor(owner), { projectSlug: "hooked" }));
});

function payload(ref: string, message: string) {
  return JSON.stringify({
    ref,
    before: "0".repeat(40),
    after: SHA,
    checkout_sha: SHA,
    head_commit: { id: SHA, message, author: { name: "Gita", email: "gita@example.com" } },
    commits: [{ id: SHA, message, author: { name: "Gita", email: "gita@example.com" } }],
  });
}

const hmac = (key: string, body: string) => createHmac("sha256", key).update(body).digest("hex");

const SIGN = {
  github: (body: string, key: string) => ({ "x-github-event": "push", "x-hub-signature-256": `sha256=${hmac(key, body)}` }),
  gitlab: (_body: string, key: string) => ({ "x-gitlab-event": "Push Hook", "x-gitlab-token": key }),
  gitea: (body: string, key: string) => ({ "x-gitea-event": "push", "x-gitea-signature": hmac(key, body) }),
} as const;

async function post(provider: string, body: string, headers: Record<string, string>, project = "hooked") {
  const req = new NextRequest(`http://localhost/api/ci/webhooks/${provider}/${project}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return route.POST(req, { params: Promise.resolve({ provider, project }) });
}

async function jobs() {
  const rows = await db().$queryRaw<{ n: bigint }[]>`select count(*) as n from graphile_worker.jobs where task_identifier = 'ci_start_run'`;
  return Number(rows[0]!.n);
}

describe.each(["github", "gitlab", "gitea"] as const)("a %s push webhook", (provider) => {
  it("signed with the project's secret starts a run for the branch and commit", async () => {
    const body = payload("refs/heads/develop", `Pushed via ${provider}`);
    const res = await post(provider, body, SIGN[provider](body, secret));
    expect(res.status).toBe(202);
    const { started } = (await res.json()) as { started: string[] };
    expect(started).toHaveLength(1);
    const run = await db().ciRun.findUniqueOrThrow({ where: { id: started[0] } });
    expect(run).toMatchObject({
      projectId,
      trigger: "webhook",
      ref: "develop",
      commitSha: SHA,
      message: `Pushed via ${provider}`,
      author: "Gita <gita@example.com>",
    });
    expect(run.params).toMatchObject({ "git-revision": SHA, build: "true", push: "true" });
  });

  it("with a bad signature is refused with 401 and runs nothing", async () => {
    const runs = await db().ciRun.count();
    const queued = await jobs();
    const body = payload("refs/heads/develop", "Forged");
    for (const headers of [SIGN[provider](body, "not-the-secret"), {}]) {
      const res = await post(provider, body, headers);
      expect(res.status).toBe(401);
    }
    // Signed for another body: the payload was changed on the way.
    const res = await post(provider, payload("refs/heads/develop", "Tampered"), SIGN[provider](body, secret));
    expect(res.status).toBe(provider === "gitlab" ? 202 : 401); // GitLab sends a token, not a signature of the body
    if (provider !== "gitlab") {
      expect(await db().ciRun.count()).toBe(runs);
      expect(await jobs()).toBe(queued);
    }
  });
});

describe("webhook secrets and other requests", () => {
  it("answers 401 alike for a project that does not exist", async () => {
    const body = payload("refs/heads/develop", "x");
    expect((await post("github", body, SIGN.github(body, secret), "no-such-project")).status).toBe(401);
  });

  it("ignores events that are not pushes, and refs the branch policy does not run", async () => {
    const ping = JSON.stringify({ zen: "hi" });
    const res = await post("github", ping, { "x-github-event": "ping", "x-hub-signature-256": `sha256=${hmac(secret, ping)}` });
    expect(res.status).toBe(200);
    const main = payload("refs/heads/main", "No rule for main");
    const r2 = await post("github", main, SIGN.github(main, secret));
    expect(await r2.json()).toMatchObject({ started: [] });
  });

  it("keeps the secret sealed, and lets only owners, maintainers and admins create it", async () => {
    const row = await db().ciWebhookSecret.findUniqueOrThrow({ where: { projectId } });
    expect(row.secretSealed).not.toContain(secret);
    expect(row.secretSealed.startsWith("v1.")).toBe(true);
    const developer = await makeUser("developer", "developer of hooked");
    await db().projectMember.create({ data: { projectId, userId: developer.id, role: "developer" } });
    const stranger = await makeUser("developer", "stranger to hooked");
    for (const u of [developer, stranger, await makeUser("ops")]) {
      await expect(rotateWebhookSecret(await ctxFor(u), { projectSlug: "hooked" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect(await db().auditEvent.count({ where: { action: "ci.webhook.rotate", projectId } })).toBe(1);
  });
});
