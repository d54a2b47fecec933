/** The template gallery: a developer browses templates, previews one, and finds where Git access tokens are made. */
import { expect, test } from "@playwright/test";
import { authFile } from "./support/users";

test.describe("the template gallery, as the demo developer", () => {
  test.use({ storageState: authFile("developer") });

  test("lists the three built-in templates, each with a way to start a project from it", async ({ page }) => {
    await page.goto("/templates");
    await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();
    for (const [id, name] of [
      ["spring-boot", "Spring Boot"],
      ["node-ts", "Node.js (TypeScript)"],
      ["python-fastapi", "Python FastAPI"],
    ]) {
      const card = page.getByTestId(`template-${id}`);
      await expect(card.getByRole("link", { name })).toBeVisible();
      await expect(card.getByRole("link", { name: "Use this template" })).toHaveAttribute("href", `/projects/onboard?template=${id}`);
    }
    await expect(page.getByTestId("template-python-fastapi")).toContainText("GPU flavour");
    // Broken templates are for admins only.
    await expect(page.getByRole("heading", { name: /Templates that cannot be used/ })).toHaveCount(0);
  });

  test("a template's page shows its parameters, files and a rendered preview, in both flavours", async ({ page }) => {
    await page.goto("/templates");
    await page.getByTestId("template-python-fastapi").getByRole("link", { name: "Details" }).click();
    await expect(page).toHaveURL(/\/templates\/python-fastapi$/);
    await expect(page.getByRole("cell", { name: /GPU flavour/ })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Files" })).toContainText("wharf.yaml");
    await expect(page.getByTestId("preview-wharf.yaml")).toContainText("apiVersion: wharf.dev/v1");
    await expect(page.getByTestId("preview-wharf.yaml")).not.toContainText("nvidia.com/gpu");

    await page.getByRole("link", { name: "Show the GPU flavour" }).click();
    await expect(page.getByTestId("preview-wharf.yaml")).toContainText("nvidia.com/gpu: 1");
    await page.getByRole("tab", { name: "Dockerfile" }).click();
    await expect(page.getByTestId("preview-Dockerfile")).toContainText("nvidia/cuda");
    await expect(page.getByRole("link", { name: "Use this template" })).toHaveAttribute("href", "/projects/onboard?template=python-fastapi");
  });

  test("an unknown template is a 404 page", async ({ page }) => {
    const res = await page.goto("/templates/no-such-template");
    expect(res?.status()).toBe(404);
  });

  test("opening /git/token creates no token: it leads to the Git access tokens page", async ({ page }) => {
    // A GET (a link, a prefetch, a crawler) must never mint a credential.
    const res = await page.request.get("/git/token", { maxRedirects: 0 });
    expect(await res.text()).not.toMatch(/wgt_[A-Za-z0-9_-]{20,}/);
    await page.goto("/git/token");
    await expect(page).toHaveURL(/\/settings\/tokens$/);
    await expect(page.getByRole("heading", { name: "Git access tokens", level: 1 })).toBeVisible();
  });
});
