/**
 * Quota requests in the browser: the dialog checks the environment's
 * clusters while a quota is chosen (one message per problem, as a list at
 * the field), custom values reach the ticket and, approved by ops, the
 * cluster; the ticket's header follows its steps live; ops set the
 * custom-quota limits. Demo data: Dana owns checkout-api, whose environments
 * run on sandbox-east and sandbox-west (24 CPU, 93 GiB, 330 pods and 1 GPU each).
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

async function openQuotaDialog(page: Page, environment: string) {
  await page.goto("/projects/checkout-api");
  const row = page
    .getByRole("list", { name: "Environments" })
    .getByRole("listitem")
    .filter({ hasText: `checkout-api-${environment}` });
  await row.getByRole("button", { name: "Quota…" }).click();
  const dialog = page.getByRole("dialog", { name: `Quota of ${environment}` });
  await expect(dialog).toBeVisible();
  return dialog;
}

test("the quota dialog refuses what the clusters cannot hold while it is chosen, one problem per line", async ({ page }) => {
  const dialog = await openQuotaDialog(page, "prod");
  await dialog.getByLabel("Quota", { exact: true }).selectOption("large");
  await dialog.getByLabel("GPUs", { exact: true }).fill("2");
  const problems = dialog.getByRole("list", { name: "Problems with Quota" });
  await expect(problems.getByRole("listitem")).toHaveText([
    "48 CPU is more than sandbox-east and sandbox-west have (24 each)",
    "96 GiB of memory is more than sandbox-east and sandbox-west have (93 GiB each)",
    "2 GPU is more than sandbox-east and sandbox-west have (1 each)",
  ]);
  await expect(dialog.getByRole("button", { name: "Send request" })).toBeDisabled();

  // What fits is accepted, and the dialog says who approves it.
  await dialog.getByLabel("Quota", { exact: true }).selectOption("medium");
  await dialog.getByLabel("GPUs", { exact: true }).fill("1");
  await expect(problems).toBeHidden();
  await expect(dialog.getByTestId("quota-approver")).toContainText("An admin approves it");
  await expect(dialog.getByTestId("quota-approver")).toContainText("1 GPU: any GPU needs an admin");
  await expect(dialog.getByRole("button", { name: "Send request" })).toBeEnabled();
});

test("a custom quota goes to ops, shows its values on the ticket, and the header follows provisioning to done", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const dialog = await openQuotaDialog(page, "dev");
  await dialog.getByLabel("Quota", { exact: true }).selectOption("custom");
  await dialog.getByLabel("CPU", { exact: true }).fill("6");
  await dialog.getByLabel("Memory (GiB)", { exact: true }).fill("20");
  await dialog.getByLabel("Pods", { exact: true }).fill("");
  await expect(dialog.getByRole("list", { name: "Problems with Pods" })).toHaveText("Enter the pods of the custom quota");
  await dialog.getByLabel("Pods", { exact: true }).fill("400");
  await expect(dialog.getByRole("list", { name: "Problems with Quota" })).toHaveText("400 pods is more than sandbox-east and sandbox-west have (330 each)");
  await dialog.getByLabel("Pods", { exact: true }).fill("30");
  await expect(dialog.getByTestId("quota-summary")).toHaveText("6 CPU, 20 GiB, 30 pods");
  await expect(dialog.getByTestId("quota-approver")).toHaveText("Ops approve it.");
  await dialog.getByLabel("Why", { exact: true }).fill("The order importer needs more memory than small gives.");
  await dialog.getByRole("button", { name: "Send request" }).click();

  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  const ticketUrl = page.url();
  await expect(page.getByRole("heading", { name: /Quota of checkout-api-dev: custom \(6 CPU, 20 GiB, 30 pods\)/ })).toBeVisible();
  await expect(page.getByText("CPU: 6 (now")).toBeVisible();
  await expect(page.getByText("Memory (GiB): 20 (now")).toBeVisible();
  await expect(page.getByText("Pods: 30 (now")).toBeVisible();

  const ops = await browser.newContext({ storageState: authFile("ops") });
  try {
    const opsPage = await ops.newPage();
    await opsPage.goto(ticketUrl);
    await expect(opsPage.getByTestId("ticket-status")).toHaveText("Open");
    await opsPage.getByRole("button", { name: "Approve" }).click();
    // The steps and the header read one live source: when the steps are done, so is the header, without a reload.
    await expect(opsPage.getByTestId("step-summary")).toHaveText(/(\d+) of \1 steps done · ticket done/, { timeout: 60_000 });
    await expect(opsPage.getByTestId("ticket-status")).toHaveText("Done");
  } finally {
    await ops.close();
  }
  await page.goto("/projects/checkout-api");
  await expect(page.getByTestId("quota-dev")).toHaveText("custom: 6 CPU, 20 GiB, 30 pods");
});

test.describe("as ops", () => {
  test.use({ storageState: authFile("ops") });

  test("ops set the custom-quota limits, never above the largest preset", async ({ page }) => {
    await page.goto("/tickets");
    await page.getByRole("button", { name: "Quota limits" }).click();
    const dialog = page.getByRole("dialog", { name: "Custom quota limits" });
    await dialog.getByLabel("CPU", { exact: true }).fill("100");
    await dialog.getByLabel("Pods", { exact: true }).fill("");
    await dialog.getByRole("button", { name: "Save limits" }).click();
    await expect(dialog.getByRole("list", { name: "Problems with CPU" })).toHaveText("At most 48 (CPUs)");
    await expect(dialog.getByRole("list", { name: "Problems with Pods" })).toHaveText("Enter the pods as a whole number");
    // Saved as they were (other tests rely on the defaults): the save itself is what is proven here.
    await dialog.getByLabel("CPU", { exact: true }).fill("48");
    await dialog.getByLabel("Pods", { exact: true }).fill("150");
    await dialog.getByRole("button", { name: "Save limits" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText("Custom quota limits saved")).toBeVisible();
  });
});
