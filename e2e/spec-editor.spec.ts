/** The developer edits a service's spec in the form and in YAML, sees a YAML problem at its line, previews the manifests and saves. */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("developer") });

/**
 * Replaces `from` by `to` on the first line of the YAML editor that contains it; returns that line's number.
 * The cursor walks down line by line: CodeMirror renders only the lines in view.
 */
async function editLine(page: Page, from: string, to: string): Promise<number> {
  await page.getByRole("textbox", { name: "Spec YAML" }).click();
  await page.keyboard.press("ControlOrMeta+Home");
  let line = 1;
  while (!(await page.locator(".cm-activeLine").innerText()).includes(from)) {
    expect(line, `a line with "${from}"`).toBeLessThan(300);
    await page.keyboard.press("ArrowDown");
    line++;
  }
  await page.keyboard.press("End");
  for (let i = 0; i < from.length; i++) await page.keyboard.press("Backspace");
  await page.keyboard.insertText(to);
  return line;
}

// Services of their own: deploy.spec deploys checkout-api/api at the same time.
test("edit the spec of storefront-web/bff in the form and in YAML, preview dev, save with a comment", async ({ page }) => {
  await page.goto("/projects/storefront-web");
  await page.getByRole("row").filter({ hasText: "Backend for frontend" }).getByRole("link", { name: "Spec" }).click();
  await expect(page).toHaveURL(/\/projects\/storefront-web\/services\/bff\/spec$/);
  await expect(page.getByRole("heading", { name: /Spec of Backend for frontend/ })).toBeVisible();

  // The form: replicas 4.
  await page.getByLabel("Replicas", { exact: true }).fill("4");
  await expect(page.getByTestId("spec-status")).toContainText("unsaved changes");

  // The YAML tab shows the same document.
  await page.getByRole("tab", { name: "YAML" }).click();
  const editor = page.getByRole("textbox", { name: "Spec YAML" });
  await expect(editor).toContainText("replicas: 4");

  // A CPU request above its limit: the problem is listed at its line and marked in the gutter.
  const line = await editLine(page, "cpu: 100m", "cpu: 900m");
  const problems = page.getByRole("list", { name: "YAML problems" });
  await expect(problems).toContainText(`line ${line}: resources.requests.cpu must not exceed the limit (500m)`);
  await expect(page.locator(".cm-lint-marker-error").first()).toBeVisible();
  // The form takes only a valid spec.
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Still on YAML" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "YAML" })).toHaveAttribute("aria-selected", "true");

  await editLine(page, "cpu: 900m", "cpu: 100m");
  await expect(problems).toBeHidden();
  await expect(page.getByText("A valid spec.")).toBeVisible();

  // The rendered manifests for dev carry the edit.
  await page.getByRole("tab", { name: "Rendered manifests" }).click();
  await expect(page.getByLabel("Environment", { exact: true })).toHaveValue("dev");
  const deployment = page.getByLabel("Deployment YAML");
  await expect(deployment).toContainText("replicas: 4");
  await expect(deployment).toContainText("namespace: storefront-web-dev");
  await expect(deployment).toContainText("maxUnavailable: 0");
  await expect(page.getByLabel("Service YAML")).toBeVisible();
  await expect(page.getByLabel("PodDisruptionBudget YAML")).toBeVisible();
  await expect(page.getByTestId("preview-clusters")).toBeVisible();
  await page.getByLabel("Image tag").fill("1.2.3");
  await expect(deployment).toContainText("/storefront-web/bff:1.2.3");

  // Save with a comment: the new version is listed with who and why.
  await page.getByLabel("Comment").fill("Four replicas for the launch");
  await page.getByRole("button", { name: "Save spec" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Saved as version 1\./ })).toBeVisible();
  const versions = page.getByRole("list", { name: "Versions" });
  await expect(versions).toContainText("v1");
  await expect(versions).toContainText("Dana Developer");
  await expect(versions).toContainText("Four replicas for the launch");
  await expect(page.getByTestId("spec-status")).toContainText("version 1");
  await expect(page.getByTestId("spec-status")).not.toContainText("unsaved changes");

  // It is what the page loads now.
  await page.reload();
  await expect(page.getByLabel("Replicas", { exact: true })).toHaveValue("4");
});

test("a save over a newer version is refused and the edits stay; field errors show at their fields", async ({ browser }) => {
  const context = await browser.newContext({ storageState: authFile("developer") });
  const [mine, theirs] = [await context.newPage(), await context.newPage()];
  for (const p of [mine, theirs]) await p.goto("/projects/ledger/services/api/spec");

  await theirs.getByLabel("Replicas", { exact: true }).fill("3");
  await theirs.getByRole("button", { name: "Save spec" }).click();
  await expect(theirs.getByRole("status").filter({ hasText: /Saved as version \d+\./ })).toBeVisible();

  // A bad value is caught at its field before anything is sent.
  await mine.getByLabel("CPU request").first().fill("900m");
  await mine.getByRole("button", { name: "Save spec" }).click();
  await expect(mine.getByText("must not exceed the limit (500m)").first()).toBeVisible();
  await expect(mine.getByRole("list", { name: "Form problems" })).toContainText("resources.requests.cpu must not exceed the limit (500m)");
  await mine.getByLabel("CPU request").first().fill("200m");

  // A prod override, then the save: refused, as the other tab saved first.
  await mine.getByText("Override for prod").click();
  await mine.getByLabel("Replicas", { exact: true }).nth(1).fill("5");
  await mine.getByRole("button", { name: "Save spec" }).click();
  await expect(mine.getByRole("alert").filter({ hasText: "Not saved: this record changed meanwhile" })).toBeVisible();
  await expect(mine.getByLabel("CPU request").first()).toHaveValue("200m");
  await expect(mine.getByLabel("Replicas", { exact: true }).nth(1)).toHaveValue("5");
  await expect(mine.getByTestId("spec-status")).toContainText("unsaved changes");

  // The override is in prod's manifests.
  await mine.getByRole("tab", { name: "Rendered manifests" }).click();
  await mine.getByLabel("Environment", { exact: true }).selectOption("prod");
  await expect(mine.getByLabel("Deployment YAML")).toContainText("replicas: 5");
  await context.close();
});

test("a priority class deleted in YAML stays deleted in the form; a bad replica count is shown at its field; objectives reach the alert rules", async ({
  page,
}) => {
  await page.goto("/projects/storefront-web/services/web/spec");
  await page.getByLabel("Priority class").fill("high");
  await page.getByLabel("GPUs").fill("2");
  // Objectives: a percent sign is not a share, said at the field; then 2% errors and p99 within 1.5 s.
  const errorRatio = page.getByLabel("Error ratio objective");
  await errorRatio.fill("2%");
  await errorRatio.blur();
  await expect(page.getByText("must be a number between 0 and 1, e.g. 0.01 for 1% of requests").first()).toBeVisible();
  await errorRatio.fill("0.02");
  await page.getByLabel("Latency p99 objective (s)").fill("1.5");
  await expect(page.getByText("must be a number between 0 and 1, e.g. 0.01 for 1% of requests")).toHaveCount(0);
  await page.getByRole("button", { name: "Save spec" }).click();
  await expect(page.getByRole("status").filter({ hasText: /Saved as version/ })).toBeVisible();

  // The save planned the project's alert rules again: the rules page and Prometheus hold web to its new objective.
  const rules = await page.context().newPage();
  await rules.goto("/projects/storefront-web/monitoring/rules");
  await expect(rules.getByRole("table", { name: "Rules of dev" }).getByTestId("rule-latency_p99/web/dev")).toContainText("generated 1.5");
  await expect
    .poll(
      async () => {
        const res = await fetch(`${process.env.E2E_PROMETHEUS_URL}/api/v1/rules?type=alert`);
        const body = (await res.json()) as { data: { groups: { name: string; rules: { name: string; query: string; labels?: Record<string, string> }[] }[] } };
        const group = body.data.groups.find((g) => g.name === "wharf:storefront-web:dev");
        return group?.rules.find((r) => r.name === "WharfLatencyP99High" && r.labels?.service === "web")?.query ?? "not loaded";
      },
      { timeout: 60_000 },
    )
    .toMatch(/> 1\.5$/);
  await rules.close();

  await page.getByRole("tab", { name: "YAML" }).click();
  const editor = page.getByRole("textbox", { name: "Spec YAML" });
  await expect(editor).toContainText("nvidia.com/gpu: 2");
  await editLine(page, "priorityClassName: high", "");
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.getByLabel("Priority class")).toHaveValue("");
  await expect(page.getByTestId("spec-status")).toContainText("unsaved changes");
  await page.getByRole("tab", { name: "YAML" }).click();
  await expect(editor).not.toContainText("priorityClassName");

  await page.getByRole("tab", { name: "Form" }).click();
  await page.getByLabel("Replicas", { exact: true }).fill("-1");
  await page.getByRole("button", { name: "Save spec" }).click();
  await expect(page.getByRole("list", { name: "Form problems" })).toContainText("replicas");
  // Nothing was sent: the saved version is still the one from before.
  await expect(page.getByRole("status").filter({ hasText: /Saved as version/ })).toBeHidden();
  await expect(page.getByTestId("spec-status")).toContainText("unsaved changes");
});
