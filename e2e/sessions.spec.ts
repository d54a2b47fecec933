/**
 * Signing out ends the session on the server: a copy of the session cookie
 * (taken before signing out) no longer opens the portal or its API.
 * Each test signs in a person of its own through the OIDC provider, so
 * ending their sessions never touches the demo users' saved sessions.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { signInWithOidc } from "./support/oidc-sign-in";

async function signedIn(browser: Browser, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithOidc(page, email);
  await expect(page.getByRole("heading", { name: /^Hello, / })).toBeVisible();
  return { context, page };
}

/** A second browser holding a copy of `context`'s session cookie, as someone who copied it would. */
async function withCopiedCookie(browser: Browser, context: BrowserContext): Promise<BrowserContext> {
  const cookies = (await context.cookies()).filter((c) => c.name.includes("session-token"));
  expect(cookies.length).toBeGreaterThan(0);
  const copy = await browser.newContext();
  await copy.addCookies(cookies);
  return copy;
}

async function openUserMenu(page: Page) {
  // The menu may be clicked before the page has hydrated: open it until it shows.
  await expect(async () => {
    await page.getByRole("button", { name: "User menu" }).click();
    await expect(page.getByRole("menu")).toBeVisible({ timeout: 1000 });
  }).toPass();
}

test("after signing out, a copy of the session cookie gets the sign-in page and 401 from the API", async ({ browser }) => {
  const { context, page } = await signedIn(browser, `leaver.${Date.now()}@corp.example`);
  const copy = await withCopiedCookie(browser, context);
  // The copy works while the session lasts.
  expect((await copy.request.get("/api/notifications")).status()).toBe(200);

  await openUserMenu(page);
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/signin/);

  const res = await copy.request.get("/api/notifications");
  expect(res.status()).toBe(401);
  expect((await res.json()).code).toBe("UNAUTHENTICATED");
  const copyPage = await copy.newPage();
  await copyPage.goto("/");
  await expect(copyPage).toHaveURL(/\/signin/);
  await copy.close();
  await context.close();
});

test("signing out in one browser leaves the person's other browsers signed in; sign out everywhere ends them all", async ({ browser }) => {
  const email = `traveller.${Date.now()}@corp.example`;
  const laptop = await signedIn(browser, email);
  const phone = await signedIn(browser, email);
  const tablet = await signedIn(browser, email);

  await openUserMenu(tablet.page);
  await tablet.page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await expect(tablet.page).toHaveURL(/\/signin/);
  await phone.page.goto("/");
  await expect(phone.page.getByRole("heading", { name: /^Hello, / })).toBeVisible();

  await openUserMenu(laptop.page);
  await laptop.page.getByRole("menuitem", { name: "Sign out everywhere" }).click();
  await expect(laptop.page).toHaveURL(/\/signin/);
  expect((await phone.context.request.get("/api/notifications")).status()).toBe(401);
  await phone.page.goto("/");
  await expect(phone.page).toHaveURL(/\/signin/);

  for (const c of [laptop, phone, tablet]) await c.context.close();
});
