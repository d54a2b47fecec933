import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

const good = {
  DATABASE_URL: "postgresql://u:p@localhost:5432/wharf",
  WHARF_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  NEXTAUTH_SECRET: "x".repeat(40),
};

function problems(env: Record<string, string | undefined>) {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
}

describe("configuration at start-up", () => {
  it("accepts a complete environment and applies defaults", () => {
    const c = loadConfig(good);
    expect(c.WHARF_DEV_LOGIN).toBe(false);
    expect(c.WHARF_CLUSTER_TIMEOUT_MS).toBe(5000);
    expect(c.WHARF_ADMIN_EMAILS).toEqual([]);
  });

  it("names a missing variable and says what it should be", () => {
    const p = problems({ ...good, DATABASE_URL: undefined });
    expect(p).toHaveLength(1);
    expect(p[0]!.variable).toBe("DATABASE_URL");
    expect(p[0]!.message).toMatch(/Postgres connection string/);
  });

  it("names every bad variable at once", () => {
    const p = problems({ DATABASE_URL: "mysql://x", WHARF_ENCRYPTION_KEY: "short", NEXTAUTH_SECRET: "tiny" });
    expect(p.map((x) => x.variable).sort()).toEqual(["DATABASE_URL", "NEXTAUTH_SECRET", "WHARF_ENCRYPTION_KEY"]);
    const message = new ConfigError(p).message;
    expect(message).toContain("WHARF_ENCRYPTION_KEY: must be 32 bytes");
  });

  it("requires the three OIDC variables together", () => {
    const p = problems({ ...good, OIDC_ISSUER: "https://id.example.com" });
    expect(p.map((x) => x.variable).sort()).toEqual(["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"]);
  });

  it("refuses production with no way to sign in, and never turns the dev sign-in on by default", () => {
    expect(problems({ ...good, NODE_ENV: "production" }).map((p) => p.variable)).toEqual(["OIDC_ISSUER"]);
    expect(loadConfig({ ...good, NODE_ENV: "production", OIDC_ISSUER: "https://id", OIDC_CLIENT_ID: "c", OIDC_CLIENT_SECRET: "s" }).WHARF_DEV_LOGIN).toBe(
      false,
    );
  });

  it("reads the admin bootstrap list case-insensitively", () => {
    expect(loadConfig({ ...good, WHARF_ADMIN_EMAILS: " Ada@X.com , bob@x.com" }).WHARF_ADMIN_EMAILS).toEqual(["ada@x.com", "bob@x.com"]);
  });
});
