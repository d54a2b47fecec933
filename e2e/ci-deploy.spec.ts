/**
 * Push to deploy, as issue 12's "Done when" puts it: Dana pushes a commit to
 * her project's develop branch with git, watches the run's steps and logs in
 * the browser, and the image it built is deployed to dev on both clusters
 * (the release says which run built it); a commit with the test-failure
 * marker fails at the test step with its log and deploys nothing; a tag
 * v* opens a production deploy ticket. The project (ci-deploy) is seeded by
 * e2e/support/ci-seed.ts with the default branch policy.
 */
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { CI_DEPLOY } from "./support/ci-seed";
import { cloneAsDeveloper, gitAsDeveloper } from "./support/git";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

/** Opens the run that the newest row of the Builds list links, once a run of `ref` shows there. */
async function openNewestRun(page: Page, ref: string, count: number) {
  await page.goto(`/projects/${CI_DEPLOY}/builds`);
  const rows = page.getByRole("row").filter({ hasText: ref });
  // The list refreshes itself while runs are active; a push lands a run within a second or two.
  await expect(async () => {
    await page.reload();
    expect(await rows.count()).toBeGreaterThanOrEqual(count);
  }).toPass({ timeout: 30_000 });
  await rows
    .first()
    .getByRole("link", { name: /^#\d+$/ })
    .click();
  await expect(page.getByRole("heading", { name: new RegExp(`Run #\\d+ · api · ${ref}`) })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "breadcrumb" })).toContainText(/Builds.*Run #\d+/);
}

test("a push to develop is built, tested and deployed to dev on both clusters; a failing test deploys nothing; a tag opens a production ticket", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const dir = await cloneAsDeveloper(page, baseURL!, CI_DEPLOY);
  try {
    gitAsDeveloper(["checkout", "-q", "-B", "develop"], dir);
    fs.writeFileSync(`${dir}/cart.js`, "export const total = (items) => items.reduce((s, i) => s + i.price, 0);\n");
    gitAsDeveloper(["add", "cart.js"], dir);
    gitAsDeveloper(["commit", "-q", "-m", "Add the cart total"], dir);
    gitAsDeveloper(["push", "-q", "origin", "develop"], dir);

    // The run: its steps and their logs as it goes, then succeeded.
    await openNewestRun(page, "develop", 1);
    const status = page.getByTestId("run-status");
    await expect(page.getByRole("log").getByTestId("log-line").first()).toBeVisible({ timeout: 30_000 });
    await expect(status).toHaveText("Succeeded", { timeout: 90_000 });
    await expect(page.getByText("Add the cart total").first()).toBeVisible();

    // Promoted to dev: a release of the image the run built, on both clusters, linked back to the run.
    const dev = page.getByTestId("promotion").filter({ hasText: "dev" });
    await expect(dev).toContainText("Released", { timeout: 60_000 });
    await dev.getByRole("link", { name: /^Release #\d+/ }).click();
    await expect(page.getByText(/Built by run #\d+ from [0-9a-f]{7} on develop/)).toBeVisible();
    await expect(page.getByTestId("release-status")).toHaveText("succeeded", { timeout: 90_000 });
    for (const cluster of ["sandbox-east", "sandbox-west"])
      await expect(page.getByTestId(`rollout-${cluster}`)).toContainText("registry.wharf.local/ci-deploy/api:");
    await page.screenshot({ path: "test-results/ci-deploy-release.png", fullPage: true });

    // A commit whose tests fail: the run fails at the test step, with its log, and nothing is deployed.
    gitAsDeveloper(["commit", "-q", "--allow-empty", "-m", "Round the total [fail-tests]"], dir);
    gitAsDeveloper(["push", "-q", "origin", "develop"], dir);
    await openNewestRun(page, "develop", 2);
    await expect(status).toHaveText("Failed", { timeout: 90_000 });
    await expect(page.getByRole("status").filter({ hasText: /Task test failed/ })).toBeVisible();
    await expect(page.getByRole("log")).toContainText("FAIL");
    const blocked = page.getByTestId("promotion").filter({ hasText: "dev" });
    await expect(blocked).toContainText("Blocked", { timeout: 60_000 });
    await expect(blocked).toContainText(/The run failed: Task test failed/);
    await expect(blocked.getByRole("link", { name: /^Release #/ })).toHaveCount(0);
    await page.screenshot({ path: "test-results/ci-deploy-failed.png", fullPage: true });

    // A tag: built, and a production deploy ticket is opened for it.
    gitAsDeveloper(["checkout", "-q", "HEAD~1"], dir);
    gitAsDeveloper(["tag", "v1.0.0"], dir);
    gitAsDeveloper(["push", "-q", "origin", "v1.0.0"], dir);
    await openNewestRun(page, "v1.0.0", 1);
    await expect(status).toHaveText("Succeeded", { timeout: 90_000 });
    const prod = page.getByTestId("promotion").filter({ hasText: "prod" });
    await expect(prod).toContainText("Ticket opened", { timeout: 60_000 });
    await prod.getByRole("link", { name: /^Ticket #\d+/ }).click();
    await expect(page.getByRole("heading", { name: /Deploy ci-deploy\/api v1\.0\.0 to prod/ })).toBeVisible();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
