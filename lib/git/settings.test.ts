import { describe, expect, it } from "vitest";
import { EnvError, loadEnv } from "@/lib/env";
import { gitStoreSettings, repositoryCloneUrl } from "./store";

const base = {
  DATABASE_URL: "postgresql://u:p@localhost:5432/wharf",
  WHARF_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  NEXTAUTH_SECRET: "x".repeat(40),
};

function problems(env: Record<string, string | undefined>) {
  try {
    loadEnv(env);
    return [];
  } catch (e) {
    return (e as EnvError).problems.map((p) => `${p.variable}: ${p.message}`);
  }
}

describe("Git and template configuration", () => {
  it("defaults to the portal's own store under .wharf/repos, private, with 90-day tokens", () => {
    const c = loadEnv({ ...base, NEXTAUTH_URL: "https://wharf.example.com/" });
    expect(c).toMatchObject({ WHARF_REPO_DIR: ".wharf/repos", WHARF_GIT_PUBLIC_READ: false, WHARF_GIT_TOKEN_DAYS: 90 });
    const settings = gitStoreSettings(c);
    expect(settings.repoDir).toMatch(/\/\.wharf\/repos$/);
    expect(repositoryCloneUrl({ slug: "shop" }, settings)).toBe("https://wharf.example.com/git/shop.git");
  });

  it("a remote URL must name {project} and keep credentials out; credentials come in pairs", () => {
    expect(problems({ ...base, WHARF_GIT_REMOTE_URL: "https://git.example.com/team/repo.git" })[0]).toMatch(/^WHARF_GIT_REMOTE_URL: must contain \{project\}/);
    expect(problems({ ...base, WHARF_GIT_REMOTE_URL: "https://bot:secret@git.example.com/{project}.git" })[0]).toMatch(/must not contain credentials/);
    expect(problems({ ...base, WHARF_GIT_REMOTE_URL: "git@git.example.com:{project}.git" })[0]).toMatch(/must be a URL template/);
    expect(problems({ ...base, WHARF_GIT_REMOTE_URL: "https://git.example.com/{team}/{project}.git", WHARF_GIT_USERNAME: "bot" })).toEqual([
      "WHARF_GIT_TOKEN: required when the other of WHARF_GIT_USERNAME / WHARF_GIT_TOKEN is set",
    ]);
    const c = loadEnv({
      ...base,
      WHARF_GIT_REMOTE_URL: "https://git.example.com/{team}/{project}.git",
      WHARF_GIT_USERNAME: "bot",
      WHARF_GIT_TOKEN: "t0ken",
    });
    expect(repositoryCloneUrl({ slug: "shop", team: "retail" }, gitStoreSettings(c))).toBe("https://git.example.com/retail/shop.git");
  });
});
