/**
 * The whole onboarding in the browser: the demo developer onboards a project
 * through the wizard, the demo ops engineer approves it, the ticket shows
 * every step done, the project page lists its environments with their
 * clusters, and its generated repository clones with git.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DEMO, authFile } from "./support/users";
import { gitAccessToken } from "./support/git";

test.use({ storageState: authFile("developer") });

test("a developer onboards a project, ops approve it, and it is provisioned on both clusters", async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const suffix = Date.now().toString(36).slice(-5);
  const slug = `orders-${suffix}`;

  await page.goto("/projects/onboard");
  await page.getByRole("button", { name: /Node\.js \(TypeScript\)/ }).click();
  await page.getByRole("button", { name: "Next" }).click();

  // Basics: the slug follows the name, and a taken slug is refused at the field.
  await page.getByLabel("Name").fill("Checkout API");
  await expect(page.getByLabel("Slug")).toHaveValue("checkout-api");
  await expect(page.getByTestId("slug-hint")).toHaveText("Already taken by another project.");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText('"checkout-api" is already taken by another project')).toBeVisible();
  await page.getByLabel("Name").fill(`Orders ${suffix}`);
  await expect(page.getByLabel("Slug")).toHaveValue(slug);
  await expect(page.getByTestId("slug-hint")).toHaveText(`Namespaces will be ${slug}-<environment>.`);
  await page.getByLabel("Description").fill("Takes orders.");
  await page.getByRole("button", { name: "Next" }).click();

  // Environments: dev on the first cluster, prod on both (dual-active).
  await expect(page.getByTestId("env-dev").getByRole("checkbox", { name: "dev on sandbox-east" })).toBeChecked();
  await page.getByRole("checkbox", { name: "Environment prod" }).click();
  await expect(page.getByRole("checkbox", { name: "prod on sandbox-east" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "prod on sandbox-west" })).toBeChecked();
  // An environment with no cluster is refused.
  await page.getByRole("checkbox", { name: "dev on sandbox-east" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Choose at least one cluster for this environment")).toBeVisible();
  await page.getByRole("checkbox", { name: "dev on sandbox-east" }).click();
  await page.getByRole("button", { name: "Next" }).click();

  // Members, then the review with the exact plan.
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("preview-sandbox-west")).toContainText(`Namespace ${slug}-prod`);
  await expect(page.getByTestId("preview-sandbox-east")).toContainText(`ResourceQuota ${slug}-dev/wharf-quota`);
  await page.getByTestId("preview-sandbox-west").getByRole("button", { name: "YAML" }).first().click();
  await expect(page.getByTestId("preview-sandbox-west")).toContainText("wharf.dev/project: " + slug);
  await page.getByRole("button", { name: "Submit for approval" }).click();

  await expect(page).toHaveURL(/\/tickets\/\d+$/);
  const ticketUrl = page.url();
  await expect(page.getByText("Ops or an admin approve this request.")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: new RegExp(`Onboard Orders ${suffix}`) })).toBeVisible();
  await expect(page.getByText("You cannot decide your own request: another approver must.")).toBeVisible();

  // The demo ops engineer approves it from the inbox.
  const ops = await browser.newContext({ storageState: authFile("ops") });
  const opsPage = await ops.newPage();
  await opsPage.goto("/tickets");
  await expect(opsPage.getByTestId("inbox-count")).not.toHaveText("0");
  await opsPage.getByRole("link", { name: new RegExp(`Onboard Orders ${suffix}`) }).click();
  await expect(opsPage).toHaveURL(ticketUrl);
  await opsPage.getByLabel("Comment").first().fill("Looks good");
  await opsPage.getByRole("button", { name: "Approve" }).click();
  await expect(opsPage.getByTestId("step-summary")).toHaveText(/26 of 26 steps done · ticket done/, { timeout: 60_000 });
  // The header follows the same live source as the steps: done with them, without a reload.
  await expect(opsPage.getByTestId("ticket-status")).toHaveText("Done");
  await expect(opsPage.locator('[data-testid="step"][data-status="succeeded"]')).toHaveCount(26); // 21 + monitoring: the dashboard, the rule file and a PrometheusRule per cluster and environment
  await ops.close();

  // The developer sees it done, the project active with its environments and clusters.
  await page.reload();
  await expect(page.getByText("Done").first()).toBeVisible();
  await page.goto(`/projects/${slug}`);
  const envs = page.getByRole("list", { name: "Environments" });
  await expect(envs.getByRole("listitem").filter({ hasText: "dev" })).toContainText("sandbox-east");
  const prod = envs.getByRole("listitem").filter({ hasText: `${slug}-prod` });
  await expect(prod).toContainText("sandbox-east");
  await expect(prod).toContainText("sandbox-west");
  await expect(page.getByText("Active").first()).toBeVisible();

  // Its generated repository clones with git over the portal's smart HTTP.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-clone-"));
  // As a developer would: a Git access token from the portal, the e-mail as user name.
  const token = await gitAccessToken(page);
  const url = new URL(`${baseURL}/git/${slug}.git`);
  url.username = encodeURIComponent(DEMO.developer.email);
  url.password = token;
  const clone = spawnSync("git", ["clone", "--quiet", url.toString(), path.join(dir, slug)], { encoding: "utf8" });
  expect(clone.status, clone.stderr).toBe(0);
  expect(fs.readFileSync(path.join(dir, slug, "wharf.yaml"), "utf8")).toContain(slug);
});

test("the wizard answers at the step where a value is chosen: slug rules one per line, a taken slug on Basics, quota on Environments", async ({ page }) => {
  const suffix = Date.now().toString(36).slice(-5);
  await page.goto("/projects/onboard");
  await page.getByRole("button", { name: /Node\.js \(TypeScript\)/ }).click();
  await page.getByRole("button", { name: "Next" }).click();

  // Every rule a slug breaks, each on its own line.
  await page.getByLabel("Name", { exact: true }).fill("Risk Engine");
  await page.getByLabel("Slug", { exact: true }).fill("Bad_Slug-");
  const slugProblems = page.getByRole("list", { name: "Problems with Slug" });
  await expect(slugProblems.getByRole("listitem")).toHaveText([
    "Use lowercase letters only",
    "Use only letters, digits and '-'",
    "Start and end with a letter or digit",
  ]);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(slugProblems.getByRole("listitem")).toHaveCount(3);
  await expect(page.getByRole("button", { name: "Basics" })).toHaveAttribute("aria-current", "step");

  // A taken slug typed and sent at once: Next waits for the check and stays on Basics.
  await page.getByLabel("Slug", { exact: true }).fill("checkout-api");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(slugProblems).toHaveText('"checkout-api" is already taken by another project; choose another');
  await expect(page.getByRole("button", { name: "Basics" })).toHaveAttribute("aria-current", "step");
  await page.getByLabel("Slug", { exact: true }).fill(`risk-${suffix}`);
  await page.getByRole("button", { name: "Next" }).click();

  // Production on both clusters with the large preset: refused here, once per problem, not after the last step.
  await expect(page.getByRole("button", { name: "Environments" })).toHaveAttribute("aria-current", "step");
  await page.getByRole("checkbox", { name: "Environment prod" }).click();
  const prod = page.getByTestId("env-prod");
  await prod.getByLabel("Quota of prod", { exact: true }).selectOption("large");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(prod.getByRole("list", { name: "Problems with Quota of prod" }).getByRole("listitem")).toHaveText([
    "48 CPU is more than sandbox-east and sandbox-west have (24 each)",
    "96 GiB of memory is more than sandbox-east and sandbox-west have (93 GiB each)",
  ]);
  await expect(page.getByRole("button", { name: "Environments" })).toHaveAttribute("aria-current", "step");

  // A custom quota that fits moves on.
  await prod.getByLabel("Quota of prod", { exact: true }).selectOption("custom");
  await prod.getByLabel("CPU", { exact: true }).fill("20");
  await prod.getByLabel("Memory (GiB)", { exact: true }).fill("64");
  await prod.getByLabel("Pods", { exact: true }).fill("100");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("button", { name: "Members" })).toHaveAttribute("aria-current", "step");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("preview-sandbox-west")).toContainText(`ResourceQuota risk-${suffix}-prod/wharf-quota`);
});
