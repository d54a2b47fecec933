/**
 * The run page (/projects/<slug>/builds/<number>), as people use it: Dana
 * pushes a commit to her project's develop branch, opens its run and watches
 * a step's log grow live, cancels it through the confirmation naming the run
 * and re-runs it (landing on the new run); a failed run opens on its failed
 * step's log; Sam, a viewer, sees the run on a phone without Cancel or Re-run.
 * The projects are seeded by e2e/support/ci-seed.ts.
 */
import fs from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { CI_FAILED, CI_LIVE } from "./support/ci-seed";
import { cloneAsDeveloper, gitAsDeveloper } from "./support/git";
import { signInWithOidc } from "./support/oidc-sign-in";
import { authFile } from "./support/users";

const PHONE = { width: 390, height: 844 };

/** Pushes a commit with `message` to develop of the project's portal repository, as Dana with a Git token. */
async function pushToDevelop(page: Page, baseURL: string, slug: string, message: string) {
  const dir = await cloneAsDeveloper(page, baseURL, slug);
  try {
    gitAsDeveloper(["checkout", "-q", "-B", "develop"], dir);
    gitAsDeveloper(["commit", "-q", "--allow-empty", "-m", message], dir);
    gitAsDeveloper(["push", "-q", "origin", "develop"], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The project's newest run number: run pages answer until the number after the last. */
async function newestRun(request: APIRequestContext, slug: string) {
  let n = 0;
  while ((await request.get(`/projects/${slug}/builds/${n + 1}`, { maxRedirects: 0 })).status() === 200) n++;
  return n;
}

test.describe("a developer on a run page", () => {
  test.use({ storageState: authFile("developer") });

  test("watches a log line appear live, cancels the run through the confirmation, and re-runs it", async ({ page, baseURL }) => {
    await pushToDevelop(page, baseURL!, CI_LIVE, "Slow build of the cart [slow]");
    const number = await newestRun(page.request, CI_LIVE);
    expect(number).toBeGreaterThan(0);
    await page.goto(`/projects/${CI_LIVE}/builds/${number}`);
    await expect(page.getByRole("heading", { name: new RegExp(`Run #${number} · api · develop`) })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Build sections" }).getByRole("link", { name: "Runs" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByTestId("run-status")).toHaveText("Running", { timeout: 30_000 });

    // The running step's log is open and grows while the page stays open.
    const log = page.getByRole("log");
    await expect(log).toBeVisible();
    const lines = log.getByTestId("log-line");
    await expect(lines.first()).toBeVisible({ timeout: 20_000 });
    const before = await lines.count();
    await expect.poll(() => lines.count(), { timeout: 20_000 }).toBeGreaterThan(before);
    await page.screenshot({ path: "test-results/ci-run-live.png", fullPage: true });

    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    const dialog = page.getByRole("alertdialog");
    await expect(dialog).toContainText(`Cancel run #${number} of api (develop)?`);
    await dialog.getByRole("button", { name: `Cancel run #${number}` }).click();
    await expect(page.getByTestId("run-status")).toHaveText("Cancelled", { timeout: 30_000 });
    await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);

    await page.getByRole("button", { name: "Re-run" }).click();
    await expect(page).toHaveURL(new RegExp(`/projects/${CI_LIVE}/builds/${number + 1}$`));
    await expect(page.getByRole("heading", { name: new RegExp(`Run #${number + 1} · api · develop`) })).toBeVisible();
    await expect(page.getByText(`A re-run of #${number}`)).toBeVisible();
    // Free the build cluster: the re-run is slow too.
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page
      .getByRole("alertdialog")
      .getByRole("button", { name: `Cancel run #${number + 1}` })
      .click();
    await expect(page.getByTestId("run-status")).toHaveText("Cancelled", { timeout: 30_000 });
  });

  test("a failed run opens on its failed step's log", async ({ page }) => {
    await page.goto(`/projects/${CI_FAILED}/builds/1`);
    await expect(page.getByTestId("run-status")).toHaveText("Failed", { timeout: 60_000 });
    await expect(page.getByTestId("task-test")).toHaveAttribute("data-status", "failed");
    await expect(page.getByTestId("task-test")).toHaveAttribute("aria-pressed", "true");
    const log = page.getByRole("log");
    await expect(log).toContainText(/FAIL/);
    await expect(page.locator('[data-testid^="step-"]').getByRole("button", { expanded: true })).toContainText(/exit [1-9]/);
    await expect(page.getByTestId("run-tests")).toContainText(/[1-9]\d* failed/);
    await page.screenshot({ path: "test-results/ci-run-failed.png", fullPage: true });
    // The graph works from the keyboard: another task's steps, and its log.
    await page.getByTestId("task-clone").focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("task-clone")).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByRole("heading", { name: "Steps of clone" })).toBeVisible();
    await page.getByTestId("step-clone").getByRole("button").press("Enter");
    await expect(page.getByRole("log", { name: "Log of step clone" })).toContainText("Cloning");
  });

  test("a run number the project does not have is not found", async ({ page }) => {
    const res = await page.goto(`/projects/${CI_FAILED}/builds/99999`);
    expect(res?.status()).toBe(404);
    const nonsense = await page.goto(`/projects/${CI_FAILED}/builds/twelve`);
    expect(nonsense?.status()).toBe(404);
  });
});

test.describe("a viewer on a phone", () => {
  test.use({ viewport: PHONE });

  test("reads the failed run without Cancel or Re-run, and nothing runs off the screen", async ({ page }) => {
    await signInWithOidc(page, "sam@wharf.dev");
    await expect(page.getByRole("heading", { name: "Hello, Sam" })).toBeVisible();
    await page.goto(`/projects/${CI_FAILED}/builds/1`);
    await expect(page.getByRole("heading", { name: /Run #1 · api · develop/ })).toBeVisible();
    await expect(page.getByTestId("run-status")).toHaveText("Failed", { timeout: 60_000 });
    await expect(page.getByRole("log")).toContainText(/FAIL/);
    await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Re-run" })).toHaveCount(0);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: "test-results/ci-run-phone.png", fullPage: true });
  });
});
