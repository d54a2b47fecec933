/**
 * On call and the release-window silence, as people see them. Omar (ops) builds the storefront team's on-call
 * rota on its page (adds, reorders, a wrong time to acknowledge refused at the field), Dana (a member, not its
 * lead) reads it without the controls; Dana deploys ledger's api to dev with "silence this service's alerts for
 * the release window" checked, and the silence is in the real Alertmanager.
 */
import { expect, test } from "@playwright/test";
import { shots } from "./support/screenshots";
import { authFile } from "./support/users";

test.describe("on call", () => {
  // The member reads the rota ops built: one serial group (the release-window test below is independent of it).
  test.describe.configure({ mode: "serial" });
  test.use({ storageState: authFile("ops") });

  test("ops set a team's rota and its minutes to acknowledge; a wrong value is refused at the field", async ({ page }) => {
    await page.goto("/teams/storefront");
    const section = page.getByTestId("on-call");
    if (test.info().retry > 0) {
      // A retry of this group finds the rota its first attempt saved: empty it again, as ops would.
      const remove = section.getByRole("button", { name: /^Remove .* from the rota$/ });
      await expect(section.getByRole("button", { name: "Save rota" })).toBeVisible();
      while ((await remove.count()) > 0) await remove.first().click();
      await section.getByRole("button", { name: "Save rota" }).click();
      await expect(page.getByText("On-call rota saved")).toBeVisible();
      await page.reload();
    }
    await expect(section).toContainText("Nobody is on call");
    for (const name of ["Priya Patel", "Dana Developer", "Sam Okafor"]) {
      await section.getByLabel("Add to the rota").selectOption({ label: name });
      await section.getByRole("button", { name: "Add" }).click();
    }
    await section.getByRole("button", { name: "Move Sam Okafor up" }).click();
    await section.getByLabel("Minutes to acknowledge").fill("0");
    await section.getByRole("button", { name: "Save rota" }).click();
    await expect(section.getByText("At least 1 minute")).toBeVisible();
    await expect(section.getByLabel("Minutes to acknowledge")).toHaveAttribute("aria-invalid", "true");

    await section.getByLabel("Minutes to acknowledge").fill("10");
    await section.getByRole("button", { name: "Save rota" }).click();
    await expect(page.getByText("On-call rota saved")).toBeVisible();
    await page.reload();
    const rota = page.getByRole("list", { name: "On-call rota" }).getByRole("listitem");
    await expect(rota).toHaveCount(3);
    await expect(rota.nth(0)).toContainText("Priya Patel");
    await expect(rota.nth(1)).toContainText("Sam Okafor");
    await expect(rota.nth(2)).toContainText("Dana Developer");
    await expect(page.getByTestId("on-call")).toContainText("not acknowledged within 10 minutes");
    await expect(page.getByTestId("on-call")).toContainText(/On call this week: (Priya Patel|Sam Okafor|Dana Developer)/);
    await shots(page, "team-on-call");
  });

  test("a team member who is not its lead reads the rota without the controls", async ({ browser }) => {
    const dana = await browser.newContext({ storageState: authFile("developer") });
    try {
      const page = await dana.newPage();
      await page.goto("/teams/storefront");
      const section = page.getByTestId("on-call");
      await expect(section.getByRole("list", { name: "On-call rota" }).getByRole("listitem")).toHaveCount(3);
      await expect(section.getByRole("button", { name: "Save rota" })).toHaveCount(0);
      await expect(section).toContainText("The team's leads edit the rota");
    } finally {
      await dana.close();
    }
  });
});

test.describe("release-window silence", () => {
  test.use({ storageState: authFile("developer") });
  const am = process.env.E2E_ALERTMANAGER_URL;

  test("deploying with the release-window box checked silences the service's alerts in that environment", async ({ page }) => {
    expect(am, "the e2e harness starts Alertmanager and sets E2E_ALERTMANAGER_URL").toBeTruthy();
    test.setTimeout(90_000);
    await page.goto("/projects/ledger/services/api?env=dev");
    await page.getByLabel("Image tag").fill("v1");
    await page.getByLabel(/Silence this service's alerts in dev for the release window/).check();
    await page.getByLabel("Release window in minutes").fill("2");
    await page.getByRole("button", { name: /^Deploy to dev/ }).click();
    await expect(page.getByText("At least 5 minutes")).toBeVisible();
    await shots(page, "deploy-silence-refused");
    await page.getByLabel("Release window in minutes").fill("20");
    await page.getByRole("button", { name: /^Deploy to dev/ }).click();
    await expect(page).toHaveURL(/\/releases\/[\w-]+$/);

    const res = await fetch(`${am}/api/v2/silences?filter=${encodeURIComponent('project="ledger"')}`);
    const silences = (await res.json()) as { comment: string; createdBy: string; status: { state: string }; matchers: { name: string; value: string }[] }[];
    const mine = silences.find((s) => s.status.state === "active" && s.comment === "Release window: api v1 in dev (20 min)");
    expect(mine).toBeDefined();
    expect(mine!.createdBy).toBe("dana@wharf.dev");
    expect(mine!.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual(["environment=dev", "project=ledger", "service=api"]);
  });
});
