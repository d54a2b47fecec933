import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./scripts/lib/chromium";

/** Run through `npm run test:e2e` (scripts/e2e.ts), which starts the app, its database and an OIDC provider. */
export default defineConfig({
  testDir: "./e2e",
  fullyParallel: true,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  // Twice the 10 s this had: beside the whole suite on two cores, a deploy and the release page it opens took 10-13 s
  // (1.2-2 s alone); a passing test does not wait longer for it.
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.E2E_BASE_URL ?? "http://localhost:3000",
    // A failure's trace keeps its DOM snapshots and network, not the screencast: recording every test's frames cost
    // Chromium's browser and GPU processes 218 of 747 CPU-s in a 4-spec run on two cores (104 of 583 without; 16% less wall time).
    trace: { mode: "retain-on-failure", screenshots: false },
    screenshot: "only-on-failure",
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    { name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined }, dependencies: ["setup"], testIgnore: /auth\.setup\.ts/ },
  ],
});
