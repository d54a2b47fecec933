/**
 * The admin registers clusters from kubeconfigs: text that is no kubeconfig
 * is called so (and the message goes once the text changes), an unreachable
 * cluster says why, credentials the cluster rejects or that lack permissions
 * are shown and refused, and one API server is not registered twice.
 */
import fs from "node:fs";
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { expect, test, type Page } from "@playwright/test";
import { parse, parseAllDocuments, stringify } from "yaml";
import { authFile } from "./support/users";

test.use({ storageState: authFile("admin") });

const unreachable = (name: string) => `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster: { server: "https://127.0.0.1:59124/${name}", insecure-skip-tls-verify: true }
contexts:
- name: ${name}
  context: { cluster: ${name}, user: admin }
current-context: ${name}
users:
- name: admin
  user: { token: e2e-token }
`;

/** The sandbox's merged kubeconfig (every cluster, the admin and every user). */
function sandboxKubeconfig(): {
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { token: string } }[];
} {
  return parse(fs.readFileSync(process.env.E2E_KUBECONFIG!, "utf8"));
}

/** A kubeconfig for one sandbox cluster with the given token, as an admin would paste it. */
function kubeconfigOf(cluster: string, user: string, token: string) {
  const c = sandboxKubeconfig().clusters.find((x) => x.name === cluster)!;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: c.cluster }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    "current-context": cluster,
  });
}

/** A new sandbox identity (through the sandbox's admin endpoint) and its token. */
async function sandboxUser(name: string): Promise<string> {
  const res = await fetch(`${process.env.E2E_SANDBOX_ADMIN_URL}/users`, { method: "POST", body: JSON.stringify({ name }) });
  return ((await res.json()) as { token: string }).token;
}

/** `kubectl apply` of YAML documents on a sandbox cluster, as its admin. */
async function applyAsAdmin(cluster: string, yamlText: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(process.env.E2E_KUBECONFIG!);
  kc.setCurrentContext(cluster);
  const objects = kc.makeApiClient(KubernetesObjectApi);
  for (const doc of parseAllDocuments(yamlText)) await objects.create(doc.toJS() as KubernetesObject);
}

async function newCluster(page: Page, name: string) {
  await page.goto("/clusters/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Region or data centre").fill("eu-west-1");
}

const kubeconfigField = (page: Page) => page.getByLabel("Kubeconfig", { exact: true });
/** A check asks the cluster a few dozen questions: on a busy machine it takes longer than a click. */
const CHECK = { timeout: 30_000 };
const fieldMessage = (page: Page) => page.locator('[data-slot="form-message"]');

test("text that is no kubeconfig is called so, with the YAML error's line, and the message goes when the text changes", async ({ page }) => {
  await newCluster(page, "broken-one");
  await kubeconfigField(page).fill("Hello, here is my cluster: prod");
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(fieldMessage(page)).toHaveText(/^This is not a kubeconfig: it has none of a kubeconfig's keys \(clusters, contexts, users\)/);
  await expect(page.getByText("The kubeconfig has no clusters")).toHaveCount(0);

  // Typing clears what was said about the old text.
  await kubeconfigField(page).fill("clusters:\n  - name: a\n   bad: [\n");
  await expect(fieldMessage(page)).toHaveCount(0);
  await page.getByRole("button", { name: "Register cluster" }).click();
  await expect(fieldMessage(page)).toHaveText(/^This is not a kubeconfig: it is not valid YAML \(line 3, column \d+\)/);

  await kubeconfigField(page).fill(unreachable("broken-one"));
  await expect(fieldMessage(page)).toHaveCount(0);
  await page.goto("/clusters");
  await expect(page.getByTestId("cluster-broken-one")).toHaveCount(0);
});

test("an uploaded kubeconfig of an unreachable cluster is checked, registered, and shown as unreachable with the reason", async ({ page }) => {
  const name = `far-${Date.now().toString(36)}`;
  await newCluster(page, name);
  await page.getByLabel("Upload kubeconfig").setInputFiles({ name: "kubeconfig", mimeType: "text/yaml", buffer: Buffer.from(unreachable(name)) });
  await expect(kubeconfigField(page)).toHaveValue(/kind: Config/);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("connection-result")).toContainText("Unreachable", CHECK);
  await expect(page.getByTestId("connection-result")).toContainText("Connection refused by 127.0.0.1:59124", CHECK);
  await page.getByRole("button", { name: "Register cluster" }).click();

  await expect(page).toHaveURL(new RegExp(`/clusters/${name}$`), CHECK);
  await expect(page.getByTestId("cluster-unreachable")).toContainText("Connection refused");
  await expect(page.getByText("encrypted, never shown")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("e2e-token");

  await page.goto("/clusters");
  await expect(page.getByTestId(`cluster-${name}`)).toContainText("Unreachable");
});

test("a kubeconfig whose token the cluster rejects shows 'Credentials rejected' and is not registered", async ({ page }) => {
  const name = `wrong-${Date.now().toString(36)}`;
  await newCluster(page, name);
  await kubeconfigField(page).fill(kubeconfigOf("sandbox-spare", "someone", "a-token-the-cluster-never-issued"));
  await page.getByRole("button", { name: "Test connection" }).click();
  const result = page.getByTestId("connection-result");
  await expect(result).toContainText("Credentials rejected", CHECK);
  await expect(result).toContainText("The cluster rejected the credentials (401 Unauthorized)", CHECK);
  await expect(result).not.toContainText("Reachable");

  await page.getByRole("button", { name: "Register cluster" }).click();
  await expect(fieldMessage(page)).toContainText("Not registered: The cluster rejected the credentials (401 Unauthorized)", CHECK);
  await expect(page).toHaveURL(/\/clusters\/new$/);
  await page.goto("/clusters");
  await expect(page.getByTestId(`cluster-${name}`)).toHaveCount(0);
});

test("credentials without every permission Wharf needs show which are missing and what for, are refused, and pass once the suggested ClusterRole is applied", async ({
  page,
}) => {
  const user = `e2e-partial-${Date.now().toString(36)}`;
  const token = await sandboxUser(user);
  // Enough to see the cluster, not to provision: namespaces only.
  await applyAsAdmin(
    "sandbox-spare",
    stringify({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: user },
      rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "create", "patch", "delete"] }],
    }) +
      "---\n" +
      stringify({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: user },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: user },
        subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: user }],
      }),
  );
  await newCluster(page, user);
  await kubeconfigField(page).fill(kubeconfigOf("sandbox-spare", user, token));
  await page.getByRole("button", { name: "Test connection" }).click();

  const result = page.getByTestId("connection-result");
  await expect(result).toContainText("Missing permissions", CHECK);
  await expect(result).toContainText(`accepts the credentials as ${user}`, CHECK);
  const missing = page.getByTestId("missing-permissions");
  await expect(missing.getByRole("listitem").filter({ hasText: "bind clusterroles.rbac.authorization.k8s.io edit, view" })).toContainText(
    "needed for granting the ClusterRoles edit and view in those RoleBindings",
  );
  await expect(missing.getByRole("listitem").filter({ hasText: "get, create, patch, list deployments.apps" })).toContainText("applying releases");
  // What it holds is not listed.
  const permissions = await missing.getByTestId("missing-permission").allTextContents();
  expect(permissions.filter((p) => / namespaces$/.test(p))).toEqual([]);
  expect(permissions.length).toBeGreaterThan(10);

  await page.getByRole("button", { name: "Register cluster" }).click();
  await expect(fieldMessage(page)).toContainText(
    `Not registered: the cluster accepts the credentials (${user}), but they may not do everything Wharf needs`,
    CHECK,
  );
  await expect(fieldMessage(page)).toContainText(
    "• bind clusterroles.rbac.authorization.k8s.io edit, view: needed for granting the ClusterRoles edit and view",
  );
  await expect(page).toHaveURL(/\/clusters\/new$/);

  // The admin applies what the form suggests, and tests again.
  await page.getByText("A ClusterRole (and binding) that grants them").click();
  const manifest = (await page.getByTestId("grant-manifest").textContent())!;
  expect(manifest).toContain(`name: ${user}`);
  await applyAsAdmin("sandbox-spare", manifest.replaceAll("wharf-missing", `${user}-missing`));
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(result).toContainText(/Reachable: Kubernetes v1\.33\.\d+/, CHECK);
  await expect(result).toContainText(`Signs in as ${user} and may do everything Wharf needs`, CHECK);
  await expect(fieldMessage(page)).toHaveCount(0);
});

test("the same API server is not registered twice: Test connection and Register name the registered one", async ({ page }) => {
  const kc = sandboxKubeconfig();
  const admin = kc.users.find((u) => u.name === "kubernetes-admin")!;
  await newCluster(page, "east-again");
  await kubeconfigField(page).fill(kubeconfigOf("sandbox-east", "admin", admin.user.token));
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("already-registered")).toContainText("Already registered as sandbox-east", CHECK);
  await page.getByRole("button", { name: "Register cluster" }).click();
  await expect(fieldMessage(page)).toContainText('This API server is already registered as "sandbox-east"', CHECK);
  await page.goto("/clusters");
  await expect(page.getByTestId("cluster-east-again")).toHaveCount(0);
});

test("the Clusters page shows both sandbox clusters reachable with their version and latency", async ({ page }) => {
  await page.goto("/clusters");
  for (const name of ["sandbox-east", "sandbox-west"]) {
    const row = page.getByTestId(`cluster-${name}`);
    await expect(row).toContainText("Reachable");
    await expect(row).toContainText(/v1\.33\.\d+/);
    await expect(row).toContainText(/\d+ ms/);
  }
  await expect(page.getByTestId("cluster-sandbox-spare")).toHaveCount(0);
  await page.getByRole("link", { name: "sandbox-east" }).click();
  await expect(page.getByTestId("cluster-version")).toHaveText(/v1\.33/);
  await expect(page.getByTestId("cluster-identity")).toHaveText("kubernetes-admin");
  await page.getByRole("button", { name: "Check now" }).click();
  await expect(page.getByText(/Reachable: v1\.33\.\d+ in \d+ ms/)).toBeVisible();
});
