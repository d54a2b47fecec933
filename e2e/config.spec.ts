/**
 * The config center's pages: Dana edits `greeting`, sees the diff, publishes
 * to dev (read back from the Apollo config service), restores the earlier
 * release, and a production publish waits for Omar's approval. A developer
 * who is not a maintainer edits but cannot publish; bad text and an empty key
 * are refused where they are.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

const configService = process.env.E2E_CONFIG_SERVICE_URL ?? "http://localhost:8090";

/** What the Apollo config service gives a client for `greeting` (null when nothing is published). */
async function servedGreeting(env: string, appId: string): Promise<string | null> {
  const res = await fetch(`${configService}/${env}/configs/${appId}/default/application?ip=10.9.9.9`);
  if (res.status !== 200) return null;
  const body = (await res.json()) as { configurations: Record<string, string> };
  return body.configurations.greeting ?? null;
}

/** Sets `greeting` in the items table (adding it the first time) and waits for the draft's diff to show it. */
async function setGreeting(page: Page, value: string) {
  if (await page.getByTestId("item-greeting").count()) {
    await page.getByRole("button", { name: "Edit greeting" }).click();
    await page.getByLabel("Value of greeting").fill(value);
    await page.getByRole("button", { name: "Save", exact: true }).click();
  } else {
    await page.getByLabel("New key", { exact: true }).fill("greeting");
    await page.getByLabel("New value", { exact: true }).fill(value);
    await page.getByRole("button", { name: "Add" }).click();
  }
  await expect(page.getByTestId("item-greeting")).toContainText(value);
  await expect(page.getByRole("list", { name: "Draft changes" }).getByTestId("diff-greeting")).toContainText(value);
}

async function publish(page: Page, comment: string, where = "dev") {
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("list", { name: "Changes to publish" })).toContainText("greeting");
  await dialog.getByLabel("Comment").fill(comment);
  await dialog.getByRole("button", { name: `Publish to ${where}` }).click();
  await expect(page.getByRole("status").filter({ hasText: /Release #\d+ published to dev/ })).toBeVisible();
}

test("Dana edits greeting, sees the diff, publishes to dev, and restores the earlier release", async ({ page }) => {
  const first = `Hello from Wharf ${Date.now()}`;
  const second = `Howdy ${Date.now()}`;
  const run = Date.now().toString(36);
  await page.goto("/projects/checkout-api/services/api?env=dev");
  await page.getByRole("link", { name: "Config" }).click();
  await expect(page).toHaveURL(/\/projects\/checkout-api\/services\/api\/config\?env=dev$/);
  await expect(page.getByRole("heading", { name: /Config of Checkout API/ })).toBeVisible();
  await expect(page.getByTestId("cluster-explained")).toContainText("the values every cluster gets unless it has values of its own");

  // The comment is required; then the release is out and a client reads it.
  await setGreeting(page, first);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish to dev" }).click();
  await expect(page.getByRole("dialog").getByText("Say what this release changes")).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await publish(page, `Friendlier ${run}`);
  await expect(page.getByRole("list", { name: "Draft changes" })).toHaveCount(0);
  await expect(page.getByText("The draft is the same as the latest release.")).toBeVisible();
  await expect(page.getByTestId("instances-line")).toBeVisible();
  await expect.poll(() => servedGreeting("dev", "checkout-api.api")).toBe(first);

  await setGreeting(page, second);
  const change = page.getByRole("list", { name: "Draft changes" }).getByTestId("diff-greeting");
  await expect(change).toContainText("changed");
  await expect(change).toContainText(first);
  await publish(page, `Shorter ${run}`);
  await expect.poll(() => servedGreeting("dev", "checkout-api.api")).toBe(second);

  // History: both releases, then a restore of the first one, confirmed with what it changes.
  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(/\/config\/history\?env=dev$/);
  const releases = page.getByRole("table", { name: "Releases" });
  const friendly = releases.getByRole("row").filter({ hasText: `Friendlier ${run}` });
  await expect(friendly).toContainText("Dana Developer");
  await expect(releases.getByRole("row").filter({ hasText: `Shorter ${run}` })).toContainText("latest");
  const restoredNumber = (await friendly.getByRole("cell").first().innerText()).replace("#", "");
  await friendly.getByRole("button", { name: /Restore release/ }).click();
  const confirm = page.getByRole("alertdialog");
  const restoring = confirm.getByRole("list", { name: "Changes of the restore" }).getByTestId("diff-greeting");
  await expect(restoring).toContainText(second);
  await expect(restoring).toContainText(first);
  await confirm.getByRole("button", { name: `Restore #${restoredNumber}` }).click();
  await expect(releases.getByRole("row").filter({ hasText: `restored from #${restoredNumber}` })).toContainText("latest");
  await expect.poll(() => servedGreeting("dev", "checkout-api.api")).toBe(first);

  // Any two releases compare key by key.
  await page.getByLabel("From").selectOption({ label: `#${restoredNumber} Friendlier ${run}` });
  await page.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(/from=.*&to=/);
  const compared = page.getByRole("list", { name: "Compared releases" });
  await expect(compared).toHaveCount(0);
  await expect(page.getByText("The two releases hold the same values.")).toBeVisible();

  // The draft followed the restore.
  await page.getByRole("link", { name: "Items" }).click();
  await expect(page.getByTestId("item-greeting")).toContainText(first);
});

test("a production publish opens a ticket with the diff, and Omar's approval publishes it", async ({ page, browser }) => {
  const value = `Hello, production ${Date.now()}`;
  await page.goto("/projects/checkout-api/services/api/config?env=prod");
  await setGreeting(page, value);
  await page.getByRole("button", { name: "Request publish" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("A ticket will be opened")).toBeVisible();
  await dialog.getByLabel("Comment").fill("Greeting for the launch");
  await dialog.getByRole("button", { name: "Open the ticket" }).click();
  const waiting = page.getByRole("status").filter({ hasText: "Waiting for approval" });
  await expect(waiting).toBeVisible();
  await waiting.getByRole("link", { name: /ticket #\d+/ }).click();
  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  await expect(page.getByText("Greeting for the launch").first()).toBeVisible();
  await expect(page.getByText(value).first()).toBeVisible();
  expect(await servedGreeting("prod", "checkout-api.api")).not.toBe(value);

  const ops = await browser.newContext({ storageState: authFile("ops") });
  const opsPage = await ops.newPage();
  await opsPage.goto(page.url());
  await opsPage.getByLabel("Comment").first().fill("Approved for the launch");
  await opsPage.getByRole("button", { name: "Approve" }).click();
  await expect(opsPage.getByTestId("ticket-status")).toHaveText("Done");
  await ops.close();
  await expect.poll(() => servedGreeting("prod", "checkout-api.api")).toBe(value);
});

test("a developer who is not a maintainer edits the draft but a maintainer publishes", async ({ page }) => {
  await page.goto("/projects/ledger/services/api/config?env=dev");
  await setGreeting(page, `Draft by Dana ${Date.now()}`);
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toHaveCount(0);
  await expect(page.getByTestId("publish-by-maintainer")).toContainText("A maintainer publishes");
  await expect(page.getByTestId("publish-by-maintainer")).toContainText("Lee");
});

test("an empty key is refused at the key, a bad properties line at its line", async ({ page }) => {
  await page.goto("/projects/ledger/services/api/config?env=dev");
  await page.getByLabel("New value", { exact: true }).fill("no key");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page.getByLabel("New key", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("alert").filter({ hasText: "Enter a key" })).toBeVisible();

  await page.getByRole("tab", { name: "Text" }).click();
  const editor = page.getByRole("textbox", { name: "application text" });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.insertText("\nsp@ce.key = 1\n");
  const problems = page.getByRole("list", { name: "Text problems" });
  const lines = (await editor.innerText()).split("\n").filter((l) => l !== "").length;
  await expect(problems).toContainText(/line \d+: A key holds letters, digits/);
  expect(await problems.innerText()).toContain(`line ${lines}:`);
  await expect(page.locator(".cm-lint-marker-error").first()).toBeVisible();
});

test("a YAML namespace shows a broken line's problem at that line", async ({ page }) => {
  await page.goto("/projects/checkout-api/services/worker/config?env=dev");
  const nav = page.getByRole("navigation", { name: "Namespaces" });
  if (!(await nav.getByRole("link", { name: /app\.yaml/ }).count())) {
    await page.getByText("New namespace").click();
    await page.getByLabel("Name", { exact: true }).fill("app.yaml");
    await expect(page.getByText("Format: yaml (one file)")).toBeVisible();
    await page.getByRole("button", { name: "Create" }).click();
  } else await nav.getByRole("link", { name: /app\.yaml/ }).click();
  await expect(page).toHaveURL(/ns=app\.yaml/);
  const editor = page.getByRole("textbox", { name: "app.yaml text" });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText("server:\n  port: 8080\n  host: [unclosed\n");
  await expect(page.getByRole("list", { name: "Text problems" })).toContainText(/line [34]: /);
  // The server refuses it too, at the same place, and keeps the text.
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(editor).toContainText("host: [unclosed");
});

test("a draft changed by someone else meanwhile is refused with who and when, and the text stays", async ({ page }) => {
  const url = "/projects/storefront-web/services/web/config?env=dev";
  await page.goto(url);
  await page.getByRole("tab", { name: "Text" }).click();
  const editor = page.getByRole("textbox", { name: "application text" });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.insertText("\nmine.key = mine\n");

  // Meanwhile the draft changes in another tab.
  const other = await page.context().newPage();
  await other.goto(url);
  await setGreeting(other, `Theirs ${Date.now()}`);
  await other.close();

  await page.getByRole("button", { name: "Save draft" }).click();
  const refusal = page.getByRole("alert").filter({ hasText: "changed this draft while you were editing" });
  await expect(refusal).toContainText("dana@wharf.dev");
  await expect(refusal).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  await expect(editor).toContainText("mine.key = mine");
  await expect(page.getByText("unsaved text")).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the config pages fit the screen's width; tables scroll in their own container", async ({ page }) => {
    const tooWide: string[] = [];
    for (const path of [
      "/projects/checkout-api/services/api/config?env=dev",
      "/projects/checkout-api/services/api/config/history?env=dev",
      "/projects/checkout-api/services/api/config?env=prod&cluster=sandbox-west",
      "/projects/ledger/services/api/config?env=dev",
    ]) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBeLessThan(400);
      await expect(page.getByRole("navigation", { name: "Config sections" })).toBeVisible();
      const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
      if (width > 390) tooWide.push(`${path}: ${width}px`);
    }
    expect(tooWide).toEqual([]);
  });
});
