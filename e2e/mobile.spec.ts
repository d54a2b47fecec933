/**
 * Every page fits a phone: at 390 x 844, as an admin and as a developer, no page is wider than the screen (tables
 * scroll inside their own container; deep breadcrumbs collapse their middle). A ticket and a release are made first
 * (a developer asks to join a project and deploys), so their pages are visited too.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile, type DemoRole } from "./support/users";

// One worker runs this file's tests in order: the ticket and the release are made once.
test.describe.configure({ mode: "default" });

const PHONE = { width: 390, height: 844 };

let ticketPath = "";
let releasePath = "";

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ storageState: authFile("developer") });
  const page = await context.newPage();
  await page.goto("/projects/search-indexer");
  await page.getByRole("button", { name: "Request access" }).click();
  await page.getByLabel("Why").fill("To read the indexer's logs when search results look stale.");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  ticketPath = new URL(page.url()).pathname;
  await page.goto("/projects/ledger/services/api?env=dev");
  await page.getByLabel("Image tag").fill("v1");
  await page.getByRole("button", { name: "Deploy to dev" }).click();
  await expect(page).toHaveURL(/\/releases\/[\w-]+$/);
  releasePath = new URL(page.url()).pathname;
  await context.close();
});

const PAGES = [
  "/",
  "/projects",
  "/projects?q=no-project-is-called-this",
  "/projects/new",
  "/projects/onboard",
  "/projects/checkout-api",
  "/projects/checkout-api/settings",
  "/projects/checkout-api/services",
  "/projects/checkout-api/services/api",
  "/projects/checkout-api/services/api/spec",
  "/projects/checkout-api/services/api/config?env=dev",
  "/projects/checkout-api/services/api/config/history?env=dev",
  "/projects/checkout-api/services/api/config/gray?env=dev",
  "/projects/checkout-api/services/api/config/instances?env=dev",
  "/projects/checkout-api/services/api/config/settings?env=dev",
  "/teams",
  "/teams/payments",
  "/templates",
  "/templates/spring-boot",
  "/tickets",
  "/deployments",
  "/dashboards",
  "/clusters",
  "/clusters/new",
  "/clusters/sandbox-east",
  "/releases",
  "/admin",
  "/admin/audit",
  "/admin/audit?action=no.such.action",
  "/admin/users",
  "/settings/tokens",
  "/no-such-page",
  "/projects/no-such-project",
];

async function pageWidth(page: Page) {
  return page.evaluate(() => document.scrollingElement!.scrollWidth);
}

for (const role of ["admin", "developer"] as DemoRole[]) {
  test.describe(`on a phone, as the demo ${role}`, () => {
    test.use({ storageState: authFile(role), viewport: PHONE });

    test("every page fits the screen's width", async ({ page }) => {
      test.setTimeout(180_000);
      const tooWide: string[] = [];
      for (const path of [...PAGES, ticketPath, releasePath]) {
        const res = await page.goto(path);
        expect(res?.status(), path).toBeLessThan(500);
        await page.waitForLoadState("networkidle");
        const width = await pageWidth(page);
        if (width > PHONE.width) tooWide.push(`${path}: ${width}px`);
      }
      expect(tooWide).toEqual([]);
    });

    test("a deep path's breadcrumbs stay on one line, with the path behind a menu", async ({ page }) => {
      await page.goto("/projects/checkout-api/services/api/spec");
      const crumbs = page.getByRole("navigation", { name: "breadcrumb" });
      await expect(crumbs.getByText("Spec")).toBeVisible();
      await expect(crumbs.getByRole("link", { name: "Projects" })).toBeHidden();
      const box = await crumbs.boundingBox();
      // One line of text: not the three clipped lines it wrapped into.
      expect(box!.height).toBeLessThan(30);
      await crumbs.getByRole("button", { name: "Show the whole path" }).click();
      await page.getByRole("menuitem", { name: "checkout-api" }).click();
      await expect(page).toHaveURL(/\/projects\/checkout-api$/);
    });

    test("the search opens from the header and fits the screen", async ({ page }) => {
      await page.goto("/");
      await page.getByRole("button", { name: "Search" }).click();
      await expect(page.getByRole("dialog", { name: "Search Wharf" })).toBeVisible();
      expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    });
  });
}

test.describe("on a laptop beside the open sidebar, as the demo developer", () => {
  test.use({ storageState: authFile("developer"), viewport: { width: 1280, height: 800 } });

  test("a wide table scrolls in its own container and a deep path's breadcrumbs collapse, instead of widening the page", async ({ page }) => {
    for (const path of ["/projects/checkout-api/services/api/config/history?env=dev", "/projects/checkout-api/services/api/config?env=dev", "/deployments"]) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      expect(await pageWidth(page), path).toBeLessThanOrEqual(1280);
    }
    await page.goto("/projects/checkout-api/services/api/config/history?env=dev");
    const crumbs = page.getByRole("navigation", { name: "breadcrumb" });
    await expect(crumbs.getByText("History")).toBeVisible();
    await expect(crumbs.getByRole("button", { name: "Show the whole path" })).toBeVisible();
  });
});
