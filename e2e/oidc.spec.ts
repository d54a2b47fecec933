/** Sign-in through a real OpenID Connect provider (oidc-provider, started by the e2e harness). */
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";
import { signInWithOidc } from "./support/oidc-sign-in";

test("a new user signs in through the company's OIDC provider and is created as a developer", async ({ page, browser }) => {
  const email = `oidc.person.${Date.now()}@corp.example`;
  // The provider's own login and consent pages.
  await signInWithOidc(page, email);

  await expect(page.getByRole("heading", { name: /^Hello, Oidc/ })).toBeVisible();
  // The menu may be clicked before the page has hydrated: open it until it shows.
  await expect(async () => {
    await page.getByRole("button", { name: "User menu" }).click();
    await expect(page.getByRole("menu")).toBeVisible({ timeout: 1000 });
  }).toPass();
  await expect(page.getByRole("menu").getByText(email)).toBeVisible();
  await expect(page.getByTestId("platform-role")).toHaveText("developer");

  // The admin sees the new user, created at first sign-in.
  const admin = await browser.newContext({ storageState: authFile("admin") });
  const adminPage = await admin.newPage();
  await adminPage.goto("/admin/users");
  await expect(adminPage.getByText(email)).toBeVisible();
  await adminPage.goto(`/admin/audit?action=user.create`);
  // The row's target cell and its before/after cell both name the user: the row is what counts.
  await expect(adminPage.getByRole("row").filter({ hasText: email }).first()).toBeVisible({ timeout: 30_000 });
  await admin.close();
});

test("the sign-in button waits for the page to be ready: before hydration it is disabled, so a click is never lost", async ({ browser }) => {
  // Without JavaScript the page never hydrates: what a person (or a test) sees in the moment before it does on a busy machine.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/signin");
  await expect(page.getByRole("button", { name: "Continue with Test IdP" })).toBeDisabled();
  await context.close();
});
