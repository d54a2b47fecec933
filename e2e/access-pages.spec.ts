/**
 * Pages the demo developer may not see answer HTTP 403 with the no-access
 * page (what she may not see and whom to ask, inside the shell); records she
 * may not know exist, and addresses no record can have, answer 404. Never a
 * 200 that only looks like a refusal, and never a 500.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

/** Pages Dana (developer; member of checkout-api, ledger and storefront-web only) may not use, and what the page says she may not see. */
const FORBIDDEN: [string, string][] = [
  ["/admin", "the Admin section"],
  ["/admin/audit", "the audit log"],
  ["/admin/users", "user management"],
  ["/clusters", "the cluster registry"],
  ["/clusters/sandbox-east", "the cluster registry"],
  ["/clusters/new", "registering clusters"],
  ["/dashboards", "the platform dashboards"],
  ["/projects/new", "creating projects directly"],
  ["/projects/search-indexer/settings", "the settings of search-indexer"],
  // Refused by the domain (deploy.read) while the page renders: was a 500.
  ["/projects/recommendations/services/serving", "the deployments of recommendations/serving"],
  ["/projects/recommendations/services/serving/spec", "the spec of recommendations/serving"],
];

async function expectNotFound(page: Page, path: string) {
  const res = await page.goto(path);
  expect(res?.status(), path).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByText("This page or record does not exist, or it was removed.")).toBeVisible();
}

test("pages the developer may not use answer 403 with what she may not see and whom to ask", async ({ page }) => {
  for (const [path, what] of FORBIDDEN) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "No permission" })).toBeVisible();
    await expect(page.getByText(`Your role does not give you access to ${what}. If you need it, ask an admin or the project's owner.`)).toBeVisible();
    // Inside the shell: she can go on from there.
    await expect(page.getByRole("list", { name: "Main" })).toBeVisible();
  }
});

test("pages she may use still answer 200", async ({ page }) => {
  for (const path of ["/projects/checkout-api/settings", "/projects/checkout-api/services/api", "/projects/recommendations", "/tickets", "/templates"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(200);
    await expect(page.getByRole("heading", { name: "No permission" })).toHaveCount(0);
  }
});

test("a release or ticket of a project she is not in answers 404, as if it did not exist", async ({ page, browser }) => {
  test.setTimeout(120_000);
  // The admin deploys a service of recommendations; the manager asks for access to search-indexer.
  const admin = await browser.newContext({ storageState: authFile("admin") });
  const adminPage = await admin.newPage();
  await adminPage.goto("/projects/recommendations/services/serving?env=dev");
  await adminPage.getByLabel("Image tag").fill("v1");
  await adminPage.getByRole("button", { name: "Deploy to dev" }).click();
  await expect(adminPage).toHaveURL(/\/releases\/[\w-]+$/);
  const release = new URL(adminPage.url()).pathname;
  await admin.close();

  const manager = await browser.newContext({ storageState: authFile("manager") });
  const managerPage = await manager.newPage();
  await managerPage.goto("/projects/search-indexer");
  await managerPage.getByRole("button", { name: "Request access" }).click();
  await managerPage.getByLabel("Why").fill("To read its rollouts for the quarterly review.");
  await managerPage.getByRole("button", { name: "Send request" }).click();
  await expect(managerPage).toHaveURL(/\/tickets\/\d+$/);
  const ticket = new URL(managerPage.url()).pathname;
  await manager.close();

  await expectNotFound(page, release);
  await expectNotFound(page, `/projects/recommendations/services/serving/diff?a=${release.split("/").pop()}&b=${release.split("/").pop()}`);
  await expectNotFound(page, ticket);
  // The same answer as for records that do not exist.
  await expectNotFound(page, "/releases/no-such-release");
  await expectNotFound(page, "/tickets/424242");
});

test("addresses no record can have answer 404, not 500", async ({ page }) => {
  // Beyond int4, a NUL byte in the path or in a filter: each reached Postgres and failed as a 500.
  for (const path of ["/tickets/99999999999", "/tickets/1e30", "/projects/%00", "/teams/a%00b", "/projects?q=%00", "/deployments?project=%00"]) {
    await expectNotFound(page, path);
  }
});
