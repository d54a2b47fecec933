/**
 * The bell and the sidebar's inbox count are live: filled as soon as a page
 * loads and updated on open pages when something happens elsewhere (another
 * person's decision or comment, a new request), without a reload and without
 * waiting for a poll. Dana (developer) asks for a quota on checkout-api's
 * staging environment; Omar (ops) sees it arrive and comments on it.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

async function inboxCount(page: Page): Promise<number> {
  const badge = page.getByTestId("inbox-count");
  return (await badge.count()) ? Number(await badge.textContent()) : 0;
}

async function openBell(page: Page) {
  await page.getByRole("button", { name: /^Notifications/ }).click();
  return page.getByRole("list", { name: "Notifications" });
}

test("new requests, comments and decisions reach open pages at once, and the bell is full right after a page loads", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const suffix = Date.now().toString(36).slice(-5);
  const ops = await browser.newContext({ storageState: authFile("ops") });
  try {
    const opsPage = await ops.newPage();
    await opsPage.goto("/tickets");
    await expect(opsPage.getByRole("heading", { name: "Tickets" })).toBeVisible();
    const before = await inboxCount(opsPage);

    // Dana asks for a quota: Omar's open page counts it without a reload.
    await page.goto("/projects/checkout-api");
    const row = page.getByRole("list", { name: "Environments" }).getByRole("listitem").filter({ hasText: "checkout-api-staging" });
    await row.getByRole("button", { name: "Quota…" }).click();
    const dialog = page.getByRole("dialog", { name: "Quota of staging" });
    await dialog.getByLabel("Quota", { exact: true }).selectOption("medium");
    await dialog.getByLabel("Why", { exact: true }).fill(`Load test ${suffix}`);
    await dialog.getByRole("button", { name: "Send request" }).click();
    await expect(page).toHaveURL(/\/tickets\/\d+$/);
    const ticketUrl = page.url();
    const number = ticketUrl.split("/").pop();
    await expect.poll(() => inboxCount(opsPage), { message: "the inbox count on Omar's open page" }).toBeGreaterThan(before);

    // Omar comments: Dana's open page shows it in the bell without a reload.
    await opsPage.goto(ticketUrl);
    await opsPage.getByPlaceholder("Write a comment").fill(`Looking at it ${suffix}`);
    await opsPage.getByRole("button", { name: "Comment", exact: true }).click();
    await expect(opsPage.getByRole("list", { name: "Comments" })).toContainText(`Looking at it ${suffix}`);
    await expect(page.getByTestId("unread-count")).toBeVisible();
    const list = await openBell(page);
    await expect(list.getByRole("link", { name: new RegExp(`commented on #${number}.*Looking at it ${suffix}`) })).toBeVisible();
    await page.keyboard.press("Escape");

    // Another comment, then a fresh page load: the bell lists it at once (it used to stay empty for 20 s).
    await opsPage.getByPlaceholder("Write a comment").fill(`Second look ${suffix}`);
    await opsPage.getByRole("button", { name: "Comment", exact: true }).click();
    await expect(opsPage.getByRole("list", { name: "Comments" })).toContainText(`Second look ${suffix}`);
    await page.reload();
    await expect(page.getByTestId("unread-count")).toBeVisible();
    const again = await openBell(page);
    await expect(again.getByRole("link", { name: new RegExp(`Second look ${suffix}`) })).toBeVisible();
    await page.keyboard.press("Escape");

    // Omar rejects it: Dana hears at once.
    await opsPage.getByLabel("Comment").first().fill(`Not this quarter ${suffix}`);
    await opsPage.getByRole("button", { name: "Reject" }).click();
    await expect(page.getByTestId("unread-count")).toBeVisible();
    const decided = await openBell(page);
    await expect(decided.getByRole("link", { name: new RegExp(`#${number} was rejected by Omar Ops`) })).toBeVisible();
  } finally {
    await ops.close();
  }
});
