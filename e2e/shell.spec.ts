/** The shell: the command palette, the projects list's sorting, a manager's home and the audit log's details and export. */
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.describe("the command palette", () => {
  test.use({ storageState: authFile("developer") });

  test("Ctrl+K finds a project by name and Enter opens it; the header's button finds a page", async ({ page }) => {
    await page.goto("/");
    // The shortcut listens once the page has hydrated.
    await page.waitForLoadState("networkidle");
    await page.keyboard.press("Control+K");
    const palette = page.getByRole("dialog", { name: "Search Wharf" });
    await expect(palette).toBeVisible();
    await palette.getByRole("combobox").fill("ledg");
    await expect(palette.getByRole("option", { name: /^Ledger/ })).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/projects\/ledger$/);
    await expect(palette).toBeHidden();

    await page.getByRole("button", { name: "Search" }).click();
    await palette.getByRole("combobox").fill("checkout-api/work");
    await expect(palette.getByRole("option", { name: /^checkout-api\/worker/ })).toBeVisible();
    await palette.getByRole("combobox").fill("templ");
    await palette.getByRole("option", { name: "Templates" }).click();
    await expect(page).toHaveURL(/\/templates$/);
  });

  test("offers only the pages the person may use, and says when nothing matches", async ({ page }) => {
    await page.goto("/");
    await page.waitForLoadState("networkidle");
    await page.keyboard.press("Control+K");
    const palette = page.getByRole("dialog", { name: "Search Wharf" });
    await palette.getByRole("combobox").fill("audit");
    await expect(palette.getByText("Nothing you may see matches “audit”.")).toBeVisible();
    await expect(palette.getByRole("option")).toHaveCount(0);
  });
});

test.describe("the header", () => {
  test.use({ storageState: authFile("developer") });

  test("its theme and user menus open from the keyboard, and Escape gives the focus back to their button", async ({ page }) => {
    await page.goto("/projects");
    // The server sends the buttons; their menus come with hydration (docs/performance.md, ninth pass).
    await page.waitForLoadState("networkidle");
    const menus = [
      { button: page.getByRole("button", { name: "Toggle theme" }), item: page.getByRole("menuitemradio", { name: "Dark" }) },
      { button: page.getByRole("button", { name: "User menu" }), item: page.getByRole("menuitem", { name: "Sign out", exact: true }) },
    ];
    for (const { button, item } of menus) {
      await button.focus();
      await page.keyboard.press("Enter");
      await expect(item).toBeVisible();
      await page.keyboard.press("Escape");
      await expect(item).toBeHidden();
      await expect(button).toBeFocused();
    }
  });
});

test.describe("the shell", () => {
  test.use({ storageState: authFile("admin") });

  test("the sidebar and header add under 13 KB to a page, and the sidebar still collapses to icons with their names as tooltips", async ({ page }) => {
    // The bench's method (scripts/bench/catalog.ts): the HTML as served, here the part from the sidebar to the header's end.
    // With the shared Button and sidebar utilities repeated per entry they were about 27 KB for an admin (22.5 KB for a developer); with inline
    // lucide SVGs about 19 KB (15.5 KB); with the icon sprite 12.2 KB (10.3 KB) (docs/performance.md).
    const html = await (await page.request.get("/projects")).text();
    const start = html.indexOf('data-slot="sidebar-wrapper"');
    const end = html.indexOf("</header>");
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const shell = Buffer.byteLength(html.slice(start, end));
    test.info().annotations.push({ type: "shell weight", description: `${(shell / 1024).toFixed(1)} KB` });
    expect(shell).toBeLessThan(13 * 1024);

    await page.goto("/projects");
    const nav = page.getByRole("list", { name: "Main" });
    const projects = nav.getByRole("link", { name: "Projects" });
    await expect(projects).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "Teams" })).not.toHaveAttribute("aria-current", "page");
    const wide = (await projects.boundingBox())!.width;

    // The header's button says whether the sidebar is open (the rail beside the sidebar does the same without saying).
    await page.getByRole("button", { name: "Toggle Sidebar", expanded: true }).click();
    // Collapsed, each entry is a 32 px square icon; its name shows as a tooltip when it has the focus.
    await expect.poll(async () => (await projects.boundingBox())!.width).toBe(32);
    expect(wide).toBeGreaterThan(150);
    const teams = nav.getByRole("link", { name: "Teams" });
    await teams.focus();
    await expect(page.getByRole("tooltip", { name: "Teams" })).toBeVisible();
    await expect(teams).toHaveAccessibleDescription("Teams");
    await page.keyboard.press("Escape");
    await expect(page.getByRole("tooltip")).toHaveCount(0);
    // On hover too, beside the entry; leaving the menu hides it.
    await projects.hover();
    const tip = page.getByRole("tooltip", { name: "Projects" });
    await expect(tip).toBeVisible();
    // The tooltip slides in from the left (its open animation): read where it settles, not where it starts.
    const entryX = (await projects.boundingBox())!.x;
    await expect.poll(async () => (await tip.boundingBox())?.x ?? 0).toBeGreaterThanOrEqual(entryX + 32);
    await page.getByRole("heading", { name: "Projects", level: 1 }).hover();
    await expect(page.getByRole("tooltip")).toHaveCount(0);
    await page.getByRole("button", { name: "Toggle Sidebar", expanded: false }).click();
    await expect.poll(async () => (await projects.boundingBox())!.width).toBe(wide);
    // Expanded, the names are on screen: no tooltip.
    await teams.hover();
    await teams.focus();
    await expect(page.getByRole("tooltip")).toHaveCount(0);
  });

  test("a collapsed sidebar stays collapsed when the page is reloaded", async ({ page }) => {
    await page.goto("/projects");
    const projects = page.getByRole("list", { name: "Main" }).getByRole("link", { name: "Projects" });
    await page.getByRole("button", { name: "Toggle Sidebar", expanded: true }).click();
    await expect.poll(async () => (await projects.boundingBox())!.width).toBe(32);
    // The server renders it collapsed from the cookie the toggle set, so it neither opens nor flickers open on reload.
    const html = await (await page.request.get("/projects")).text();
    expect(html).toMatch(/data-state="collapsed"/);
    await page.reload();
    await expect(page.getByRole("button", { name: "Toggle Sidebar", expanded: false })).toBeVisible();
    expect((await projects.boundingBox())!.width).toBe(32);
    await page.getByRole("button", { name: "Toggle Sidebar", expanded: false }).click();
    await expect.poll(async () => (await projects.boundingBox())!.width).toBeGreaterThan(150);
  });

  test("the sidebar's and header's icons are drawn at 16 px from one cached sprite that holds every icon on the page", async ({ page }) => {
    await page.goto("/projects");
    const nav = page.getByRole("list", { name: "Main" });
    const icons = [
      nav.getByRole("link", { name: "Projects" }).locator("svg"),
      nav.getByRole("link", { name: "Teams" }).locator("svg"),
      page.getByRole("link", { name: /Wharf/ }).first().locator("svg"),
      page.getByRole("button", { name: "Toggle Sidebar", expanded: true }).locator("svg"),
      page.getByRole("button", { name: "Search" }).locator("svg"),
      page.getByRole("button", { name: /^Notifications/ }).locator("svg"),
      // Light theme: the sun shows, the moon is scaled to nothing until the theme is dark.
      page.getByRole("button", { name: "Toggle theme" }).locator("svg").first(),
    ];
    for (const icon of icons) {
      const box = (await icon.boundingBox())!;
      expect([box.width, box.height]).toEqual([16, 16]);
      // Drawn: the <use> found its symbol in the sprite (an unresolved reference has an empty box).
      await expect.poll(() => icon.locator("use").evaluate((u) => (u as SVGUseElement).getBBox().width)).toBeGreaterThan(0);
    }

    // Every <use> on the page names a symbol of the one sprite, whose URL carries its hash.
    const hrefs = await page.locator("svg use").evaluateAll((uses) => uses.map((u) => u.getAttribute("href") ?? ""));
    expect(hrefs.length).toBeGreaterThan(15);
    const urls = new Set(hrefs.map((h) => h.split("#")[0]));
    expect([...urls]).toHaveLength(1);
    const [url] = urls;
    expect(url).toMatch(/^\/icons\.svg\?v=[0-9a-f]{10}$/);
    const sprite = await page.request.get(url);
    expect(sprite.status()).toBe(200);
    expect(sprite.headers()["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(sprite.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    const ids = new Set([...(await sprite.text()).matchAll(/<symbol id="([^"]+)"/g)].map((m) => m[1]));
    const missing = hrefs.map((h) => h.split("#")[1]).filter((name) => !ids.has(name));
    expect(missing).toEqual([]);
    // No inline lucide icon is left in the shell or the list.
    expect(await page.locator("svg.lucide").count()).toBe(0);
  });

  test("a project's and a service's pages prefetch no page until someone reaches for a link, and a click still navigates in place", async ({ page }) => {
    // next/link prefetched every link in view: six server renders per visit to a service page, again after each deploy.
    const prefetched: string[] = [];
    page.on("request", (r) => {
      if (r.headers()["next-router-prefetch"]) prefetched.push(new URL(r.url()).pathname);
    });
    for (const path of ["/projects/checkout-api", "/projects/checkout-api/services/api?env=dev", "/deployments?project=checkout-api", "/teams/storefront"]) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      expect(prefetched, path).toEqual([]);
    }

    await page.goto("/projects/checkout-api/services/api?env=dev");
    await page.evaluate(() => Object.assign(window, { wharfSamePage: true }));
    const logs = page.getByRole("link", { name: "Logs", exact: true });
    await logs.hover();
    await expect.poll(() => prefetched).toContain("/projects/checkout-api/services/api/logs");
    expect(new Set(prefetched)).toEqual(new Set(["/projects/checkout-api/services/api/logs"]));
    await logs.click();
    await expect(page).toHaveURL(/\/services\/api\/logs\?env=dev$/);
    expect(await page.evaluate(() => "wharfSamePage" in window)).toBe(true);
  });
});

test.describe("the projects list", () => {
  test.use({ storageState: authFile("admin") });

  test("the first click on Updated shows the most recently changed projects first", async ({ page }) => {
    await page.goto("/projects");
    await page.getByRole("columnheader", { name: "Updated" }).getByRole("link").click();
    await expect(page.getByRole("columnheader", { name: "Updated" })).toHaveAttribute("aria-sort", "descending");
    const times = await page.locator("tbody time").evaluateAll((ts) => ts.map((t) => (t as HTMLTimeElement).dateTime));
    expect(times.length).toBeGreaterThan(1);
    expect(times).toEqual([...times].sort().reverse());
    await page.getByRole("columnheader", { name: "Project" }).getByRole("link").click();
    await expect(page.getByRole("columnheader", { name: "Project" })).toHaveAttribute("aria-sort", "ascending");
  });
});

test.describe("a manager's home", () => {
  test.use({ storageState: authFile("manager") });

  test("shows what a manager watches instead of an empty project list, and groups repeated events", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByText("You are not in any project yet")).toHaveCount(0);
    for (const board of ["Deliveries this week", "Failed releases", "Open tickets"]) await expect(page.getByRole("heading", { name: board })).toBeVisible();
    await expect(page.getByTestId("deliveries-count")).toHaveText(/^\d+$/);
    await expect(page.getByTestId("open-tickets-count")).toHaveText(/^\d+$/);
    await expect(page.getByLabel("Open tickets by age")).toContainText("under a day");
    // A run of the same thing by the same person reads as one line, not one per event. The manager makes one
    // (four Git tokens in a row); other tests' events may cut in between, so at least two of them must group.
    await page.goto("/settings/tokens");
    const stamp = Date.now().toString(36);
    for (let i = 0; i < 4; i++) {
      await page.getByLabel("Name").fill(`home-${stamp}-${i}`);
      await page.getByRole("button", { name: "Create token" }).click();
      await expect(page.getByTestId("git-token-row").filter({ hasText: `home-${stamp}-${i}` })).toBeVisible();
    }
    await page.goto("/");
    const feed = page.getByRole("list", { name: "Recent activity" });
    await expect(feed).toContainText(/[234] git tokens created/);
    await expect(feed).toContainText(`home-${stamp}-3`);
  });
});

test.describe("the audit log", () => {
  test.use({ storageState: authFile("admin") });

  test("shows a change's before and after field by field, and exports what the filters match as CSV", async ({ page }) => {
    await page.goto("/admin/audit?action=project.create");
    await page
      .getByRole("button", { name: /^Before and after of project\.create on / })
      .first()
      .click();
    const panel = page.getByRole("dialog");
    await expect(panel.getByRole("heading", { name: "project.create" })).toBeVisible();
    await expect(panel.getByRole("heading", { name: "Created with" })).toBeVisible();
    await expect(panel.getByTestId("field-slug")).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(panel).toBeHidden();

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^wharf-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    const [header, ...rows] = csv.trimEnd().split("\r\n");
    expect(header).toBe("time,actor,action,target_type,target_id,target,project,request_id,before,after");
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows.filter((r) => /^\d{4}-/.test(r))) expect(row.split(",")[2]).toBe("project.create");
  });

  test("a developer cannot export it", async ({ browser }) => {
    const context = await browser.newContext({ storageState: authFile("developer") });
    const res = await context.request.get("/admin/audit/export");
    expect(res.status()).toBe(403);
    expect((await res.json()).code).toBe("FORBIDDEN");
    await context.close();
  });
});
