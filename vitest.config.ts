import { defineConfig } from "vitest/config";
import path from "node:path";

const alias = { "@": path.resolve(import.meta.dirname) };
// On CI (two loaded cores, every file in parallel) a test that talks to the sandbox clusters or Postgres gets one
// retry: timing under load, not a wrong result, is what has failed there. test/flaky-reporter.ts lists every test that
// needed it, with its first failure. Locally a failure fails at once.
const retry = process.env.CI ? 1 : 0;

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ["default", "./test/flaky-reporter.ts"],
    projects: [
      {
        resolve: { alias },
        test: {
          name: "sandbox",
          include: ["sandbox/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          retry,
        },
      },
      {
        resolve: { alias },
        test: {
          // Client components rendered by React in a DOM (happy-dom), as a browser does: no database.
          name: "ui",
          include: ["components/**/*.test.tsx"],
          environment: "happy-dom",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "app",
          include: ["lib/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts", "prisma/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/setup-db.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          retry,
        },
      },
    ],
  },
});
