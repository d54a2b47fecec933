import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { DEMO } from "./users";

/**
 * A new Git access token of the signed-in user of `page`, created as a person
 * does it: on the tokens page (a POST through its form), in a tab of its own.
 */
export async function gitAccessToken(page: Page, name = `e2e-${Date.now().toString(36)}`): Promise<string> {
  const tab = await page.context().newPage();
  try {
    await tab.goto("/settings/tokens");
    await tab.getByLabel("Name").fill(name);
    await tab.getByRole("button", { name: "Create token" }).click();
    const value = tab.getByTestId("new-git-token-value");
    await expect(value).toHaveText(/^wgt_/);
    return (await value.textContent())!.trim();
  } finally {
    await tab.close();
  }
}

/** `git ls-remote` of a portal repository with e-mail and token, as a developer's git would send them. */
export function gitLsRemote(baseURL: string, slug: string, email: string, token: string) {
  const url = new URL(`${baseURL}/git/${slug}.git`);
  url.username = encodeURIComponent(email);
  url.password = token;
  return spawnSync("git", ["ls-remote", url.toString()], { encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
}

/** git as the demo developer (author and committer), never prompting; a failure fails the test with git's own message. */
export function gitAsDeveloper(args: string[], cwd?: string): string {
  const r = spawnSync("git", ["-c", `user.name=${DEMO.developer.name}`, "-c", `user.email=${DEMO.developer.email}`, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    timeout: 60_000,
  });
  expect(r.status, `git ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

/** A fresh clone of a project's portal repository, authenticated with a new Git token of the demo developer signed in on `page`. */
export async function cloneAsDeveloper(page: Page, baseURL: string, slug: string): Promise<string> {
  const token = await gitAccessToken(page);
  const url = new URL(`${baseURL}/git/${slug}.git`);
  url.username = encodeURIComponent(DEMO.developer.email);
  url.password = token;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wharf-e2e-${slug}-`));
  gitAsDeveloper(["clone", "-q", url.toString(), dir]);
  return dir;
}
