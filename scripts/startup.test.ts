/** A process started with a missing or bad variable stops at once and names it. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

describe("start-up with a broken environment", () => {
  it("the worker exits with a message naming each missing or bad variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "scripts/worker.ts")], {
      cwd: root,
      env: { NODE_ENV: "test", PATH: process.env.PATH, HOME: process.env.HOME, WHARF_ENCRYPTION_KEY: "too-short" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Wharf cannot start: the configuration is incomplete.");
    expect(run.stderr).toContain("DATABASE_URL: required: the Postgres connection string");
    expect(run.stderr).toContain("WHARF_ENCRYPTION_KEY: must be 32 bytes");
    expect(run.stderr).toContain("NEXTAUTH_SECRET: required");
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("the config service exits with a message naming each missing or bad variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "scripts/config-service.ts")], {
      cwd: root,
      env: { NODE_ENV: "test", PATH: process.env.PATH, HOME: process.env.HOME, WHARF_CONFIG_SERVICE_PORT: "not-a-port" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("DATABASE_URL: required");
    expect(run.stderr).toContain("WHARF_CONFIG_SERVICE_PORT: must be a port number");
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
