/**
 * The log center in the browser, on the project e2e/support/logs-seed.ts
 * deploys for it alone (logs-center/api in dev on sandbox-east and
 * sandbox-west, an image that logs ERROR lines). Dana reads the merged tail of
 * both clusters, narrows it to errors and to a pattern (highlighted), is told
 * at the field when a pattern does not compile, opens one pod's logs from the
 * pods panel, kills a pod and sees its replacement join the tail, reads a
 * crashed container's previous log and the logs around a release. Mia
 * (manager, no log.read) gets the no-access page.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";
import { LOGS_PROJECT } from "./support/logs-seed";

const SERVICE = `/projects/${LOGS_PROJECT}/services/api?env=dev`;
const LOGS = `/projects/${LOGS_PROJECT}/services/api/logs?env=dev`;
/** The seed's release rolls out while the app starts; the first test may wait for it. */
const ROLLED_OUT = 90_000;

const lines = (page: Page) => page.getByTestId("log-line");
const linesOf = (page: Page, attr: "data-cluster" | "data-pod" | "data-level", value: string) => page.locator(`[data-testid="log-line"][${attr}="${value}"]`);

test.describe("a developer", () => {
  test.use({ storageState: authFile("developer") });

  test("opens Logs from the service page and reads one tail of both clusters, each line naming its cluster", async ({ page }) => {
    test.setTimeout(ROLLED_OUT + 30_000);
    await page.goto(`/projects/${LOGS_PROJECT}`);
    await expect(page.getByRole("row", { name: /^API/ }).getByRole("link", { name: "Logs", exact: true })).toHaveAttribute("href", LOGS);
    await page.goto(SERVICE);
    await page.getByRole("link", { name: "Logs", exact: true }).click();
    await expect(page).toHaveURL(LOGS);
    await expect(page.getByRole("heading", { name: `Logs: ${LOGS_PROJECT} / api` })).toBeVisible();
    await expect(linesOf(page, "data-cluster", "sandbox-east").first()).toBeVisible({ timeout: ROLLED_OUT });
    await expect(linesOf(page, "data-cluster", "sandbox-west").first()).toBeVisible({ timeout: ROLLED_OUT });
    await expect(
      page
        .getByTestId("log-line-cluster")
        .filter({ hasText: /^sandbox-east$/ })
        .first(),
    ).toBeVisible();
    await expect(
      page
        .getByTestId("log-line-cluster")
        .filter({ hasText: /^sandbox-west$/ })
        .first(),
    ).toBeVisible();
    await expect(page.getByTestId("log-status").getByRole("status")).toHaveText("Live", { timeout: 30_000 });
    await expect(page.getByRole("list", { name: "Pods (legend)" }).getByRole("listitem").first()).toBeVisible();
  });

  test("filters to errors and to a pattern: only matching lines remain, the matches highlighted", async ({ page }) => {
    test.setTimeout(ROLLED_OUT + 30_000);
    await page.goto(LOGS);
    await expect(lines(page).first()).toBeVisible({ timeout: ROLLED_OUT });

    await page.getByRole("toolbar", { name: "Levels" }).getByRole("button", { name: "error", exact: true }).click();
    await expect(linesOf(page, "data-level", "error").first()).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('[data-testid="log-line"]:not([data-level="error"])')).toHaveCount(0);

    await page.getByLabel("Include (regex)").fill("(?i)error");
    await expect(lines(page).first().locator("mark").first()).toBeVisible({ timeout: 30_000 });
    await expect(lines(page).first().locator("mark").first()).toHaveText(/^error$/i);
    for (const line of await lines(page).all()) await expect(line).toContainText(/error/i);

    // The download asks the same query, without follow: the merged, filtered lines as a file.
    const download = page.getByRole("link", { name: "Download these lines" });
    const href = (await download.getAttribute("href"))!;
    expect(href).toMatch(/^\/api\/logs\/download\?/);
    const asked = new URL(href, "http://x").searchParams;
    expect(asked.get("level")).toBe("error");
    expect(asked.get("include")).toBe("(?i)error");
    expect(asked.has("follow")).toBe(false);
    const file = await page.request.get(href);
    expect(file.status()).toBe(200);
    expect(file.headers()["content-disposition"]).toMatch(/^attachment/);
    expect(await file.text()).toMatch(/error/i);

    await page.getByLabel("Include (regex)").fill("(?i)no line says this 7f3a");
    await expect(page.getByTestId("log-empty")).toHaveText("No lines match the filters. Loosen a filter to see more.", { timeout: 30_000 });
  });

  test("pausing holds new lines and counts them, resuming shows them; scrolling up stops following until Jump to newest", async ({ page }) => {
    test.setTimeout(ROLLED_OUT + 30_000);
    await page.goto(LOGS);
    await expect(page.getByTestId("log-status").getByRole("status")).toHaveText("Live", { timeout: ROLLED_OUT });
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByTestId("log-status").getByRole("status")).toHaveText("Paused");
    const resume = page.getByRole("button", { name: /^Resume \(\d+ new lines\)$/ });
    await expect(resume).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("log-pending")).toContainText("new lines held while paused");
    await resume.click();
    await expect(page.getByTestId("log-status").getByRole("status")).toHaveText("Live");
    await expect(page.getByTestId("log-pending")).toBeHidden();

    const log = page.getByRole("log", { name: "Log lines" });
    await log.hover();
    await page.mouse.wheel(0, -3000);
    const jump = page.getByRole("button", { name: "Jump to newest" });
    await expect(jump).toBeVisible();
    await jump.click();
    await expect(jump).toBeHidden();
  });

  test("a pattern that does not compile is explained at its field and the tail goes on", async ({ page }) => {
    await page.goto(LOGS);
    const include = page.getByLabel("Include (regex)");
    await include.fill("(timeout");
    await expect(include).toHaveAttribute("aria-invalid", "true");
    await expect(include).toHaveAccessibleDescription(/^Not a valid regular expression: missing closing \)/);
    const exclude = page.getByLabel("Exclude (regex)");
    await exclude.fill("a{2,1}");
    await expect(exclude).toHaveAccessibleDescription(/^Not a valid regular expression/);
    await exclude.fill("healthz");
    await expect(exclude).toHaveAttribute("aria-invalid", "false");
    await expect(lines(page).first()).toBeVisible({ timeout: ROLLED_OUT });
  });

  test("opens one pod's logs from the pods panel, filtered to that pod", async ({ page }) => {
    test.setTimeout(ROLLED_OUT + 30_000);
    await page.goto(SERVICE);
    const west = page.getByRole("region", { name: "Pods on sandbox-west" });
    const pod = (await west.locator("[data-testid^=pod-]").first().getAttribute("data-testid", { timeout: ROLLED_OUT }))!.slice("pod-".length);
    await west.getByRole("link", { name: `Logs of ${pod} on sandbox-west` }).click();
    await expect(page).toHaveURL(new RegExp(`/logs\\?env=dev&cluster=sandbox-west&pod=${pod}$`));
    await expect(page.getByLabel("Pod", { exact: true })).toHaveValue(pod);
    await expect(linesOf(page, "data-pod", pod).first()).toBeVisible({ timeout: ROLLED_OUT });
    await expect(page.locator(`[data-testid="log-line"]:not([data-pod="${pod}"])`)).toHaveCount(0);
  });

  test("a pod killed from the pods panel is replaced, and the replacement's lines join the open tail", async ({ page, context }) => {
    test.setTimeout(ROLLED_OUT + 90_000);
    const tail = await context.newPage();
    await tail.goto(LOGS);
    await expect(linesOf(tail, "data-cluster", "sandbox-east").first()).toBeVisible({ timeout: ROLLED_OUT });

    await page.goto(SERVICE);
    const east = page.getByRole("region", { name: "Pods on sandbox-east" });
    await expect(east.locator("[data-testid^=pod-]").filter({ hasText: "Running" }).first()).toBeVisible({ timeout: ROLLED_OUT });
    const before = await east.locator("[data-testid^=pod-]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")!.slice("pod-".length)));
    const victim = before[0]!;
    await east.getByRole("button", { name: `Kill ${victim}` }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Kill pod" }).click();
    await expect(page.getByText(`${victim} killed: watch it be replaced`)).toBeVisible();

    const fresh = east.locator("[data-testid^=pod-]").filter({ hasNotText: new RegExp(before.join("|")) });
    await expect(fresh.first()).toBeVisible({ timeout: 30_000 });
    const replacement = (await fresh.first().getAttribute("data-testid"))!.slice("pod-".length);
    await expect(linesOf(tail, "data-pod", replacement).first()).toBeVisible({ timeout: 45_000 });
  });

  test("a crashed container's previous log is read with Previous containers, each of its lines marked", async ({ page }) => {
    test.setTimeout(ROLLED_OUT + 30_000);
    await page.goto(`/projects/${LOGS_PROJECT}/services/worker/logs?env=dev`);
    await page.getByRole("switch", { name: "Previous containers (crashed instances)" }).click();
    const previous = page.locator('[data-testid="log-line"][data-previous]');
    await expect(previous.first()).toBeVisible({ timeout: ROLLED_OUT });
    await expect(previous.first()).toContainText("previous");
  });

  test("a release page shows the logs around the release, from a minute before it to its end", async ({ page }) => {
    test.setTimeout(ROLLED_OUT + 30_000);
    await page.goto(SERVICE);
    await page.getByTestId("release-1").getByRole("link").first().click();
    await expect(page).toHaveURL(/\/releases\/[\w-]+$/);
    const section = page.getByRole("region", { name: "Logs around release #1" });
    await expect(page.getByRole("heading", { name: "Logs around this release" })).toBeVisible();
    await expect(page.getByText(/Pods replaced since are gone with their logs/)).toBeVisible();
    await expect(section.getByTestId("log-line").first().or(section.getByTestId("log-empty"))).toBeVisible({ timeout: ROLLED_OUT });
    await expect(section.getByTestId("log-status").getByRole("status")).toHaveText("Window complete", { timeout: 60_000 });
  });
});

test.describe("a manager (no log.read)", () => {
  test.use({ storageState: authFile("manager") });

  test("gets the no-access page, and the service page offers no Logs button", async ({ page }) => {
    const res = await page.goto(LOGS);
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "No permission" })).toBeVisible();
    await page.goto(SERVICE);
    await expect(page.getByRole("heading", { name: new RegExp(`${LOGS_PROJECT} / api`) })).toBeVisible();
    await expect(page.getByRole("link", { name: "Logs", exact: true })).toHaveCount(0);
  });
});
