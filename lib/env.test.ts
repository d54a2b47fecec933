import { describe, expect, it } from "vitest";
import { EnvError, loadEnv } from "./env";

const good = {
  DATABASE_URL: "postgresql://u:p@localhost:5432/wharf",
  WHARF_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  NEXTAUTH_SECRET: "x".repeat(40),
};

const prod = {
  ...good,
  NODE_ENV: "production",
  OIDC_ISSUER: "https://id.example.com",
  OIDC_CLIENT_ID: "c",
  OIDC_CLIENT_SECRET: "s",
  WHARF_METRICS_TOKEN: "m".repeat(20),
};

function problems(env: Record<string, string | undefined>) {
  try {
    loadEnv(env);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(EnvError);
    return (e as EnvError).problems;
  }
}

describe("configuration at start-up", () => {
  it("accepts a complete environment and applies defaults", () => {
    const c = loadEnv(good);
    expect(c.WHARF_DEV_LOGIN).toBe(false);
    expect(c.WHARF_CLUSTER_TIMEOUT_MS).toBe(5000);
    expect(c.WHARF_ADMIN_EMAILS).toEqual([]);
  });

  it("takes a Prometheus URL without its trailing slash and refuses one with credentials or another scheme, saying what to fix", () => {
    expect(loadEnv({ ...good, WHARF_PROMETHEUS_URL: "http://prometheus:9090/" }).WHARF_PROMETHEUS_URL).toBe("http://prometheus:9090");
    expect(loadEnv({ ...good, WHARF_PROMETHEUS_URL: "" }).WHARF_PROMETHEUS_URL).toBeUndefined();
    expect(loadEnv(good).WHARF_PROMETHEUS_TIMEOUT_MS).toBe(1500);
    expect(problems({ ...good, WHARF_PROMETHEUS_URL: "https://u:p@thanos.example.com" })).toEqual([
      { variable: "WHARF_PROMETHEUS_URL", message: "Remove the user name and password from the URL: Wharf sends no credentials to Prometheus" },
    ]);
    expect(problems({ ...good, WHARF_ALERTMANAGER_URL: "ftp://am:9093" })[0]).toMatchObject({ variable: "WHARF_ALERTMANAGER_URL" });
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
    const message = new EnvError(p).message;
    expect(message).toContain("WHARF_ENCRYPTION_KEY: must be 32 bytes");
  });

  it("requires the three OIDC variables together", () => {
    const p = problems({ ...good, OIDC_ISSUER: "https://id.example.com" });
    expect(p.map((x) => x.variable).sort()).toEqual(["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"]);
  });

  it("refuses production with no way to sign in, and never turns the dev sign-in on by default", () => {
    expect(problems({ ...good, NODE_ENV: "production", WHARF_METRICS_TOKEN: "m".repeat(20) }).map((p) => p.variable)).toEqual(["OIDC_ISSUER"]);
    expect(loadEnv({ ...prod }).WHARF_DEV_LOGIN).toBe(false);
  });

  it("refuses the demo sign-in and anonymous cloning in production, with what to do instead", () => {
    const p = problems({ ...prod, WHARF_DEV_LOGIN: "1", WHARF_GIT_PUBLIC_READ: "true" });
    expect(p.map((x) => x.variable).sort()).toEqual(["WHARF_DEV_LOGIN", "WHARF_GIT_PUBLIC_READ"]);
    expect(new EnvError(p).message).toMatch(/WHARF_DEV_LOGIN: must not be set in production: it lets anyone sign in as a demo user/);
    // Development keeps both.
    expect(loadEnv({ ...good, WHARF_DEV_LOGIN: "1", WHARF_GIT_PUBLIC_READ: "1" })).toMatchObject({ WHARF_DEV_LOGIN: true, WHARF_GIT_PUBLIC_READ: true });
  });

  it("requires a metrics token in production", () => {
    const { WHARF_METRICS_TOKEN: _token, ...open } = prod;
    expect(problems(open).map((x) => x.variable)).toEqual(["WHARF_METRICS_TOKEN"]);
  });

  it("validates the tuning variables that used to be read raw", () => {
    const p = problems({ ...good, WHARF_DB_POOL: "0", WHARF_CLUSTER_READ_TIMEOUT_MS: "soon", WHARF_RELEASE_APPLY_ATTEMPTS: "-1" });
    expect(p.map((x) => x.variable).sort()).toEqual(["WHARF_CLUSTER_READ_TIMEOUT_MS", "WHARF_DB_POOL", "WHARF_RELEASE_APPLY_ATTEMPTS"]);
    expect(loadEnv(good)).toMatchObject({
      WHARF_DB_POOL: 20,
      WHARF_DB_TX_WAIT_MS: 20_000,
      WHARF_CLUSTER_READ_TIMEOUT_MS: 1200,
      WHARF_RELEASE_APPLY_ATTEMPTS: 4,
      WHARF_WORKER_DEAD_AFTER_MS: 45_000,
    });
  });

  it("prepares the statements on most requests unless told not to (a pooler that cannot keep them), and names a bad value", () => {
    expect(loadEnv(good).WHARF_DB_PREPARE).toBe(true);
    expect(loadEnv({ ...good, WHARF_DB_PREPARE: "" }).WHARF_DB_PREPARE).toBe(true);
    expect(loadEnv({ ...good, WHARF_DB_PREPARE: "off" }).WHARF_DB_PREPARE).toBe(false);
    expect(loadEnv({ ...good, WHARF_DB_PREPARE: "0" }).WHARF_DB_PREPARE).toBe(false);
    expect(problems({ ...good, WHARF_DB_PREPARE: "sometimes" }).map((x) => x.variable)).toEqual(["WHARF_DB_PREPARE"]);
  });

  it("reads the admin bootstrap list case-insensitively", () => {
    expect(loadEnv({ ...good, WHARF_ADMIN_EMAILS: " Ada@X.com , bob@x.com" }).WHARF_ADMIN_EMAILS).toEqual(["ada@x.com", "bob@x.com"]);
  });

  it("reads rate limits as requests per window, or off, and names a bad one with an example", () => {
    expect(loadEnv(good)).toMatchObject({
      WHARF_RATE_LIMIT_SIGNIN: { points: 30, durationSec: 60 },
      WHARF_RATE_LIMIT_GIT_AUTH_FAILURES: { points: 10, durationSec: 900 },
      WHARF_PROXY_HOPS: 1,
    });
    const c = loadEnv({ ...good, WHARF_RATE_LIMIT_GIT: "1200/1h", WHARF_RATE_LIMIT_PUBLIC: "off", WHARF_RATE_LIMIT_SIGNIN: "5/s", WHARF_PROXY_HOPS: "2" });
    expect(c).toMatchObject({
      WHARF_RATE_LIMIT_GIT: { points: 1200, durationSec: 3600 },
      WHARF_RATE_LIMIT_PUBLIC: null,
      WHARF_RATE_LIMIT_SIGNIN: { points: 5, durationSec: 1 },
      WHARF_PROXY_HOPS: 2,
    });
    const p = problems({ ...good, WHARF_RATE_LIMIT_SIGNIN: "lots", WHARF_RATE_LIMIT_GIT: "10/2d", WHARF_PROXY_HOPS: "0" });
    expect(p.map((x) => x.variable).sort()).toEqual(["WHARF_PROXY_HOPS", "WHARF_RATE_LIMIT_GIT", "WHARF_RATE_LIMIT_SIGNIN"]);
    expect(p.find((x) => x.variable === "WHARF_RATE_LIMIT_SIGNIN")!.message).toBe("must be <requests>/<window> such as 30/1m (s, m or h; at most 24h), or off");
  });
});
