import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sampleRenderValues, unsafeLoadTemplateCatalog } from "@/lib/templates/gallery";
import { renderTemplate } from "@/lib/templates/render";
import { gitEnv } from "./cli";
import { publishProjectRepository, repositoryCloneUrl, type GitStoreSettings } from "./store";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-store-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const settings: GitStoreSettings = { repoDir: path.join(root, "repos"), publicUrl: "https://wharf.example.com" };
const author = { name: "Dana Developer", email: "dana@example.com" };

const git = (gitDir: string, ...args: string[]) => execFileSync("git", args, { env: { ...gitEnv(), GIT_DIR: gitDir }, encoding: "utf8" }).trim();

async function renderedNodeTs(slug: string) {
  const { templates } = await unsafeLoadTemplateCatalog({ builtin: path.resolve(process.cwd(), "templates") });
  const template = templates.find((t) => t.id === "node-ts")!;
  const values = sampleRenderValues(template);
  return renderTemplate(template, { ...values, project: { ...values.project, slug } });
}

describe("publishing a project's repository to the portal's store", () => {
  it("creates a bare repository with one commit on main whose tree holds exactly the rendered files", async () => {
    const files = await renderedNodeTs("shop");
    const result = await publishProjectRepository({ slug: "shop", files, author, message: "Create shop from the node-ts template" }, settings);
    expect(result).toMatchObject({ remote: "portal", created: true, cloneUrl: "https://wharf.example.com/git/shop.git" });

    const gitDir = path.join(settings.repoDir, "shop.git");
    expect(git(gitDir, "rev-parse", "--is-bare-repository")).toBe("true");
    expect(git(gitDir, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
    expect(git(gitDir, "rev-parse", "main")).toBe(result.commit);
    expect(git(gitDir, "rev-list", "--count", "main")).toBe("1");
    expect(git(gitDir, "log", "-1", "--format=%an <%ae>|%s", "main")).toBe("Dana Developer <dana@example.com>|Create shop from the node-ts template");
    expect(git(gitDir, "ls-tree", "-r", "--name-only", "main").split("\n")).toEqual(files.map((f) => f.path));
    for (const f of files) expect(git(gitDir, "show", `main:${f.path}`)).toBe(f.content.trim());
  });

  it("publishing the same files again returns the same commit and adds none (a retried job)", async () => {
    const files = await renderedNodeTs("retry");
    const input = { slug: "retry", files, author, message: "Initial commit" };
    const first = await publishProjectRepository(input, settings);
    const second = await publishProjectRepository(input, settings);
    expect(second).toEqual({ ...first, created: false });
    expect(git(path.join(settings.repoDir, "retry.git"), "rev-list", "--count", "--all")).toBe("1");
  });

  it("concurrent publishes of the same files end with one commit", async () => {
    const files = await renderedNodeTs("race");
    const input = { slug: "race", files, author, message: "Initial commit" };
    const results = await Promise.all([1, 2, 3, 4].map(() => publishProjectRepository(input, settings)));
    expect(new Set(results.map((r) => r.commit)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(git(path.join(settings.repoDir, "race.git"), "rev-list", "--count", "--all")).toBe("1");
  });

  it("keeps the executable bit and refuses to rewrite a repository that holds other files", async () => {
    const input = {
      slug: "tools",
      files: [
        { path: "bin/run", content: "#!/bin/sh\necho hi\n", executable: true },
        { path: "README.md", content: "# tools\n" },
      ],
      author,
      message: "Initial commit",
    };
    await publishProjectRepository(input, settings);
    expect(git(path.join(settings.repoDir, "tools.git"), "ls-tree", "main", "bin/run")).toMatch(/^100755 /);
    await expect(publishProjectRepository({ ...input, files: [{ path: "README.md", content: "# other\n" }] }, settings)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
  });

  it("refuses paths outside the repository, naming the file", async () => {
    await expect(
      publishProjectRepository(
        {
          slug: "evil",
          files: [
            { path: "../escape", content: "x" },
            { path: ".git/config", content: "x" },
          ],
          author,
          message: "m",
        },
        settings,
      ),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", fieldErrors: { "files.0.path": [expect.any(String)], "files.1.path": [expect.any(String)] } });
    expect(fs.existsSync(path.join(settings.repoDir, "evil.git"))).toBe(false);
  });
});

describe("publishing to the company's Git server (WHARF_GIT_REMOTE_URL)", () => {
  it("pushes the initial commit to the URL made from the template, once", async () => {
    const remoteRoot = path.join(root, "remote");
    const bare = path.join(remoteRoot, "retail", "orders.git");
    execFileSync("git", ["init", "-q", "--bare", "--initial-branch=main", bare], { env: gitEnv() });
    const remote: GitStoreSettings = { ...settings, remoteUrl: `file://${remoteRoot}/{team}/{project}.git` };
    const files = await renderedNodeTs("orders");
    const input = { slug: "orders", team: "retail", files, author, message: "Initial commit" };

    expect(repositoryCloneUrl({ slug: "orders", team: "retail" }, remote)).toBe(`file://${bare}`);
    const first = await publishProjectRepository(input, remote);
    expect(first).toMatchObject({ remote: "external", created: true, cloneUrl: `file://${bare}` });
    expect(git(bare, "rev-parse", "main")).toBe(first.commit);
    expect(git(bare, "ls-tree", "-r", "--name-only", "main").split("\n")).toEqual(files.map((f) => f.path));

    const again = await publishProjectRepository(input, remote);
    expect(again).toEqual({ ...first, created: false });
    expect(git(bare, "rev-list", "--count", "main")).toBe("1");
    // The portal's own store was not used.
    expect(fs.existsSync(path.join(settings.repoDir, "orders.git"))).toBe(false);
  });

  it("says which server failed when it cannot be reached, and needs the team when the URL names it", async () => {
    const remote: GitStoreSettings = { ...settings, remoteUrl: `file://${root}/nowhere/{team}/{project}.git` };
    const files = [{ path: "README.md", content: "x\n" }];
    await expect(publishProjectRepository({ slug: "lost", team: "retail", files, author, message: "m" }, remote)).rejects.toMatchObject({
      code: "UNAVAILABLE",
      userMessage: expect.stringContaining(`${root}/nowhere/retail/lost.git`),
    });
    await expect(publishProjectRepository({ slug: "lost", files, author, message: "m" }, remote)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      fieldErrors: { team: [expect.any(String)] },
    });
  });
});
