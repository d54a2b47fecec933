import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer"), viewport: { width: 1440, height: 1000 } });

test("priority class removed in YAML stays removed", async ({ page }) => {
  await page.goto("/projects/storefront-web/services/bff/spec");
  await page.getByLabel("Priority class").fill("high");
  await page.getByLabel("GPUs").fill("2");
  await page.getByRole("button", { name: "Save spec" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Saved as version/ })).toBeVisible();
  await page.getByRole("tab", { name: "YAML" }).click();
  const editor = page.getByRole("textbox", { name: "Spec YAML" });
  await expect(editor).toContainText("nvidia.com/gpu: 2");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+Home");
  while (!(await page.locator(".cm-activeLine").innerText()).startsWith("priorityClassName")) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Home");
  await page.keyboard.press("Shift+End");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.getByLabel("Priority class")).toHaveValue("");
  await expect(page.getByTestId("spec-status")).toContainText("unsaved changes");
  await page.getByRole("tab", { name: "YAML" }).click();
  await expect(editor).not.toContainText("priorityClassName");
  await page.getByRole("tab", { name: "Form" }).click();
  await page.getByLabel("Replicas", { exact: true }).fill("-1");
  await page.getByRole("button", { name: "Save spec" }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `/tmp/shots/errors.png` });
});
