/**
 * The Deployments page a page of services at a time: its count, its page
 * links, and the filters kept across them.
 */
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("ops") });

test("shows how many services match, a page at a time, with links that keep the filters", async ({ page }) => {
  await page.goto("/deployments");
  const rows = page.locator("[data-testid^=matrix-]").filter({ has: page.locator("[data-testid^=cell-]") });
  await expect(rows.first()).toBeVisible();
  const services = new Set(
    (await page.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-testid") ?? ""))).map((id) =>
      id.replace(/-(dev|test|staging|prod)$/, ""),
    ),
  );
  await expect(page.getByTestId("matrix-count")).toHaveText(`Services 1–${services.size} of ${services.size}`);
  await expect(page.getByRole("navigation", { name: "Pagination" })).toContainText("Page 1 of 1");

  // Past the last page: said so, with a link back that keeps the environment filter and the page size.
  await page.goto("/deployments?env=prod&size=50&page=3");
  await expect(page.getByTestId("matrix-count")).toHaveText(/^Page 3 is past the last page; \d+ services in all$/);
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/deployments" && url.search === "?env=prod&page=2&size=50");
  await expect(page.getByLabel("Environment")).toHaveValue("prod");
  await expect(page.getByLabel("Services per page")).toHaveValue("50");
  for (const env of await page.locator("tbody tr td:nth-child(3)").allTextContents()) expect(env).toBe("prod");
});
