/**
 * Git access tokens: created on their page (never by a GET), shown once,
 * listed with their last use, and revoked, after which git is refused with
 * the reason. The seeded ledger (where the demo developer is a developer) has
 * no repository in the store (checkout-api has, for the CI demo), so a token
 * that passes is answered "no repository" and one that does not, 401.
 */
import { expect, test } from "@playwright/test";
import { DEMO, authFile } from "./support/users";
import { gitAccessToken, gitLsRemote } from "./support/git";

const PASSED = /has no repository in the portal's store/;

test.describe("as the demo developer", () => {
  test.use({ storageState: authFile("developer") });

  test("creates a token that is shown once, sees its last use, and revoking it locks git out with the reason", async ({ page, baseURL }) => {
    const name = `laptop-${Date.now().toString(36)}`;
    await page.goto("/settings/tokens");
    await expect(page.getByRole("heading", { name: "Git access tokens", level: 1 })).toBeVisible();
    await page.getByLabel("Name").fill(name);
    await page.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByTestId("new-git-token-value");
    await expect(shown).toHaveText(/^wgt_[A-Za-z0-9_-]{43}$/);
    const token = (await shown.textContent())!;

    const before = gitLsRemote(baseURL!, "ledger", DEMO.developer.email, token);
    expect(before.stderr).toMatch(PASSED);

    // Shown once: after a reload only its name and first characters are left.
    await page.reload();
    await expect(page.getByTestId("new-git-token")).toHaveCount(0);
    await expect(page.locator("body")).not.toContainText(token);
    const row = page.getByTestId("git-token-row").filter({ hasText: name });
    await expect(row).toContainText(token.slice(0, 8));
    await expect(row).toContainText("Active");
    await expect(row).not.toContainText("never");

    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
    await expect(row).toContainText("Revoked");

    const after = gitLsRemote(baseURL!, "ledger", DEMO.developer.email, token);
    expect(after.status).not.toBe(0);
    expect(after.stderr).toContain(`("${name}") was revoked on`);
    expect(after.stderr).toContain("/settings/tokens");
  });
});

test("an admin finds a person's tokens and revokes one", async ({ browser, baseURL }) => {
  const dev = await browser.newContext({ storageState: authFile("developer") });
  const name = `ci-${Date.now().toString(36)}`;
  const token = await gitAccessToken(await dev.newPage(), name);
  await dev.close();
  expect(gitLsRemote(baseURL!, "ledger", DEMO.developer.email, token).stderr).toMatch(PASSED);

  const admin = await browser.newContext({ storageState: authFile("admin") });
  const page = await admin.newPage();
  await page.goto("/settings/tokens");
  await page.getByLabel("Another person's tokens (admins)").fill(DEMO.developer.email);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("heading", { name: `Tokens of ${DEMO.developer.name} (${DEMO.developer.email})` })).toBeVisible();
  const row = page.getByTestId("git-token-row").filter({ hasText: name });
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText(`Revoked`);
  await expect(row).toContainText(`by ${DEMO.admin.name}`);
  await admin.close();

  expect(gitLsRemote(baseURL!, "ledger", DEMO.developer.email, token).stderr).toContain(`("${name}") was revoked on`);
});
