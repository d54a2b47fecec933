/**
 * Alertmanager routing in the browser, on the demo data and the e2e harness'
 * real Alertmanager (scripts/e2e.ts hands Wharf the file it started with):
 * Omar (ops) adds a maintenance window to ledger (a bad time is refused at its
 * field), Alertmanager then runs the window's muting interval, and Admin →
 * Alert routing shows the loaded configuration; Dana (a developer of ledger)
 * sees the windows but may not change them, and may not open a project she is
 * not a member of; Mia (manager) may not open the routing page.
 */
import { expect, test } from "@playwright/test";
import { shots } from "./support/screenshots";
import { authFile } from "./support/users";

test.describe.configure({ mode: "serial" });

const WINDOW = `Ledger upgrade ${Date.now().toString(36)}`;

/** The configuration Alertmanager runs now (its /api/v2/status). */
async function loadedConfig(): Promise<string> {
  const res = await fetch(`${process.env.E2E_ALERTMANAGER_URL}/api/v2/status`);
  return ((await res.json()) as { config?: { original?: string } }).config?.original ?? "";
}

test.describe("ops", () => {
  test.use({ storageState: authFile("ops") });

  test("adds a maintenance window to a project, and Alertmanager mutes its alerts then", async ({ page }) => {
    await page.goto("/projects/ledger/maintenance");
    await expect(page.getByRole("heading", { name: "Maintenance windows of Ledger" })).toBeVisible();
    const form = page.getByRole("form", { name: "Add a maintenance window" });
    await form.getByLabel("Name").fill(WINDOW);
    await form.getByLabel("From (HH:MM)").fill("9pm");
    await form.getByLabel("Time zone").fill("Mars/Olympus");
    await form.getByRole("button", { name: "Add window" }).click();
    await expect(form.getByText("must be a time HH:MM (24 h), e.g. 22:00")).toBeVisible();
    await expect(form.getByText(/must be a time zone name/)).toBeVisible();
    await shots(page, "maintenance-invalid");

    await form.getByLabel("From (HH:MM)").fill("23:00");
    await form.getByLabel("To (HH:MM)").fill("01:30");
    await form.getByLabel("Time zone").fill("Europe/Berlin");
    await form.getByRole("checkbox", { name: "Saturday" }).check();
    await form.getByRole("checkbox", { name: "Prod" }).check();
    await form.getByRole("button", { name: "Add window" }).click();
    const row = page.getByTestId("maintenance-window").filter({ hasText: WINDOW });
    await expect(row).toContainText("Sat, 23:00–01:30 (Europe/Berlin) · prod");
    await shots(page, "maintenance-added");

    // Written, reloaded and loaded: Alertmanager's own status has the project's route muted by a window.
    await expect.poll(loadedConfig, { timeout: 30_000 }).toMatch(/mute_time_intervals:\s*\n\s*- mw-/);
    expect(await loadedConfig()).toContain('project="ledger"');
  });

  test("sees Alertmanager's generated routing and its state, and writes and reloads it", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("link", { name: "Alert routing" }).first().click();
    await expect(page.getByRole("heading", { name: "Alertmanager routing" })).toBeVisible();
    const config = page.getByLabel("Generated Alertmanager configuration");
    await expect(config).toContainText('project="ledger"');
    await expect(config).toContainText("<hidden");
    await expect(page.getByTestId("routing-state")).not.toContainText("Last loadednever");
    await page.getByRole("button", { name: "Write and reload" }).click();
    await expect(page.getByText("Queued: Wharf writes the configuration and reloads Alertmanager")).toBeVisible();
    await expect(page.getByTestId("routing-state")).toContainText("Alertmanager runs what is generated", { timeout: 30_000 });
    await expect(page.getByTestId("routing-error")).toHaveCount(0);
    await shots(page, "admin-alert-routing");
  });
});

test.describe("a developer of the project", () => {
  test.use({ storageState: authFile("developer") });

  test("sees its maintenance windows but may not change them, and may not open another project's", async ({ page }) => {
    await page.goto("/projects/ledger/maintenance");
    await expect(page.getByTestId("maintenance-window").filter({ hasText: WINDOW })).toBeVisible();
    await expect(page.getByRole("button", { name: /Remove/ })).toHaveCount(0);
    await expect(page.getByRole("form", { name: "Add a maintenance window" })).toHaveCount(0);
    await expect(page.getByText("Only the project's owners and maintainers (and ops) change its maintenance windows.")).toBeVisible();
    await page.goto("/projects/recommendations/maintenance");
    await expect(page.getByRole("heading", { name: "No permission" })).toBeVisible();
  });
});

test.describe("a manager", () => {
  test.use({ storageState: authFile("manager") });

  test("may not open Alertmanager's routing", async ({ page }) => {
    await page.goto("/admin/alerting");
    await expect(page.getByRole("heading", { name: "No permission" })).toBeVisible();
  });
});
