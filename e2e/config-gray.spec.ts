/**
 * The config center's gray release, instances, settings and the team's public
 * namespaces, in the browser, against real Apollo-protocol requests to the
 * config service. On storefront-web/bff in dev (one cluster, sandbox-east):
 * Ada (admin) publishes and runs gray releases; Dana (a developer of
 * storefront-web) sees them read-only. A canary pod is labelled with kubectl,
 * as a Deployment's pod template would label it, and its client reports its
 * IP, as Apollo clients do.
 */
import { execFileSync } from "node:child_process";
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

test.describe.configure({ mode: "serial" });

const APP = "storefront-web.bff";
const BASE = "/projects/storefront-web/services/bff/config";
const CS = () => process.env.E2E_CONFIG_SERVICE_URL!;
const STABLE_IP = "10.9.9.10";
const LABELLED_IP = "10.9.9.9";

function kubectl(...args: string[]) {
  return execFileSync("kubectl", ["--kubeconfig", process.env.E2E_KUBECONFIG!, "--context", "sandbox-east", ...args], { encoding: "utf8", timeout: 30_000 });
}

/** What a client at `ip` (with Apollo's `label`, if given) reads now. */
async function read(query: string) {
  const res = await fetch(`${CS()}/dev/configs/${APP}/default/application?${query}`);
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as { configurations: Record<string, string>; releaseKey: string }) : null };
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/config-gray/${name}-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `test-results/config-gray/${name}-390.png`, fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} fits 390 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });
}

let canary = { pod: "", ip: "" };

test.describe("as the publisher", () => {
  test.use({ storageState: authFile("admin"), viewport: { width: 1280, height: 900 } });

  test("a gray release to track=canary reaches only the canary, can delete a key, is widened, abandoned, started again and merged", async ({ page }) => {
    // About forty steps against the config service and a cluster: over a minute on a loaded two-core machine.
    test.setTimeout(150_000);
    // The main release, from the Items tab.
    await page.goto(`${BASE}?env=dev`);
    for (const [key, value] of [
      ["greeting", "Hello"],
      ["legacy", "on"],
    ]) {
      await page.getByLabel("New key", { exact: true }).fill(key);
      await page.getByLabel("New value", { exact: true }).fill(value);
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await expect(page.getByTestId(`item-${key}`)).toBeVisible();
    }
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByLabel("Comment", { exact: true }).fill("The first release");
    await page.getByRole("button", { name: /^Publish to / }).click();
    await expect(page.getByTestId("latest-release")).toContainText("#1");

    // A canary pod (labelled as its Deployment would), a client that sends Apollo's label, and a stable client.
    const [pod, ip] = kubectl(
      "-n",
      "storefront-web-dev",
      "get",
      "pods",
      "-l",
      "app.kubernetes.io/name=bff",
      "-o",
      "jsonpath={.items[0].metadata.name} {.items[0].status.podIP}",
    ).split(" ");
    canary = { pod: pod!, ip: ip! };
    kubectl("-n", "storefront-web-dev", "label", "pod", canary.pod, "track=canary", "--overwrite");
    for (const q of [`ip=${canary.ip}`, `ip=${LABELLED_IP}&label=track%3Dcanary`, `ip=${STABLE_IP}`])
      expect((await read(q)).body?.configurations).toEqual({ greeting: "Hello", legacy: "on" });

    // The rule editor shows which instances track=canary selects now.
    await page.goto(`${BASE}/gray?env=dev`);
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId(`instance-${canary.ip}`)).toBeVisible({ timeout: 2_000 });
      await expect(page.getByTestId(`instance-${STABLE_IP}`)).toBeVisible({ timeout: 2_000 });
      await expect(page.getByTestId(`instance-${LABELLED_IP}`)).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    // A client that is no pod counts by the label it sent.
    await expect(page.getByTestId(`instance-${LABELLED_IP}`).getByTestId("rule-match")).toHaveText("selected");
    await expect(page.getByTestId(`instance-${canary.ip}`).getByTestId("rule-match")).toHaveText("selected");
    await expect(page.getByTestId(`instance-${canary.ip}`)).toContainText(canary.pod);
    await expect(page.getByTestId(`instance-${STABLE_IP}`).getByTestId("rule-match")).toHaveText("not selected");
    await expect(page.getByTestId("gray-no-match")).toBeHidden();

    // A rule that matches nothing warns, and does not stop anyone.
    await page.getByLabel("Label 1 value").fill("blue");
    await expect(page.getByTestId("gray-no-match")).toBeVisible();
    await expect(page.getByRole("button", { name: "Start gray release" })).toBeEnabled();
    await shot(page, "gray-no-match");
    await page.getByLabel("Label 1 value").fill("canary");
    await expect(page.getByTestId(`instance-${canary.ip}`).getByTestId("rule-match")).toHaveText("selected");

    // Changes: set greeting, delete legacy.
    await page.getByLabel("Change 1 key").fill("greeting");
    await page.getByLabel("Change 1 value").fill("Hi");
    await page.getByRole("button", { name: "Add a change" }).click();
    await page.getByLabel("Change 2", { exact: true }).selectOption("delete");
    await page.getByLabel("Change 2 key").fill("legacy");
    await page.getByLabel("What the gray release tries").fill("A shorter greeting, without the legacy switch");
    await shot(page, "gray-ready");
    await page.getByRole("button", { name: "Start gray release" }).click();
    const dialog = page.getByRole("alertdialog");
    await expect(dialog).toContainText("sets greeting and deletes legacy");
    await expect(dialog).toContainText("Every other instance keeps release #1");
    await dialog.getByRole("button", { name: "Start" }).click();
    await expect(page.getByTestId("gray-active")).toContainText("track=canary");

    expect((await read(`ip=${canary.ip}`)).body?.configurations).toEqual({ greeting: "Hi" });
    expect((await read(`ip=${LABELLED_IP}&label=track%3Dcanary`)).body?.configurations).toEqual({ greeting: "Hi" });
    expect((await read(`ip=${STABLE_IP}`)).body?.configurations).toEqual({ greeting: "Hello", legacy: "on" });
    await shot(page, "gray-active");

    // The instances page marks the gray instances.
    await page.goto(`${BASE}/instances?env=dev`);
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId(`instance-${canary.ip}`)).toContainText("gray", { timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByTestId(`instance-${canary.ip}`)).toContainText("#2");
    await expect(page.getByTestId(`instance-${STABLE_IP}`)).toContainText("#1");
    await expect(page.getByTestId(`instance-${STABLE_IP}`)).toContainText("latest");
    await expect(page.getByTestId("instances-summary")).toContainText("on the gray release");
    await shot(page, "instances-gray");

    // Widen to the stable client's IP as well.
    await page.goto(`${BASE}/gray?env=dev`);
    await page.getByLabel("IPs (one per line)").fill(STABLE_IP);
    await expect(page.getByTestId(`instance-${STABLE_IP}`).getByTestId("rule-match")).toHaveText("selected");
    await page.getByRole("button", { name: "Widen" }).click();
    await expect(page.getByRole("alertdialog")).toContainText(`IPs ${STABLE_IP}`);
    await page.getByRole("alertdialog").getByRole("button", { name: "Widen" }).click();
    await expect(page.getByTestId("gray-active")).toContainText(STABLE_IP);
    expect((await read(`ip=${STABLE_IP}`)).body?.configurations).toEqual({ greeting: "Hi" });

    // Abandon: the canary gets the main values back.
    await page.getByRole("button", { name: "Abandon" }).click();
    await expect(page.getByRole("alertdialog")).toContainText("return to main release #1");
    await page.getByRole("alertdialog").getByRole("button", { name: "Abandon" }).click();
    await expect(page.getByTestId("gray-active")).toBeHidden();
    expect((await read(`ip=${canary.ip}`)).body?.configurations).toEqual({ greeting: "Hello", legacy: "on" });
    expect((await read(`ip=${STABLE_IP}`)).body?.configurations).toEqual({ greeting: "Hello", legacy: "on" });
    await expect(page.getByTestId("gray-history-abandoned")).toContainText("track=canary");

    // Start again and merge: everyone gets it.
    await page.getByLabel("Change 1 key").fill("greeting");
    await page.getByLabel("Change 1 value").fill("Hey");
    await page.getByLabel("What the gray release tries").fill("Hey to canaries");
    await page.getByRole("button", { name: "Start gray release" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Start" }).click();
    await expect(page.getByTestId("gray-active")).toBeVisible();
    expect((await read(`ip=${canary.ip}`)).body?.configurations.greeting).toBe("Hey");
    expect((await read(`ip=${STABLE_IP}`)).body?.configurations.greeting).toBe("Hello");
    await page.getByRole("button", { name: "Merge" }).click();
    await expect(page.getByRole("alertdialog")).toContainText("become a new main release that every instance gets");
    await page.getByRole("alertdialog").getByRole("button", { name: "Merge" }).click();
    await expect(page.getByTestId("gray-history-merged")).toBeVisible();
    for (const q of [`ip=${canary.ip}`, `ip=${LABELLED_IP}&label=track%3Dcanary`, `ip=${STABLE_IP}`])
      expect((await read(q)).body?.configurations).toEqual({ greeting: "Hey", legacy: "on" });
    await shot(page, "gray-history");

    // Every instance on the latest release.
    await page.goto(`${BASE}/instances?env=dev`);
    await expect(page.getByTestId("instances-summary")).toContainText(/(\d+) of \1 instances on the latest release/, { timeout: 20_000 });
    await shot(page, "instances-latest");
  });
});

test.describe("as a developer of the project", () => {
  test.use({ storageState: authFile("developer"), viewport: { width: 1280, height: 900 } });

  test("the gray release editor is read-only: a maintainer does this", async ({ page }) => {
    await page.goto(`${BASE}/gray?env=dev`);
    await expect(page.getByTestId("gray-read-only")).toContainText("A maintainer does this");
    await expect(page.getByLabel("Label 1 key")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Start gray release" })).toHaveCount(0);
    await expect(page.getByTestId("gray-history-merged")).toBeVisible();
    await shot(page, "gray-read-only");
  });
});

test.describe("settings, as the publisher", () => {
  test.use({ storageState: authFile("admin"), viewport: { width: 1280, height: 900 } });

  async function typeSchema(page: Page, text: string) {
    const editor = page.getByLabel("JSON Schema of application");
    await editor.click();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(text);
  }

  test("a schema that is not JSON Schema is refused at its line; a saved one refuses a forbidden value", async ({ page }) => {
    await page.goto(`${BASE}/settings?env=dev`);
    await typeSchema(page, '{\n  "type": "object",\n}');
    await expect(page.getByTestId("schema-problems")).toContainText("line 3: not JSON");
    await typeSchema(page, '{\n  "type": "object",\n  "properties": {\n    "port": { "type": "strin" }\n  }\n}');
    await page.getByRole("button", { name: "Save schema" }).click();
    await expect(page.getByTestId("schema-problems")).toContainText("line 4: properties.port.type must be equal to one of the allowed values");
    await shot(page, "schema-refused");
    await typeSchema(page, '{\n  "type": "object",\n  "properties": {\n    "port": { "type": "string", "pattern": "^[0-9]+$" }\n  }\n}');
    await page.getByRole("button", { name: "Save schema" }).click();
    await expect(page.getByText("The schema of application is saved")).toBeVisible();

    await page.goto(`${BASE}?env=dev`);
    await page.getByLabel("New key", { exact: true }).fill("port");
    await page.getByLabel("New value", { exact: true }).fill("eighty");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await expect(page.getByText(/must match pattern/).first()).toBeVisible();
    await expect(page.getByTestId("item-port")).toHaveCount(0);
  });

  test("an access key's secret is shown once, and unsigned clients are refused while it is enabled", async ({ page }) => {
    expect((await read(`ip=${STABLE_IP}`)).status).toBe(200);
    await page.goto(`${BASE}/settings?env=dev`);
    await page.getByRole("button", { name: "Create access key" }).click();
    const secret = await page.getByTestId("access-key-secret").inputValue();
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    await shot(page, "access-key-created");
    await page.getByRole("button", { name: "I have copied it" }).click();
    await expect(page.getByTestId(`access-key-${secret.slice(-4)}`)).toContainText(`••••${secret.slice(-4)}`);
    await page.reload();
    await expect(page.getByText(secret)).toHaveCount(0);
    await expect(async () => expect((await read(`ip=${STABLE_IP}`)).status).toBe(401)).toPass({ timeout: 10_000 });
    await shot(page, "access-keys");

    await page.getByRole("switch", { name: /enabled$/ }).click();
    await expect(page.getByRole("switch", { name: /enabled$/ })).not.toBeChecked();
    await expect(async () => expect((await read(`ip=${STABLE_IP}`)).status).toBe(200)).toPass({ timeout: 10_000 });
  });

  test("the team page lists the team's public namespaces, and the lead edits and publishes their shared values", async ({ page }) => {
    await page.goto("/teams/storefront");
    await page.getByLabel("New public namespace").fill("gray-e2e");
    await page.getByRole("button", { name: "Create" }).click();
    const section = page.getByTestId("public-ns-storefront.gray-e2e");
    await expect(section).toBeVisible();
    await expect(section).toContainText("no service yet");
    await section.getByLabel("Key").fill("cdn.host");
    await section.getByLabel("Value").fill("cdn.example.com");
    await section.getByRole("button", { name: "Set in dev" }).click();
    await expect(section.getByRole("table")).toContainText("cdn.example.com");
    await section.getByLabel("What this release changes").fill("The CDN host");
    await section.getByRole("button", { name: "Publish to dev" }).click();
    await expect(section).toContainText("Release #1");
    await shot(page, "team-public");
  });
});
