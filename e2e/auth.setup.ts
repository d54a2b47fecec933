/**
 * Signs in once per demo role through the company sign-in (the real OIDC
 * provider the harness starts; the built app runs in production mode, where
 * the demo sign-in is refused) and saves the session for the tests. The
 * provider accepts any login: the demo user's e-mail makes it that user.
 */
import { expect, test as setup } from "@playwright/test";
import { DEMO, authFile } from "./support/users";
import { signInWithOidc } from "./support/oidc-sign-in";

for (const [role, user] of Object.entries(DEMO)) {
  setup(`sign in as the demo ${role}`, async ({ page }) => {
    await signInWithOidc(page, user.email);
    await expect(page.getByRole("heading", { name: `Hello, ${user.name.split(" ")[0]}` })).toBeVisible();
    await page.context().storageState({ path: authFile(role as keyof typeof DEMO) });
  });
}
