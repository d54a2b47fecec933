/**
 * Deploying in the browser: the demo developer deploys v1 of a service to dev
 * on two clusters, then v2, sees both releases in the history, compares them,
 * rolls back to v1 and finds v1 running on both clusters; then breaks it with
 * a crashing image, sees the failure and its reason, and rolls back.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });
test.describe.configure({ mode: "serial" });

const SERVICE = "/projects/checkout-api/services/api?env=dev";

async function deploy(page: Page, tag: string) {
  await page.goto(SERVICE);
  await page.getByLabel("Image tag").fill(tag);
  await page.getByRole("button", { name: "Deploy to dev" }).click();
  await expect(page).toHaveURL(/\/releases\/[\w-]+$/);
}

async function statusIs(page: Page, status: string, timeout = 60_000) {
  await expect(page.getByTestId("release-status")).toHaveText(status, { timeout });
}

test("deploy v1 then v2 on two clusters, compare them, roll back to v1", async ({ page }) => {
  test.setTimeout(180_000);
  await deploy(page, "v1");
  await expect(page.getByTestId("rollout-sandbox-east")).toBeVisible();
  await expect(page.getByTestId("rollout-sandbox-west")).toBeVisible();
  await statusIs(page, "succeeded");
  await expect(page.getByTestId("rollout-sandbox-west")).toContainText("registry.wharf.local/checkout-api/api:v1");

  await deploy(page, "v2");
  await statusIs(page, "succeeded");

  await page.goto(SERVICE);
  await expect(page.getByTestId("release-1")).toContainText("v1");
  await expect(page.getByTestId("release-2")).toContainText("v2");
  await expect(page.getByTestId("revision-sandbox-east-2")).toContainText("release #2");

  await page.getByRole("checkbox", { name: "Compare release #1" }).check();
  await page.getByRole("checkbox", { name: "Compare release #2" }).check();
  await page.getByRole("link", { name: "Compare the two" }).click();
  await expect(page.getByRole("heading", { name: "Release #1 → #2" })).toBeVisible();
  const east = page.getByTestId("diff").nth(1);
  await expect(east).toContainText("image: registry.wharf.local/checkout-api/api:v1");
  await expect(east).toContainText("image: registry.wharf.local/checkout-api/api:v2");

  await page.goto(SERVICE);
  await page.getByTestId("release-1").getByRole("button", { name: "Roll back to this" }).click();
  await expect(page).toHaveURL(/\/releases\/[\w-]+$/);
  await statusIs(page, "succeeded");

  await page.goto("/deployments?project=checkout-api");
  const row = page.getByTestId("matrix-checkout-api-api-dev");
  await expect(row.getByTestId("cell-sandbox-east")).toContainText("v1");
  await expect(row.getByTestId("cell-sandbox-west")).toContainText("v1");
  await expect(row).toContainText("#3 v1");
});

test("a crashing image fails with the cluster's reason, and a rollback restores the service", async ({ page }) => {
  test.setTimeout(180_000);
  await deploy(page, "v4-crash");
  await statusIs(page, "failed", 120_000);
  await expect(page.getByTestId("release-failure")).toContainText("CrashLoopBackOff");

  await page.goto(SERVICE);
  await page.getByTestId("release-3").getByRole("button", { name: "Roll back to this" }).click();
  await statusIs(page, "succeeded");
  await page.goto("/deployments?project=checkout-api");
  await expect(page.getByTestId("matrix-checkout-api-api-dev").getByTestId("cell-sandbox-west")).toContainText("v1");
});

test("killing a pod shows it go and its replacement come up, without reloading", async ({ page }) => {
  await page.goto(SERVICE);
  const west = page.getByRole("region", { name: "Pods on sandbox-west" });
  const before = await west.locator("[data-testid^=pod-]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")!));
  expect(before.length).toBeGreaterThan(0);
  const victim = before[0]!.slice("pod-".length);
  await west.getByRole("button", { name: `Kill ${victim}` }).click();
  await expect(page.getByText(`${victim} killed: watch it be replaced`)).toBeVisible();
  await expect(west.getByTestId(`pod-${victim}`)).toBeHidden({ timeout: 30_000 });
  await expect(west.locator("[data-testid^=pod-]").filter({ hasText: "Running" })).toHaveCount(before.length, { timeout: 30_000 });
  await expect(west.locator("[data-testid^=pod-]").filter({ hasNotText: victim })).toHaveCount(before.length);
});
