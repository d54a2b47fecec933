/**
 * Release health and the managers' boards in the browser, on the demo data,
 * with the e2e harness' real Prometheus scraping the sandbox clusters.
 * Dana deploys a healthy tag then the `errors` tag of storefront-web/web in
 * `test` (an environment no other spec deploys to) and the release page
 * flags the error ratio's rise on its cluster (the rollout sent before the
 * section's figures); Mia reads the availability board and follows a link
 * down to a project's dashboard.
 */
import { expect, test, type Page } from "@playwright/test";
import { shots } from "./support/screenshots";
import { authFile } from "./support/users";

test.describe.configure({ mode: "serial" });

const SERVICE = "/projects/storefront-web/services/web?env=test";

async function deploy(page: Page, tag: string) {
  await page.goto(SERVICE);
  await page.getByLabel("Image tag").fill(tag);
  await page.getByRole("button", { name: /^Deploy to / }).click();
  await expect(page).toHaveURL(/\/releases\/[\w-]+$/);
  await expect(page.getByTestId("release-status")).toHaveText("succeeded", { timeout: 90_000 });
}

/** Requests Prometheus counted for the web pods in storefront-web-test over the last 10 minutes, per cluster. */
async function requestsSeen(): Promise<number> {
  const q = 'min(sum by (cluster) (increase(http_requests_total{namespace="storefront-web-test", pod=~"web-[a-z0-9]+-[a-z0-9]{5}"}[10m])))';
  const res = await fetch(`${process.env.E2E_PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

test.describe("release health", () => {
  test.use({ storageState: authFile("developer") });

  test("Dana's release of the errors tag is flagged: the error ratio rose on its cluster", async ({ page }) => {
    test.setTimeout(300_000);
    await deploy(page, "v1");
    await expect.poll(requestsSeen, { timeout: 90_000, message: "the healthy release's traffic in Prometheus" }).toBeGreaterThan(60);
    await deploy(page, "v2-errors");
    const section = page.getByRole("region", { name: "Release health" });
    await expect(async () => {
      await page.reload();
      await expect(page.getByRole("status").filter({ hasText: "The error ratio rose after this release" })).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 150_000 });
    // The demo's `test` environment runs on sandbox-east only.
    const cards = section.getByTestId(/^health-sandbox-/);
    await expect(cards).toHaveCount(1);
    await expect(section.getByTestId("health-sandbox-east")).toContainText("Error ratio rose");
    await expect(section.getByTestId("health-sandbox-east")).toContainText(/The error ratio rose from \d+\.\d+% to \d+\.\d+%/);
    await shots(page, "release-health");

    // The rollout does not wait for Prometheus: the document sends it with a placeholder for the section, and the
    // figures later in the same response.
    const doc = await (await page.request.get(page.url())).text();
    const rollout = doc.indexOf('data-testid="release-status"');
    const placeholder = doc.indexOf("Reading the error ratio and latency from Prometheus");
    const figures = doc.indexOf('data-testid="health-sandbox-east"');
    expect(rollout).toBeGreaterThan(-1);
    expect(placeholder).toBeGreaterThan(rollout);
    expect(figures).toBeGreaterThan(placeholder);
  });
});

test.describe("platform boards", () => {
  test.use({ storageState: authFile("manager") });

  test("Mia reads the availability board and follows a service down to its project's dashboard", async ({ page }) => {
    await page.goto("/dashboards");
    const services = page.getByRole("table", { name: "Availability per service" });
    await expect(services).toBeVisible();
    await expect(services.getByRole("link", { name: "storefront-web/web" }).first()).toBeVisible();
    await expect(page.getByRole("table", { name: "Worst services this week" }).getByRole("link", { name: "storefront-web/web" }).first()).toBeVisible();
    await expect(page.getByRole("table", { name: "Availability per team" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Capacity of sandbox-east" })).toContainText("CPU requested");
    await expect(page.getByRole("table", { name: "Quota used per project" }).getByRole("link", { name: "checkout-api" })).toBeVisible();
    await page.getByRole("link", { name: "24 h" }).click();
    await expect(page).toHaveURL(/range=24h/);
    await expect(page.getByRole("link", { name: "24 h" })).toHaveAttribute("aria-current", "page");
    await shots(page, "boards");
    await page.getByRole("table", { name: "Availability per service" }).getByRole("link", { name: "checkout-api/api" }).first().click();
    await expect(page).toHaveURL(/\/projects\/checkout-api\/monitoring$/);
  });
});
