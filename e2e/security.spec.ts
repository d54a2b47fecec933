/**
 * The built app's security headers, in Chromium: every page runs under a CSP with a per-response nonce and the
 * browser reports no violation (hydration, CodeMirror, charts, the theme script); rate limits answer 429 with
 * Retry-After; request ids. Requests that exhaust a limit carry an X-Forwarded-For of their own, so the limits of
 * the other specs (all from 127.0.0.1) are not touched.
 */
import { expect, test, type Page } from "@playwright/test";
import { authFile } from "./support/users";

/** Collects CSP violations the page reports, and console lines about blocked content. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction("__reportCspViolation", (line: string) => seen.push(line));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation(line: string): void }).__reportCspViolation(
        `${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
      );
    });
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(m.text())) seen.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
  return seen;
}

function expectSecurityHeaders(headers: Record<string, string>) {
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'(;|$)/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  for (const d of ["default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"]) expect(csp).toContain(d);
  expect(headers["permissions-policy"]).toMatch(/camera=\(\).*geolocation=\(\).*microphone=\(\)/);
  expect(headers["x-frame-options"]).toBe("DENY");
  // The harness serves plain http: no HSTS.
  expect(headers["strict-transport-security"]).toBeUndefined();
}

test.describe("signed in", () => {
  test.use({ storageState: authFile("admin") });

  test("pages, the spec editor (CodeMirror) and charts run under the CSP without a single violation", async ({ page }) => {
    const violations = await watchViolations(page);
    const nonces = new Set<string>();
    for (const path of [
      "/",
      "/projects",
      "/projects/storefront-web",
      "/tickets",
      "/deployments?project=checkout-api",
      "/dashboards",
      "/clusters",
      "/templates",
    ]) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(200);
      const headers = res!.headers();
      expectSecurityHeaders(headers);
      nonces.add(/'nonce-([^']+)'/.exec(headers["content-security-policy"]!)![1]!);
      // Hydrated: the user menu opens (client JavaScript ran under the nonce).
      await expect(async () => {
        await page.getByRole("button", { name: "User menu" }).click();
        await expect(page.getByRole("menu")).toBeVisible({ timeout: 1000 });
      }).toPass();
      await page.keyboard.press("Escape");
    }
    expect(nonces.size).toBe(8);

    await page.goto("/projects/ledger/services/api/spec");
    await page.getByRole("tab", { name: "YAML" }).click();
    await expect(page.getByRole("textbox", { name: "Spec YAML" })).toContainText("replicas:");
    await page.getByRole("tab", { name: "Rendered manifests" }).click();
    await expect(page.getByLabel("Deployment YAML")).toContainText("kind: Deployment");
    expect(violations).toEqual([]);
  });
});

test("the sign-in page hydrates under the CSP (its button enables) and reports no violation", async ({ page }) => {
  const violations = await watchViolations(page);
  const res = await page.goto("/signin");
  expectSecurityHeaders(res!.headers());
  await expect(page.getByRole("button", { name: "Continue with Test IdP" })).toBeEnabled();
  expect(violations).toEqual([]);
});

test("sends HSTS only to a browser that reached the portal over https", async ({ request }) => {
  const overTls = await request.get("/signin", { headers: { "x-forwarded-proto": "https" } });
  expect(overTls.headers()["strict-transport-security"]).toMatch(/^max-age=\d+; includeSubDomains$/);
  expect((await request.get("/signin")).headers()["strict-transport-security"]).toBeUndefined();
});

test("keeps an id-shaped x-request-id and replaces anything else with a fresh one", async ({ request }) => {
  expect((await request.get("/api/health", { headers: { "x-request-id": "lb-trace-0001" } })).headers()["x-request-id"]).toBe("lb-trace-0001");
  const forged = await request.get("/api/health", { headers: { "x-request-id": 'x"><script>alert(1)</script>' } });
  expect(forged.headers()["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test("a client past the sign-in limit gets 429 with Retry-After; another client signs in as usual", async ({ request }) => {
  const from = (address: string) => ({ headers: { "x-forwarded-for": address }, maxRedirects: 0 });
  // The default limit: 30 sign-in requests a minute per address.
  for (let i = 0; i < 30; i++) expect((await request.get("/api/auth/signin/oidc", from("203.0.113.41"))).status()).not.toBe(429);
  const refused = await request.get("/api/auth/signin/oidc", from("203.0.113.41"));
  expect(refused.status()).toBe(429);
  expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);
  expect((await request.get("/api/auth/signin/oidc", from("203.0.113.42"))).status()).not.toBe(429);
});

test("a client past the public-route limit gets 429 on /api/metrics while /api/health keeps answering", async ({ request }) => {
  const from = { headers: { "x-forwarded-for": "203.0.113.43" } };
  // The default limit: 60 a minute per address (a Prometheus scrapes a few times a minute).
  for (let i = 0; i < 60; i++) expect((await request.get("/api/metrics", from)).status()).toBe(401);
  const refused = await request.get("/api/metrics", from);
  expect(refused.status()).toBe(429);
  expect(refused.headers()["retry-after"]).toMatch(/^\d+$/);
  expect((await request.get("/api/health", from)).status()).toBe(200);
  expect((await request.get("/api/metrics", { headers: { "x-forwarded-for": "203.0.113.44" } })).status()).toBe(401);
});
