/**
 * GitFlow promotion as Dana sees it: a commit to checkout-api's develop
 * whose tests fail is not deployed, and her bell says why, linking the run.
 * (A failing run deploys nothing, so this spec leaves the demo services that
 * other specs deploy alone.)
 */
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";
import { cloneAsDeveloper, gitAsDeveloper } from "./support/git";

test.use({ storageState: authFile("developer") });

test("a pushed commit whose tests fail is not deployed, and the bell tells the pusher why", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const dir = await cloneAsDeveloper(page, baseURL!, "checkout-api");
  try {
    gitAsDeveloper(["checkout", "-q", "-B", "develop"], dir);
    gitAsDeveloper(["commit", "-q", "--allow-empty", "-m", "Refactor the cart [fail-tests]"], dir);
    gitAsDeveloper(["push", "-q", "-f", "origin", "develop"], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  await page.goto("/");
  const bell = page.getByRole("button", { name: /^Notifications/ });
  // The run fails at its test step; the promotion's news arrives on the open page (server-sent events).
  await expect(page.getByTestId("unread-count")).toBeVisible({ timeout: 60_000 });
  await bell.click();
  const news = page.getByRole("list", { name: "Notifications" });
  const item = news.getByRole("link", { name: /Run #\d+ of checkout-api\/api was not promoted to dev/ });
  await expect(item).toBeVisible({ timeout: 60_000 });
  await expect(item).toContainText(/The run failed: Task test failed/);
  await expect(item).toHaveAttribute("href", /^\/projects\/checkout-api\/builds\/\d+$/);
});
