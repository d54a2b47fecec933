/** The admin registers clusters from kubeconfigs: a malformed one is refused, an unreachable one says why. */
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.use({ storageState: authFile("admin") });

const unreachable = (name: string) => `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster: { server: "https://127.0.0.1:59124", insecure-skip-tls-verify: true }
contexts:
- name: ${name}
  context: { cluster: ${name}, user: admin }
current-context: ${name}
users:
- name: admin
  user: { token: e2e-token }
`;

test("a malformed kubeconfig is refused at the field and nothing is registered", async ({ page }) => {
  await page.goto("/clusters/new");
  await page.getByLabel("Name", { exact: true }).fill("broken-one");
  await page.getByLabel("Region or data centre").fill("eu-west-1");
  await page.getByLabel("Kubeconfig", { exact: true }).fill("clusters:\n  - name: a\n   bad: [\n");
  await page.getByRole("button", { name: "Register cluster" }).click();
  await expect(page.getByText(/This is not valid YAML \(line \d+/)).toBeVisible();
  await page.goto("/clusters");
  await expect(page.getByTestId("cluster-broken-one")).toHaveCount(0);
});

test("an uploaded kubeconfig of an unreachable cluster is checked, registered, and shown as unreachable with the reason", async ({ page }) => {
  const name = `far-${Date.now().toString(36)}`;
  await page.goto("/clusters/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Region or data centre").fill("mars-1");
  await page.getByLabel("Upload kubeconfig").setInputFiles({ name: "kubeconfig", mimeType: "text/yaml", buffer: Buffer.from(unreachable(name)) });
  await expect(page.getByLabel("Kubeconfig", { exact: true })).toHaveValue(/kind: Config/);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("connection-result")).toContainText("Unreachable");
  await expect(page.getByTestId("connection-result")).toContainText("Connection refused by 127.0.0.1:59124");
  await page.getByRole("button", { name: "Register cluster" }).click();

  await expect(page).toHaveURL(new RegExp(`/clusters/${name}$`));
  await expect(page.getByTestId("cluster-unreachable")).toContainText("Connection refused");
  await expect(page.getByText("encrypted, never shown")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("e2e-token");

  await page.goto("/clusters");
  await expect(page.getByTestId(`cluster-${name}`)).toContainText("Unreachable");
});

test("the Clusters page shows both sandbox clusters reachable with their version and latency", async ({ page }) => {
  await page.goto("/clusters");
  for (const name of ["sandbox-east", "sandbox-west"]) {
    const row = page.getByTestId(`cluster-${name}`);
    await expect(row).toContainText("Reachable");
    await expect(row).toContainText(/v1\.33\.\d+/);
    await expect(row).toContainText(/\d+ ms/);
  }
  await page.getByRole("link", { name: "sandbox-east" }).click();
  await expect(page.getByTestId("cluster-version")).toHaveText(/v1\.33/);
  await page.getByRole("button", { name: "Check now" }).click();
  await expect(page.getByText(/Reachable: v1\.33\.\d+ in \d+ ms/)).toBeVisible();
});
