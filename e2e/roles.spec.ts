/** Each demo user sees what their role may use, and nothing else. */
import { expect, test } from "@playwright/test";
import { authFile, type DemoRole } from "./support/users";

const NAV: Record<DemoRole, string[]> = {
  developer: ["Home", "Projects", "Teams", "Templates", "Tickets", "Deployments", "Alerts", "Incidents"],
  ops: ["Home", "Projects", "Teams", "Templates", "Tickets", "Deployments", "Alerts", "Incidents", "Dashboards", "Clusters", "Alert routing"],
  manager: ["Home", "Projects", "Teams", "Templates", "Tickets", "Deployments", "Alerts", "Incidents", "Dashboards"],
  admin: ["Home", "Projects", "Teams", "Templates", "Tickets", "Deployments", "Alerts", "Incidents", "Dashboards", "Clusters", "Alert routing", "Admin"],
};

for (const role of Object.keys(NAV) as DemoRole[]) {
  test.describe(`signed in as the demo ${role}`, () => {
    test.use({ storageState: authFile(role) });

    test("the sidebar shows exactly the sections the role may use", async ({ page }) => {
      await page.goto("/");
      const items = page.getByRole("list", { name: "Main" }).getByRole("link");
      await expect(items).toHaveText(NAV[role]);
      await expect(async () => {
        await page.getByRole("button", { name: "User menu" }).click();
        await expect(page.getByRole("menu")).toBeVisible({ timeout: 1000 });
      }).toPass();
      await expect(page.getByTestId("platform-role")).toHaveText(role);
    });
  });
}

test.describe("pages a role may not use", () => {
  test.describe("developer", () => {
    test.use({ storageState: authFile("developer") });
    test("sees 'No permission' for clusters, admin and dashboards, and no create button", async ({ page }) => {
      for (const path of ["/clusters", "/admin", "/admin/audit", "/dashboards", "/projects/new", "/clusters/new"]) {
        await page.goto(path);
        await expect(page.getByRole("heading", { name: "No permission" })).toBeVisible();
      }
      await page.goto("/projects");
      await expect(page.getByRole("link", { name: "New project" })).toHaveCount(0);
    });
  });
  test.describe("ops", () => {
    test.use({ storageState: authFile("ops") });
    test("sees clusters but cannot register one or open the admin pages", async ({ page }) => {
      await page.goto("/clusters");
      await expect(page.getByRole("heading", { name: "Clusters", exact: true })).toBeVisible();
      await expect(page.getByRole("link", { name: "Register cluster" })).toHaveCount(0);
      await page.goto("/admin/users");
      await expect(page.getByRole("heading", { name: "No permission" })).toBeVisible();
    });
  });
  test.describe("manager", () => {
    test.use({ storageState: authFile("manager") });
    test("reads the dashboards", async ({ page }) => {
      await page.goto("/dashboards");
      await expect(page.getByRole("heading", { name: "Projects by team" })).toBeVisible();
      await expect(page.getByRole("img", { name: "Projects by team" })).toBeVisible();
    });
  });
});

test("an anonymous visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/projects");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("heading", { name: "Sign in to Wharf" })).toBeVisible();
});
