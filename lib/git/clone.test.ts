/**
 * A real `git clone` (the git CLI) through the portal's route handler, served
 * by a small Node HTTP server the way Next serves it.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { serveGit, type GitHandler } from "@/test/git-server";
import { gitEnv } from "./cli";
import { handleGitHttp, type GitHttpOptions } from "./smart-http";
import { publishProjectRepository, type GitStoreSettings } from "./store";
import { createGitToken, revokeGitToken } from "./tokens";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-clone-test-"));
// The route reads the process configuration: the store lives here and anyone may read (as `npm run dev` sets it).
process.env.WHARF_REPO_DIR = path.join(root, "repos");
process.env.WHARF_GIT_PUBLIC_READ = "1";
const route = await import("@/app/git/[...path]/route");

const viaRoute: GitHandler = (req, segments) => {
  const fn = req.method === "POST" ? route.POST : route.GET;
  return fn(req, { params: Promise.resolve({ path: segments }) });
};

/** Runs the git CLI without blocking: the server answering it runs in this very process. */
function runGit(args: string[], cwd = root): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, env: gitEnv({ GIT_TERMINAL_PROMPT: "0" }), timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const settings: GitStoreSettings = { repoDir: path.join(root, "repos"), publicUrl: "https://wharf.example.com" };
const author = { name: "Dana Developer", email: "dana@example.com" };
// 3 MiB that do not compress: the pack is streamed, not a few bytes.
const bigFile = randomBytes(3 * 1024 * 1024).toString("base64");
let commit = "";
let portal: Awaited<ReturnType<typeof serveGit>>;

beforeAll(async () => {
  const files = [
    { path: "README.md", content: "# demo\n" },
    { path: "src/main.ts", content: "console.log('hi');\n" },
    { path: "data/big.txt", content: bigFile },
  ];
  commit = (await publishProjectRepository({ slug: "demo", files, author, message: "Initial commit" }, settings)).commit;
  portal = await serveGit(viaRoute);
});
afterAll(async () => {
  await portal?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("git clone from the portal (WHARF_GIT_PUBLIC_READ=1)", () => {
  it.each([
    ["protocol v2", "2"],
    ["protocol v0", "0"],
  ])("a real git client clones the initial commit (%s)", async (_name, version) => {
    const dest = path.join(root, `clone-v${version}`);
    const r = await runGit(["-c", `protocol.version=${version}`, "clone", "-q", `${portal.url}/git/demo.git`, dest]);
    expect(r.code, r.stderr).toBe(0);
    expect((await runGit(["rev-parse", "HEAD"], dest)).stdout.trim()).toBe(commit);
    expect((await runGit(["rev-parse", "--abbrev-ref", "HEAD"], dest)).stdout.trim()).toBe("main");
    expect(fs.readFileSync(path.join(dest, "README.md"), "utf8")).toBe("# demo\n");
    expect(fs.readFileSync(path.join(dest, "data/big.txt"), "utf8")).toBe(bigFile);
    expect((await runGit(["fetch", "-q", "origin"], dest)).code).toBe(0);
  });

  it("also clones without the .git suffix", async () => {
    const r = await runGit(["clone", "-q", `${portal.url}/git/demo`, path.join(root, "clone-plain")]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("asks for credentials to push even when anyone may read, and pushes nothing without them", async () => {
    const dest = path.join(root, "clone-push");
    expect((await runGit(["clone", "-q", `${portal.url}/git/demo.git`, dest])).code).toBe(0);
    fs.writeFileSync(path.join(dest, "new.txt"), "x\n");
    await runGit(["add", "new.txt"], dest);
    await runGit(["-c", "user.name=Dana", "-c", "user.email=dana@example.com", "commit", "-q", "-m", "change"], dest);
    const push = await runGit(["push", "origin", "main"], dest);
    expect(push.code).not.toBe(0);
    // Git asks for a user name (the 401 challenge), which a non-interactive client cannot give.
    expect(push.stderr).toMatch(/could not read Username|Authentication failed/);
    const res = await fetch(`${portal.url}/git/demo.git/info/refs?service=git-receive-pack`);
    expect(res.status).toBe(401);
  });

  it("answers 404 for a repository that does not exist", async () => {
    const r = await runGit(["clone", "-q", `${portal.url}/git/nothing-here.git`, path.join(root, "clone-404")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not found/);
    const res = await fetch(`${portal.url}/git/..%2F..%2Fetc.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
  });
});

describe("git clone with credentials (the default: no public read)", () => {
  let server: Awaited<ReturnType<typeof serveGit>>;
  beforeAll(async () => {
    const options: GitHttpOptions = { settings, publicRead: false };
    server = await serveGit((req, segments) => handleGitHttp(req, segments, options));
  });
  afterAll(() => server?.close());

  const withCredentials = (email: string, token: string) => {
    const url = new URL(`${server.url}/git/members-only.git`);
    url.username = encodeURIComponent(email);
    url.password = token;
    return url.toString();
  };

  /** A new Git access token of `user`, as the tokens page creates it. */
  const tokenOf = async (user: { id: string }, name = "laptop") => createGitToken(await ctxFor(user), { name, days: 30 });
  const basic = (email: string, token: string) => ({ authorization: `Basic ${Buffer.from(`${email}:${token}`).toString("base64")}` });

  it("without credentials: 401 with WWW-Authenticate and where to create a token", async () => {
    const res = await fetch(`${server.url}/git/demo.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="Wharf Git"/);
    expect(await res.text()).toContain("https://wharf.example.com/settings/tokens");
    const r = await runGit(["clone", "-q", `${server.url}/git/demo.git`, path.join(root, "clone-anon")]);
    expect(r.code).not.toBe(0);
  });

  it("a member clones with e-mail + token (its last use recorded); a non-member gets 403 naming the owner; a made-up token gets 401", async () => {
    const owner = await makeUser("developer", "Olga Owner");
    const member = await makeUser("developer", "Mo Member");
    const stranger = await makeUser("developer", "Sam Stranger");
    await makeProject({ owner, slug: "members-only", members: [[member, "viewer"]] });
    await publishProjectRepository({ slug: "members-only", files: [{ path: "README.md", content: "secret\n" }], author, message: "Initial commit" }, settings);

    const memberToken = await tokenOf(member);
    const ok = await runGit(["clone", "-q", withCredentials(member.email, memberToken.token), path.join(root, "clone-member")]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(fs.readFileSync(path.join(root, "clone-member", "README.md"), "utf8")).toBe("secret\n");
    expect((await db().gitToken.findUniqueOrThrow({ where: { id: memberToken.id } })).lastUsedAt).not.toBeNull();

    const denied = await runGit(["clone", "-q", withCredentials(stranger.email, (await tokenOf(stranger)).token), path.join(root, "clone-stranger")]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("is not a member");
    expect(denied.stderr).toContain(owner.email);

    const madeUp = `${memberToken.token.slice(0, -4)}AAAA`;
    const res = await fetch(`${server.url}/git/members-only.git/info/refs?service=git-upload-pack`, { headers: basic(member.email, madeUp) });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("not a valid Git access token");

    const someoneElses = await fetch(`${server.url}/git/members-only.git/info/refs?service=git-upload-pack`, {
      headers: basic(stranger.email, memberToken.token),
    });
    expect(someoneElses.status).toBe(401);
    expect(await someoneElses.text()).toContain(member.email);
  });

  it("a revoked token stops working at once: git says it was revoked and where to create another", async () => {
    const owner = await makeUser("developer");
    await makeProject({ owner, slug: "revoked-here" });
    await publishProjectRepository({ slug: "revoked-here", files: [{ path: "README.md", content: "x\n" }], author, message: "Initial commit" }, settings);
    const { id, token } = await tokenOf(owner, "stolen laptop");
    const url = new URL(`${server.url}/git/revoked-here.git`);
    url.username = encodeURIComponent(owner.email);
    url.password = token;
    expect((await runGit(["clone", "-q", url.toString(), path.join(root, "clone-before-revoke")])).code).toBe(0);

    await revokeGitToken(await ctxFor(owner), { id });
    const r = await runGit(["clone", "-q", url.toString(), path.join(root, "clone-after-revoke")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`this Git access token ("stolen laptop") was revoked on ${new Date().toISOString().slice(0, 10)}`);
    expect(r.stderr).toContain("https://wharf.example.com/settings/tokens");
    const res = await fetch(`${server.url}/git/revoked-here.git/info/refs?service=git-upload-pack`, { headers: basic(owner.email, token) });
    expect(res.status).toBe(401);
  });

  it("an expired token is refused with when it expired", async () => {
    const user = await makeUser("admin");
    const { id, token } = await tokenOf(user, "old");
    await db().gitToken.update({ where: { id }, data: { expiresAt: new Date("2026-01-31T00:00:00Z") } });
    const res = await fetch(`${server.url}/git/demo.git/info/refs?service=git-upload-pack`, { headers: basic(user.email, token) });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('this Git access token ("old") expired on 2026-01-31');
  });

  it("a token of the old kind (signed, never stored, so never revocable) is refused with a word on why", async () => {
    const user = await makeUser("developer");
    const oldKind = "wgt_eyJ1IjoiY214MzUydDAzMDAwNmxzN2RwOTlkM3N3OSIsImUiOjE4MDM4MTE0NTN9.mNLcWAA2zMfcvPqPSqGZZSZer5r7AyaKBJJ4nEBrFXU";
    const res = await fetch(`${server.url}/git/demo.git/info/refs?service=git-upload-pack`, { headers: basic(user.email, oldKind) });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("of the old kind");
  });
});
