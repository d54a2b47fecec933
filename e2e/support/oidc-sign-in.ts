import { expect, type Page } from "@playwright/test";

/** Signs in through the harness's OIDC provider (its own login and consent pages) as `email`. */
export async function signInWithOidc(page: Page, email: string) {
  await page.goto("/signin");
  // The button stays disabled until the page has hydrated: Playwright waits for it, so the click is never lost.
  await page.getByRole("button", { name: "Continue with Test IdP" }).click();
  await expect(page).toHaveURL(new RegExp(`^${process.env.E2E_OIDC_ISSUER}`));
  await page.locator('input[name="login"]').fill(email);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: /sign-in/i }).click();
  await page.getByRole("button", { name: /continue/i }).click();
}
