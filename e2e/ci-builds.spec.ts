/**
 * The Builds tab of a project: Dana (developer of storefront-web) sees its runs (seeded by
 * e2e/support/ci-history.ts), filters them by status with the filter kept in the URL, opens the Run
 * dialog, is told at the field what is wrong with a bad branch, starts a run and sees it in the list.
 * Mia (manager) reads the same list without a Run button. At 390 px the page fits the screen.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

const BUILDS = "/projects/storefront-web/builds";

function runsTable(page: Page) {
  return page.getByRole("table", { name: "Runs" });
}

test.describe("as a developer", () => {
  test.use({ storageState: authFile("developer") });

  test("sees the project's runs with branch, commit, author, trigger, duration and status, filters them by status, and reaches a service's runs from its page", async ({
    page,
  }) => {
    await page.goto("/projects/storefront-web");
    await page.getByRole("link", { name: "Builds", exact: true }).click();
    await expect(page).toHaveURL(/\/projects\/storefront-web\/builds$/);
    await expect(page.getByRole("heading", { name: "Builds of Storefront Web" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Build sections" }).getByRole("link", { name: "Runs" })).toHaveAttribute("aria-current", "page");

    const failed = runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Try a new checkout" });
    await expect(failed).toContainText("feature/checkout");
    await expect(failed).toContainText("0123456");
    await expect(failed).toContainText("Dana Developer");
    await expect(failed).toContainText("push");
    await expect(failed).toContainText("2 min 00 s");
    await expect(failed).toContainText("failed");
    await expect(failed.getByTestId("run-reason")).toHaveText("Step test/unit failed: 3 tests failed");
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Release 1.4.0" })).toContainText("v1.4.0");

    await page.getByLabel("Status", { exact: true }).selectOption("failed");
    await expect(page).toHaveURL(/\/builds\?status=failed$/);
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Try a new checkout" })).toBeVisible();
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Add the basket badge" })).toHaveCount(0);

    // The filtered view is a URL that can be shared: opening it shows the same filter.
    await page.goto(`${BUILDS}?status=failed&service=web`);
    await expect(page.getByLabel("Status", { exact: true })).toHaveValue("failed");
    await expect(page.getByLabel("Service", { exact: true })).toHaveValue("web");
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Try a new checkout" })).toBeVisible();

    // The run number leads to the run's page.
    const link = runsTable(page)
      .getByRole("row")
      .filter({ hasText: "e2e seed: Try a new checkout" })
      .getByRole("link", { name: /^#\d+$/ });
    await expect(link).toHaveAttribute("href", /\/projects\/storefront-web\/builds\/\d+$/);

    // A service's page leads to the runs of that service.
    await page.goto("/projects/storefront-web/services/bff");
    await page.getByRole("link", { name: "Builds", exact: true }).click();
    await expect(page).toHaveURL(/\/builds\?service=bff$/);
    await expect(page.getByLabel("Service", { exact: true })).toHaveValue("bff");
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Release 1.4.0" })).toBeVisible();
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Try a new checkout" })).toHaveCount(0);
  });

  test("a filter no run can have is answered at the filter, with the runs still listed", async ({ page }) => {
    await page.goto(`${BUILDS}?status=exploded&ref=${encodeURIComponent("no spaces here")}`);
    await expect(page.getByRole("alert").filter({ hasText: "Some filters need attention" })).toBeVisible();
    await expect(page.getByRole("list", { name: "Problems with Status" })).toContainText("Choose a status");
    await expect(page.getByRole("list", { name: "Problems with Branch or tag" })).toContainText("letters, digits");
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Add the basket badge" })).toBeVisible();
  });

  test("starts a run from the Run dialog after fixing a bad branch and parameter name, and sees it appear in the list", async ({ page }) => {
    await page.goto(BUILDS);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Run a pipeline" });
    await dialog.getByLabel("Service", { exact: true }).selectOption("web");
    await dialog.getByLabel("Branch", { exact: true }).fill("bad branch..name");
    await dialog.getByRole("button", { name: "Add parameter" }).click();
    await dialog.getByLabel("Parameter 1 name", { exact: true }).fill("Greeting");
    await dialog.getByRole("button", { name: "Start run" }).click();
    await expect(dialog.getByRole("list", { name: "Problems with Branch" })).toContainText("Letters, digits, '.', '_', '-' and '/' only");
    await expect(dialog.getByRole("list", { name: "Problems with Parameters" })).toContainText("Greeting: A parameter name is lower-case letters");
    await expect(dialog.getByLabel("Branch", { exact: true })).toHaveValue("bad branch..name");

    const branch = `e2e/run-${Date.now().toString(36)}`;
    await dialog.getByLabel("Branch", { exact: true }).fill(branch);
    await dialog.getByLabel("Parameter 1 name", { exact: true }).fill("greeting");
    await dialog.getByLabel("Parameter 1 value", { exact: true }).fill("hello");
    await dialog.getByRole("button", { name: "Start run" }).click();
    await expect(dialog).toBeHidden();
    const row = runsTable(page).getByRole("row").filter({ hasText: branch });
    await expect(row).toBeVisible();
    await expect(row).toContainText("manual");
    await expect(row).toContainText("web");
  });
});

test.describe("as a manager", () => {
  test.use({ storageState: authFile("manager") });

  test("reads the runs but has no Run button, and the trends show the failing step", async ({ page }) => {
    await page.goto(BUILDS);
    await expect(runsTable(page).getByRole("row").filter({ hasText: "e2e seed: Add the basket badge" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Run", exact: true })).toHaveCount(0);
    await expect(page.getByRole("navigation", { name: "Build sections" }).getByRole("link", { name: "Settings" })).toHaveCount(0);

    await page.getByRole("navigation", { name: "Build sections" }).getByRole("link", { name: "Trends" }).click();
    await expect(page).toHaveURL(/\/builds\/trends$/);
    await expect(page.getByRole("img", { name: "Duration p50 and p95 per day, in seconds" })).toBeVisible();
    await expect(page.getByRole("img", { name: "Success rate per day, in percent" })).toBeVisible();
    const failing = page.getByRole("table", { name: "Steps that fail most" }).getByRole("row").filter({ hasText: "test / unit" });
    await expect(failing).toBeVisible();
    await expect(failing.getByRole("link", { name: /^#\d+$/ })).toHaveAttribute("href", /\/projects\/storefront-web\/builds\/\d+$/);
  });
});

test.describe("on a phone", () => {
  test.use({ storageState: authFile("developer"), viewport: { width: 390, height: 844 } });

  for (const path of [BUILDS, `${BUILDS}/trends`]) {
    test(`${path} fits 390 px: the table scrolls inside its own container`, async ({ page }) => {
      await page.goto(path);
      await expect(page.getByRole("heading", { name: "Builds of Storefront Web" })).toBeVisible();
      await expect(page.getByRole("navigation", { name: "Build sections" })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    });
  }
});
