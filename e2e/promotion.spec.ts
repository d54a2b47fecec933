/**
 * GitFlow promotion as Dana sees it: a commit to checkout-api's develop
 * whose tests fail is not deployed, and her bell says why, linking the run.
 * (A failing run deploys nothing, so this spec leaves the demo services that
 * other specs deploy alone.)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DEMO, authFile } from "./support/users";
import { gitAccessToken } from "./support/git";

test.use({ storageState: authFile("developer") });

function git(args: string[], cwd?: string) {
  const r = spawnSync("git", ["-c", `user.name=${DEMO.developer.name}`, "-c", `user.email=${DEMO.developer.email}`, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

test("a pushed commit whose tests fail is not deployed, and the bell tells the pusher why", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const token = await gitAccessToken(page);
  const url = new URL(`${baseURL}/git/checkout-api.git`);
  url.username = encodeURIComponent(DEMO.developer.email);
  url.password = token;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-promotion-"));
  try {
    git(["clone", "-q", url.toString(), dir]);
    git(["checkout", "-q", "-B", "develop"], dir);
    git(["commit", "-q", "--allow-empty", "-m", "Refactor the cart [fail-tests]"], dir);
    git(["push", "-q", "-f", "origin", "develop"], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  await page.goto("/");
  const bell = page.getByRole("button", { name: /^Notifications/ });
  // The run fails at its test step; the promotion's news arrives on the open page (server-sent events).
  await expect(page.getByTestId("unread-count")).toBeVisible({ timeout: 60_000 });
  await bell.click();
  const news = page.getByRole("list", { name: "Notifications" });
  const item = news.getByRole("link", { name: /Run #\d+ of api was not promoted to dev/ });
  await expect(item).toBeVisible({ timeout: 60_000 });
  await expect(item).toContainText(/The run failed: Task test failed/);
  await expect(item).toHaveAttribute("href", /^\/projects\/checkout-api\/builds\/\d+$/);
});
