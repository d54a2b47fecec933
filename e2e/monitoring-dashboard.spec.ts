/**
 * A project's dashboard (/projects/<slug>/monitoring): Dana's checkout-api
 * (dev on both sandbox clusters, its demo releases rolled out by the e2e
 * harness) shows live figures from both clusters, scraped by the harness's
 * real Prometheus; its owner edits a panel's PromQL, first with an error
 * (the message at its line and column, a caret under it, nothing saved),
 * then a valid query (a new version, marked edited). Screenshots at desktop
 * size and 390 px wide are kept in test-results/.
 */
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

test("Dana's project dashboard shows live figures from both clusters", async ({ page }, info) => {
  test.setTimeout(180_000);
  await page.goto("/projects/checkout-api");
  await page.getByRole("link", { name: "Monitoring" }).click();
  await expect(page).toHaveURL(/\/projects\/checkout-api\/monitoring$/);
  // Auto-refresh in the URL: the demo releases may still be rolling out when the test starts.
  await page.getByLabel("Time range").selectOption("15m");
  await page.getByLabel("Auto-refresh").selectOption("10s");
  await expect(page).toHaveURL(/range=15m/);
  await expect(page).toHaveURL(/refresh=10s/);
  await expect(page.getByLabel("Environment")).toHaveValue("dev");

  const requests = page.getByTestId("panel-api.requests");
  await expect(requests.getByRole("img", { name: /^Request rate:/ })).toHaveAttribute(
    "aria-label",
    /Request rate: .*sandbox-east.*sandbox-west|Request rate: .*sandbox-west.*sandbox-east/,
    {
      timeout: 150_000,
    },
  );
  const latency = page.getByTestId("panel-api.latency");
  await expect(latency.getByRole("img", { name: /^Latency/ })).toHaveAttribute("aria-label", /sandbox-east p99/);
  await expect(latency.getByRole("img", { name: /^Latency/ })).toHaveAttribute("aria-label", /sandbox-west p99/);
  // The project's stat: one figure per cluster.
  const stat = page.getByTestId("panel-project.requests").getByTestId("stat");
  await expect(stat).toContainText("sandbox-east");
  await expect(stat).toContainText("sandbox-west");
  await expect(stat).toContainText("req/s");

  // The cluster filter narrows every panel to the clusters kept.
  await page.getByRole("checkbox", { name: "sandbox-west" }).click();
  await expect(page).toHaveURL(/cluster=sandbox-east/);
  await expect(requests.getByRole("img", { name: /^Request rate:/ })).not.toHaveAttribute("aria-label", /sandbox-west/);
  await page.getByRole("checkbox", { name: "sandbox-west" }).click();
  await expect(requests.getByRole("img", { name: /^Request rate:/ })).toHaveAttribute("aria-label", /sandbox-west/);

  // Everyone who reads sees the query.
  await requests.getByRole("button", { name: "Show query" }).click();
  await expect(requests.getByTestId("panel-queries")).toContainText("rate(http_requests_total");

  // Grafana export: a download of the dashboard's JSON.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export to Grafana" }).click();
  expect((await download).suggestedFilename()).toMatch(/^checkout-api-dashboard-v\d+\.grafana\.json$/);

  await page.screenshot({ path: info.outputPath("monitoring-desktop.png"), fullPage: false });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(requests).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: info.outputPath("monitoring-390.png"), fullPage: false });
});

test("the project's owner edits a panel's PromQL: an error at its position, then a valid query saved", async ({ page }, info) => {
  await page.goto("/projects/checkout-api/monitoring?range=15m");
  const panel = page.getByTestId("panel-api.restarts");
  await panel.getByRole("button", { name: "Show query" }).click();
  await panel.getByRole("button", { name: "Edit query A" }).click();
  const editor = panel.getByLabel("PromQL of query A");
  await editor.fill('sum by (cluster) (increase(kube_pod_container_status_restarts_total{pod=~"$service-.*"}[15m])');
  await expect(panel.getByRole("alert")).toContainText("The expression ends too early at line 1, column 94");
  await expect(panel.getByRole("alert")).toContainText("(line 1:94)");
  await expect(panel.getByTestId("promql-caret")).toContainText("^");
  await expect(panel.getByRole("button", { name: "Save query" })).toBeDisabled();
  await page.screenshot({ path: info.outputPath("monitoring-edit-error.png") });

  await editor.fill('sum by (cluster) (increase(kube_pod_container_status_restarts_total{pod=~"$service-.*"}[15m]))');
  await expect(panel.getByRole("alert")).toHaveCount(0);
  await panel.getByRole("button", { name: "Save query" }).click();
  await expect(panel.getByTestId("panel-queries")).toContainText("[15m]))");
  await expect(panel.getByTestId("panel-queries")).toContainText("A · edited");
  await expect(page.getByText(/^Version \d+ · Edited the query A of Checkout API · Restarts · by Dana Developer$/)).toBeVisible();
});
