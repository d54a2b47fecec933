/**
 * The push trigger end to end: a real `git push` to the portal's Git route
 * (served the way Next serves it) by a member with write rights becomes a CI
 * run for that branch and commit, which the sandbox's Tekton executes and
 * Wharf records; a tag push runs the tag; a push by anyone else is refused
 * with a clear message and records nothing.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { gitEnv } from "@/lib/git/cli";
import { publishProjectRepository, gitStoreSettings } from "@/lib/git/store";
import { createGitToken } from "@/lib/git/tokens";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { workerForThisFile } from "@/test/worker";
import { serveGit } from "@/test/git-server";
import { ciProject, registerBuildCluster, runReaches, runWithSteps } from "./testing";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-push-test-"));
process.env.WHARF_REPO_DIR = path.join(root, "repos");
delete process.env.WHARF_GIT_PUBLIC_READ;
const route = await import("@/app/git/[...path]/route");

const env = sandboxForThisFile({ clusters: [{ name: "build-east", region: "us-east" }], simulation: { ...FAST_SIMULATION, tektonStepMs: 60 } });
workerForThisFile({ concurrency: 6 });

function git(args: string[], cwd = root): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-c", "user.name=Dana Developer", "-c", "user.email=dana@example.com", ...args], { cwd, env: gitEnv(), timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let portal: Awaited<ReturnType<typeof serveGit>>;
let clusterId: string;
let projectId: string;
const people: Record<"maintainer" | "viewer" | "stranger", { ctx: Ctx; email: string; token: string }> = {} as never;

async function person(ctx: Ctx) {
  const { token } = await createGitToken(ctx, { name: "laptop", days: 7 });
  return { ctx, email: ctx.actor.email, token };
}

function urlFor(who: { email: string; token: string }) {
  const u = new URL(`${portal.url}/git/pushshop.git`);
  u.username = encodeURIComponent(who.email);
  u.password = who.token;
  return u.toString();
}

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  clusterId = await registerBuildCluster(admin, env.sandbox);
  const maintainer = await makeUser("developer", "maintainer of pushshop");
  const viewer = await makeUser("developer", "viewer of pushshop");
  const { project } = await ciProject(clusterId, "pushshop", {
    members: [
      [maintainer, "maintainer"],
      [viewer, "viewer"],
    ],
  });
  projectId = project.id;
  const { owner: strangerUser } = await ciProject(clusterId, "elsewhere");
  people.maintainer = await person(await ctxFor(maintainer));
  people.viewer = await person(await ctxFor(viewer));
  people.stranger = await person(await ctxFor(strangerUser));
  await publishProjectRepository(
    { slug: "pushshop", files: [{ path: "README.md", content: "# shop\n" }], author: { name: "Wharf", email: "wharf@example.com" }, message: "Initial commit" },
    gitStoreSettings(),
  );
  portal = await serveGit((req, segments) => {
    const fn = req.method === "POST" ? route.POST : route.GET;
    return fn(req, { params: Promise.resolve({ path: segments }) });
  });
});
afterAll(async () => {
  await portal?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function cloneAs(who: { email: string; token: string }, dir: string) {
  const dest = path.join(root, dir);
  const r = await git(["clone", "-q", urlFor(who), dest]);
  expect(r.code, r.stderr).toBe(0);
  return dest;
}

async function commit(dest: string, file: string, message: string) {
  fs.writeFileSync(path.join(dest, file), `${message}\n`);
  await git(["add", file], dest);
  await git(["commit", "-q", "-m", message], dest);
  return (await git(["rev-parse", "HEAD"], dest)).stdout.trim();
}

describe("git push to the portal", () => {
  it("by a maintainer starts a run for the pushed branch and commit, which the sandbox runs to succeeded with results and logs", async () => {
    const dest = await cloneAs(people.maintainer, "maintainer");
    await git(["checkout", "-q", "-b", "develop"], dest);
    const sha = await commit(dest, "cart.txt", "Add the cart");
    const push = await git(["push", "-q", "origin", "develop"], dest);
    expect(push.code, push.stderr).toBe(0);

    // The run exists when git push returns: the response ends after it is recorded.
    const [run] = await db().ciRun.findMany({ where: { projectId } });
    expect(run).toMatchObject({
      trigger: "push",
      ref: "develop",
      refKind: "branch",
      commitSha: sha,
      message: "Add the cart",
      author: "Dana Developer <dana@example.com>",
    });
    expect(run!.requestedById).toBe(people.maintainer.ctx.actor.id);
    expect(run!.params).toMatchObject({
      "git-revision": sha,
      "commit-message": "Add the cart",
      image: `registry.wharf.local/pushshop/api:${sha.slice(0, 12)}`,
    });

    const done = await runReaches(run!.id, ["succeeded", "failed", "cancelled"]);
    expect(done.status, done.reason).toBe("succeeded");
    expect(done.imageDigest).toMatch(/^sha256:/);
    expect(done.testsPassed).toBeGreaterThan(0);
    const full = await runWithSteps(run!.id);
    const clone = full.tasks.find((t) => t.name === "clone")!.steps[0]!;
    expect(clone.log).toContain(`HEAD is now at ${sha.slice(0, 7)} Add the cart`);
    expect(full.tasks.every((t) => t.steps.every((s) => s.logArchived))).toBe(true);

    // A tag (annotated) runs the commit it tags.
    await git(["tag", "-a", "v1.0.0", "-m", "First release"], dest);
    expect((await git(["push", "-q", "origin", "v1.0.0"], dest)).code).toBe(0);
    const tagRun = await db().ciRun.findFirstOrThrow({ where: { projectId, refKind: "tag" } });
    expect(tagRun).toMatchObject({ ref: "v1.0.0", commitSha: sha, trigger: "push" });
    expect(tagRun.params).toMatchObject({ image: "registry.wharf.local/pushshop/api:v1.0.0" });
  });

  it.each([
    ["a viewer of the project", "viewer" as const, /may not push to "pushshop"/],
    ["a member of another project", "stranger" as const, /may not push to "pushshop"/],
  ])("by %s is refused with a clear message and records nothing", async (_name, who, message) => {
    const runsBefore = await db().ciRun.count();
    const auditBefore = await db().auditEvent.count({ where: { action: "ci.run.start" } });
    const dest = path.join(root, `refused-${who}`);
    // The stranger cannot even clone: push from a copy of the maintainer's clone.
    expect((await git(["clone", "-q", urlFor(people.maintainer), dest])).code).toBe(0);
    await git(["remote", "set-url", "origin", urlFor(people[who])], dest);
    await git(["checkout", "-q", "-b", "develop", "origin/develop"], dest);
    await commit(dest, "evil.txt", `Change by ${who}`);
    const refsBefore = (await git(["ls-remote", urlFor(people.maintainer)])).stdout;
    const push = await git(["push", "origin", "develop"], dest);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(message);
    expect(push.stderr).toContain("403");
    expect((await git(["ls-remote", urlFor(people.maintainer)])).stdout).toBe(refsBefore);
    expect(await db().ciRun.count()).toBe(runsBefore);
    expect(await db().auditEvent.count({ where: { action: "ci.run.start" } })).toBe(auditBefore);
  });

  it("without credentials is asked for them and pushes nothing", async () => {
    const res = await fetch(`${portal.url}/git/pushshop.git/info/refs?service=git-receive-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect(await res.text()).toMatch(/pushing needs credentials/);
  });
});
