import { spawnSync } from "node:child_process";
import { expect, type Page } from "@playwright/test";

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
