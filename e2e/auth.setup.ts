/** Signs in once per demo role through the dev sign-in page and saves the session for the tests. */
import { expect, test as setup } from "@playwright/test";
import { DEMO, authFile } from "./support/users";

for (const [role, user] of Object.entries(DEMO)) {
  setup(`sign in as the demo ${role}`, async ({ page }) => {
    await page.goto("/signin");
    await page.getByRole("button", { name: `Sign in as ${user.name}` }).click();
    await expect(page.getByRole("heading", { name: `Hello, ${user.name.split(" ")[0]}` })).toBeVisible();
    await page.context().storageState({ path: authFile(role as keyof typeof DEMO) });
  });
}
