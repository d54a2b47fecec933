/**
 * A project's alert rules page (/projects/<slug>/monitoring/rules) in a
 * browser. Sam, a maintainer of storefront-web, changes a generated rule's
 * threshold (a new version; the harness's real Prometheus loads the new
 * threshold, polled on its /api/v1/rules), then adds an extra rule: invalid
 * PromQL is refused at its field with its position, a rule promtool refuses
 * shows promtool's reason, and a valid one limited to prod is generated for
 * prod only, confined to prod's namespace. Dana, a developer of the project,
 * reads the rules without inputs she could change; a project she is not a
 * member of is not found. Screenshots of the rules page, a project dashboard
 * and the managers' boards at desktop size and 390 px wide are kept in
 * test-results/, and none of those pages scrolls sideways on a phone.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";
import { signInWithOidc } from "./support/oidc-sign-in";

const RULES = "/projects/storefront-web/monitoring/rules";

interface PromRule {
  name: string;
  query: string;
  labels?: Record<string, string>;
}

/** What the harness's Prometheus has loaded for one rule group. */
async function loadedRules(group: string): Promise<PromRule[]> {
  const res = await fetch(`${process.env.E2E_PROMETHEUS_URL}/api/v1/rules?type=alert`);
  const body = (await res.json()) as { data: { groups: { name: string; rules: PromRule[] }[] } };
  return body.data.groups.find((g) => g.name === group)?.rules ?? [];
}

async function noSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
}

test.describe("as a maintainer of the project", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("Sam changes a generated rule's threshold and Prometheus loads it; bad extra rules are refused with their reasons; a prod-only rule is generated for prod", async ({
    page,
  }, info) => {
    test.setTimeout(150_000);
    await signInWithOidc(page, "sam@wharf.dev");
    await expect(page.getByRole("heading", { name: "Hello, Sam" })).toBeVisible();
    await page.goto(RULES);
    await expect(page.getByRole("heading", { name: "Alert rules of Storefront Web" })).toBeVisible();
    const dev = page.getByRole("table", { name: "Rules of dev" });
    const prod = page.getByRole("table", { name: "Rules of prod" });
    const version = Number((await page.getByTestId("rules-version").innerText()).match(/\d+/)?.[0] ?? 0);

    // A generated rule's threshold: saved as a new version, then loaded by Prometheus.
    const threshold = dev.getByLabel("Threshold of Error ratio above objective (bff)");
    await expect(threshold).toBeEditable();
    await threshold.fill("0.07");
    await page.getByRole("button", { name: "Save and deploy" }).click();
    await expect(page.getByText(`Rules saved as version ${version + 1}: deploying them now`)).toBeVisible();
    await expect(page.getByTestId("rules-version")).toHaveText(`Rules version ${version + 1}`);
    await expect
      .poll(
        async () =>
          (await loadedRules("wharf:storefront-web:dev")).find((r) => r.name === "WharfErrorRatioHigh" && r.labels?.service === "bff")?.query ?? "not loaded",
        { timeout: 60_000, message: "Prometheus' /api/v1/rules has the new threshold" },
      )
      .toMatch(/> 0\.07$/);
    await expect(async () => {
      await page.reload();
      await expect(page.getByText(new RegExp(`storefront-web\\.yml: version ${version + 1} loaded by Wharf's Prometheus`))).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByRole("table", { name: "Rules of dev" }).getByLabel("Threshold of Error ratio above objective (bff)")).toHaveValue("0.07");

    // An extra rule with PromQL that does not parse: the error at its field, with its position; nothing saved.
    await page.getByRole("button", { name: "Add a rule" }).click();
    const extra = page.getByRole("group", { name: "Extra rule 1" });
    await extra.getByLabel("Alert name").fill("BffErrorsBurst");
    await extra.getByLabel("Environment").selectOption({ label: "prod only" });
    const promql = extra.getByLabel("PromQL");
    await promql.fill("sum(rate(http_requests_total[5m])");
    await page.getByRole("button", { name: "Save and deploy" }).click();
    await expect(extra.getByText("The expression ends too early at line 1, column 34")).toBeVisible();
    await expect(page.getByTestId("rules-version")).toHaveText(`Rules version ${version + 1}`);
    await page.screenshot({ path: info.outputPath("rules-promql-error.png") });

    // PromQL the newer grammar takes but this Prometheus' promtool does not: promtool's reason, nothing saved or written.
    await promql.fill("mad_over_time(http_requests_total[5m]) > 1");
    await page.getByRole("button", { name: "Save and deploy" }).click();
    const refused = page.getByRole("alert").filter({ hasText: "promtool refused the rules, so nothing was saved or written" });
    await expect(refused.first()).toContainText('unknown function with name "mad_over_time"');
    await expect(page.getByTestId("rules-version")).toHaveText(`Rules version ${version + 1}`);
    await page.screenshot({ path: info.outputPath("rules-promtool-refused.png") });

    // A valid one, for prod only: generated in prod, reading prod's namespace, and not in dev.
    await promql.fill('sum(rate(http_requests_total{code=~"5.."}[5m])) > 1');
    await extra.getByLabel("Summary").fill("The BFF answers errors in bursts");
    await page.getByRole("button", { name: "Save and deploy" }).click();
    await expect(page.getByText(`Rules saved as version ${version + 2}: deploying them now`)).toBeVisible();
    await page.reload();
    const row = page.getByRole("table", { name: "Rules of prod" }).getByRole("row").filter({ hasText: "The BFF answers errors in bursts" });
    await expect(row).toHaveCount(1);
    await row.getByText("PromQL").click();
    await expect(row).toContainText('namespace="storefront-web-prod"');
    await expect(page.getByRole("table", { name: "Rules of dev" }).getByRole("row").filter({ hasText: "The BFF answers errors in bursts" })).toHaveCount(0);
    await expect(page.getByRole("group", { name: "Extra rule 1" }).getByLabel("Environment")).toHaveValue("prod");
    await expect(prod).toBeVisible();
    await expect.poll(async () => (await loadedRules("wharf:storefront-web:prod")).some((r) => r.name === "BffErrorsBurst"), { timeout: 60_000 }).toBe(true);
    expect((await loadedRules("wharf:storefront-web:dev")).some((r) => r.name === "BffErrorsBurst")).toBe(false);
  });
});

test.describe("as others", () => {
  test.use({ storageState: authFile("developer") });

  test("a developer of the project reads the rules but cannot change them; a project she is not in is not found", async ({ page }) => {
    await page.goto(RULES);
    await expect(page.getByRole("heading", { name: "Alert rules of Storefront Web" })).toBeVisible();
    await expect(page.getByText("Owners and maintainers of the project change its rules.")).toBeVisible();
    await expect(page.getByRole("table", { name: "Rules of dev" }).getByLabel("Threshold of Error ratio above objective (web)")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Save and deploy" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Add a rule" })).toHaveCount(0);

    const response = await page.goto("/projects/search-indexer/monitoring/rules");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(page.getByText("Alert rules of Search Indexer")).toHaveCount(0);
  });

  test("the rules page and a project's dashboard fit a phone", async ({ page }, info) => {
    await page.goto(RULES);
    await expect(page.getByRole("table", { name: "Rules of dev" })).toBeVisible();
    await page.screenshot({ path: info.outputPath("rules-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    // On a phone the rows are blocks (a table's semantics may not survive display: block), so the row is found by its test id.
    await expect(page.getByTestId("rule-error_ratio/web/dev").getByLabel("Threshold of Error ratio above objective (web)")).toBeVisible();
    await noSidewaysScroll(page);
    await page.screenshot({ path: info.outputPath("rules-390.png"), fullPage: true });

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto("/projects/checkout-api/monitoring?range=15m");
    await expect(page.getByTestId("panel-api.requests")).toBeVisible();
    await page.screenshot({ path: info.outputPath("dashboard-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId("panel-api.requests")).toBeVisible();
    await noSidewaysScroll(page);
    await page.screenshot({ path: info.outputPath("dashboard-390.png"), fullPage: true });
  });
});

test.describe("as a manager", () => {
  test.use({ storageState: authFile("manager") });

  test("the managers' boards fit a phone", async ({ page }, info) => {
    await page.goto("/dashboards");
    await expect(page.getByRole("heading", { name: "Availability", exact: true })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Capacity and quota" })).toBeVisible();
    await page.screenshot({ path: info.outputPath("boards-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByRole("heading", { name: "Capacity and quota" })).toBeVisible();
    await noSidewaysScroll(page);
    await page.screenshot({ path: info.outputPath("boards-390.png"), fullPage: true });
  });
});
