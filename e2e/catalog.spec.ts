/** The admin creates a team and a project (with wrong input first), finds it, and edits it. */
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("admin") });

test("create a team, then a project, with clear errors for bad and taken slugs", async ({ page }) => {
  const suffix = Date.now().toString(36);
  await page.goto("/teams");
  await page.getByRole("button", { name: "New team" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Slug").fill("Bad_Slug");
  await dialog.getByLabel("Name").fill("Risk");
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(dialog.getByText("Use lowercase letters only")).toBeVisible();
  await dialog.getByLabel("Slug").fill("payments");
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(dialog.getByText('"payments" is already taken by another team; choose another')).toBeVisible();
  await dialog.getByLabel("Slug").fill(`risk-${suffix}`);
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("link", { name: /Risk/ })).toBeVisible();

  await page.goto("/projects/new");
  await page.getByLabel("Name").fill("Fraud Scoring");
  await page.getByLabel("Slug").fill("checkout-api");
  await expect(page.getByText("Already taken by another project.")).toBeVisible();
  await page.getByLabel("Slug").fill(`fraud-${suffix}`);
  await page.getByLabel("Description").fill("Scores every payment for fraud.");
  await page.getByRole("combobox", { name: "Team" }).click();
  await page.getByRole("option", { name: "Risk" }).click();
  await page.getByRole("combobox", { name: "Owner" }).click();
  await page.getByRole("option", { name: /Dana Developer/ }).click();
  await page.getByLabel("Labels").fill("domain=risk, pci=true");
  await page.getByRole("button", { name: "Create project" }).click();

  await expect(page).toHaveURL(new RegExp(`/projects/fraud-${suffix}$`));
  await expect(page.getByRole("heading", { name: /Fraud Scoring/ })).toBeVisible();
  await expect(page.getByRole("list", { name: "Members" })).toContainText("Dana Developer");
  await expect(page.getByRole("list", { name: "Activity" })).toContainText("project.create");

  await page.goto("/projects");
  await page.getByRole("searchbox", { name: "Search projects" }).or(page.getByLabel("Search projects")).fill("scores every payment");
  await expect(page.getByRole("link", { name: "Fraud Scoring" })).toBeVisible();
  await expect(page.getByTestId("result-count")).toHaveText("1–1 of 1 projects");
});

test("a second admin's edit of the same project is refused with who saved, and their input is kept", async ({ page, browser }) => {
  await page.goto("/projects/ledger/settings");
  const other = await browser.newContext({ storageState: authFile("admin") });
  const otherPage = await other.newPage();
  await otherPage.goto("/projects/ledger/settings");

  await page.getByLabel("Description").fill("Edited by the first admin.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(/\/projects\/ledger$/);

  await otherPage.getByLabel("Description").fill("Edited by the second admin.");
  await otherPage.getByRole("button", { name: "Save changes" }).click();
  const conflict = otherPage.getByRole("alert").filter({ hasText: "Not saved: this record changed meanwhile" });
  await expect(conflict).toBeVisible();
  await expect(conflict).toContainText("ada@wharf.dev");
  await expect(otherPage.getByLabel("Description")).toHaveValue("Edited by the second admin.");
  await other.close();
});

test("the projects list shows each project's team, tier, stack, labels and lifecycle, and a row adds little to the page", async ({ page }) => {
  await page.goto("/projects?q=ledger");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "Ledger", exact: true }) });
  await expect(row.getByRole("link", { name: "Ledger", exact: true })).toHaveAttribute("href", "/projects/ledger");
  await expect(row).toContainText("critical");
  await expect(row).toContainText("domain=payments");
  await expect(row).toContainText("Java · Spring Boot");
  await expect(row).toContainText("Active");
  await expect(row.locator("time")).toHaveText(/ago$/);
  // The badges look as the shared Badge and StatusBadge draw them: critical white on red without a border, the lifecycle in normal weight.
  const tier = row.getByText("critical", { exact: true });
  await expect(tier).toHaveCSS("color", "rgb(255, 255, 255)");
  await expect(tier).toHaveCSS("border-top-color", "rgba(0, 0, 0, 0)");
  await expect(row.getByText("Active", { exact: true })).toHaveCSS("font-weight", "400");
  await row.getByRole("link", { name: "Ledger", exact: true }).click();
  await expect(page).toHaveURL(/\/projects\/ledger$/);

  // What a row costs, HTML and the page's React data together: the whole list minus a list of one, per extra row.
  const weigh = async (path: string) => {
    await page.goto(path);
    const rows = Number((await page.getByTestId("result-count").textContent())?.match(/of (\d+) projects/)?.[1]);
    return { rows, bytes: (await (await page.request.get(path)).text()).length };
  };
  const all = await weigh("/projects?size=50");
  const one = await weigh("/projects?q=ledger&size=50");
  expect(all.rows).toBeGreaterThan(one.rows);
  // Each row was about 9 KB (3 KB of class attributes, twice, and its rendered tree); as data and short classes, under 3 KB.
  expect((all.bytes - one.bytes) / (Math.min(all.rows, 50) - one.rows)).toBeLessThan(3000);
});

test("a page past the last one says so and leads to the last page, instead of counting from 1961 of 5", async ({ page }) => {
  await page.goto("/projects?tier=critical&page=99");
  await expect(page.getByRole("heading", { name: "There is no page 99" })).toBeVisible();
  const total = await page.getByText(/projects? match/).textContent();
  expect(total).toMatch(/^\d+ projects? match, on 1 page\.$/);
  await page.getByRole("link", { name: "Go to page 1" }).click();
  await expect(page).toHaveURL(/\/projects\?tier=critical$/);
  await expect(page.getByTestId("result-count")).toHaveText(/^1–\d+ of \d+ projects$/);
});

test("a search longer than the box takes, in an edited link, is searched by its first 100 characters and the box and link say so", async ({ page }) => {
  await page.goto("/projects?q=ledger");
  const found = await page.getByTestId("result-count").textContent();
  // "ledger", then spaces up to past the 100th character, then words no project has: the first 100 characters are "ledger".
  await page.goto(`/projects?q=${encodeURIComponent(`ledger${" ".repeat(100)}no such project anywhere`)}`);
  await expect(page.getByRole("link", { name: "Ledger", exact: true })).toBeVisible();
  await expect(page.getByTestId("result-count")).toHaveText(found!);
  await expect(page.getByLabel("Search projects")).toHaveValue("ledger");
  await expect(page).toHaveURL(/\/projects\?q=ledger$/);
});

test("opening the projects list prefetches no page until someone reaches for a link, then only that one", async ({ page }) => {
  // next/link prefetched every link in view: 40 server renders per visit to the list (docs/performance.md).
  const prefetched: string[] = [];
  page.on("request", (r) => {
    if (r.headers()["next-router-prefetch"]) prefetched.push(new URL(r.url()).pathname);
  });
  await page.goto("/projects");
  await page.waitForLoadState("networkidle");
  expect(prefetched).toEqual([]);

  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "Ledger", exact: true }) });
  await row.getByRole("link", { name: "Ledger", exact: true }).hover();
  await expect.poll(() => prefetched).toContain("/projects/ledger");
  expect(new Set(prefetched)).toEqual(new Set(["/projects/ledger"]));
  // The keyboard reaches for links too: the sidebar's Teams entry.
  await page.getByRole("list", { name: "Main" }).getByRole("link", { name: "Teams" }).focus();
  await expect.poll(() => prefetched).toContain("/teams");
  // The rows', sort headers' and sidebar's links are plain anchors that still navigate in the client: the page is not reloaded.
  await page.evaluate(() => Object.assign(window, { wharfSamePage: true }));
  await page.getByRole("link", { name: "Tier" }).click();
  await expect(page).toHaveURL(/sort=tier/);
  await expect(page.getByRole("link", { name: "Ledger", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "Ledger", exact: true }).click();
  await expect(page).toHaveURL(/\/projects\/ledger$/);
  await expect(page.getByRole("heading", { name: "Ledger", level: 1 })).toBeVisible();
  await page.getByRole("list", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  expect(await page.evaluate(() => "wharfSamePage" in window)).toBe(true);
});
