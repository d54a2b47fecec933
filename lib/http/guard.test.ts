/** proxy.ts's guard on real NextRequests: rate limits of the unauthenticated doors, request ids, CSP and HSTS. */
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { createRequestGuard, type GuardSettings } from "./guard";

const settings = (over: Partial<GuardSettings> = {}): GuardSettings => ({
  dev: false,
  publicUrl: "http://localhost:3000",
  oidcIssuer: "https://id.example.com/realms/acme",
  proxyHops: 1,
  limits: { signin: { points: 3, durationSec: 60 }, git: { points: 5, durationSec: 60 }, public: { points: 2, durationSec: 60 } },
  ...over,
});

function request(path: string, opts: { from?: string; method?: string; headers?: Record<string, string> } = {}) {
  const headers = new Headers(opts.headers);
  if (opts.from) headers.set("x-forwarded-for", opts.from);
  return new NextRequest(`http://localhost:3000${path}`, { method: opts.method ?? "GET", headers });
}

/** What proxy.ts hands on to the page or route: the request headers Next.js forwards. */
const forwarded = (res: Response, name: string) => res.headers.get(`x-middleware-request-${name}`);

describe("rate limits before sign-in, Git and public routes", () => {
  it("answers the fourth sign-in attempt from one address with 429, Retry-After and where to go; other addresses are unaffected", async () => {
    const guard = createRequestGuard(settings());
    for (const path of ["/api/auth/signin/oidc", "/api/auth/callback/oidc", "/api/auth/callback/dev"]) {
      expect((await guard(request(path, { from: "198.51.100.1", method: "POST" }))).status).toBe(200);
    }
    const refused = await guard(request("/api/auth/callback/dev", { from: "198.51.100.1", method: "POST" }));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // next-auth's signIn() reads JSON and follows `url`: the sign-in page then explains.
    expect(await refused.json()).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/Too many sign-in attempts/),
      url: "/signin?error=RateLimited",
    });
    expect(refused.headers.get("x-request-id")).toBeTruthy();

    expect((await guard(request("/api/auth/callback/oidc", { from: "198.51.100.2" }))).status).toBe(200);
    // Other doors have their own budgets, and signed-in pages none.
    expect((await guard(request("/git/demo.git/info/refs", { from: "198.51.100.1" }))).status).toBe(200);
    expect((await guard(request("/projects", { from: "198.51.100.1" }))).status).toBe(200);
    expect((await guard(request("/api/auth/session", { from: "198.51.100.1" }))).status).toBe(200);
  });

  it("shows a browser that returns from the identity provider past the limit a page that says so", async () => {
    const guard = createRequestGuard(settings({ limits: { ...settings().limits, signin: { points: 1, durationSec: 60 } } }));
    const nav = { from: "198.51.100.3", headers: { accept: "text/html,application/xhtml+xml" } };
    expect((await guard(request("/api/auth/callback/oidc?code=x", nav))).status).toBe(200);
    const page = await guard(request("/api/auth/callback/oidc?code=y", nav));
    expect(page.status).toBe(429);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/Too many sign-in attempts from your network\. Try again in \d+ s\./);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
  });

  it("limits Git requests per address with a text answer git shows", async () => {
    const guard = createRequestGuard(settings());
    for (let i = 0; i < 5; i++) expect((await guard(request("/git/demo.git/info/refs", { from: "198.51.100.4" }))).status).toBe(200);
    const refused = await guard(request("/git/demo.git/git-upload-pack", { from: "198.51.100.4", method: "POST" }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.text()).toMatch(/^Too many Git requests from your address\. Try again in \d+ s\.\n$/);
    expect((await guard(request("/git/demo.git/info/refs", { from: "198.51.100.5" }))).status).toBe(200);
  });

  it("limits /api/metrics and never /api/health, which probes call often", async () => {
    const guard = createRequestGuard(settings());
    for (let i = 0; i < 2; i++) expect((await guard(request("/api/metrics", { from: "198.51.100.6" }))).status).toBe(200);
    expect((await guard(request("/api/metrics", { from: "198.51.100.6" }))).status).toBe(429);
    for (let i = 0; i < 50; i++) expect((await guard(request("/api/health", { from: "198.51.100.6" }))).status).toBe(200);
  });

  it("keys on the address the nearest proxy saw: a forged X-Forwarded-For prefix gives no fresh budget", async () => {
    const guard = createRequestGuard(settings());
    for (let i = 0; i < 2; i++) await guard(request("/api/metrics", { from: `10.0.0.${i}, 203.0.113.9` }));
    expect((await guard(request("/api/metrics", { from: "10.9.9.9, 203.0.113.9" }))).status).toBe(429);
    // Behind two proxies (a CDN, then the ingress), the entry second from the right is the client.
    const twoHops = createRequestGuard(settings({ proxyHops: 2 }));
    for (let i = 0; i < 2; i++) await twoHops(request("/api/metrics", { from: `203.0.113.10, 192.0.2.${i}` }));
    expect((await twoHops(request("/api/metrics", { from: "203.0.113.10, 192.0.2.99" }))).status).toBe(429);
    expect((await twoHops(request("/api/metrics", { from: "203.0.113.11, 192.0.2.1" }))).status).toBe(200);
  });

  it("limits nothing when a limit is off", async () => {
    const guard = createRequestGuard(settings({ limits: { signin: null, git: null, public: null } }));
    for (let i = 0; i < 20; i++) expect((await guard(request("/api/auth/callback/dev", { from: "198.51.100.12", method: "POST" }))).status).toBe(200);
  });
});

describe("request ids", () => {
  it("keeps a client's id when it is short and id-shaped, on the response and for the app", async () => {
    const guard = createRequestGuard(settings());
    for (const id of ["req-12345678", "0af7651916cd43dd8448eb211c80319c", "trace:abc.DEF_42-x"]) {
      const res = await guard(request("/projects", { headers: { "x-request-id": id } }));
      expect(res.headers.get("x-request-id")).toBe(id);
      expect(forwarded(res, "x-request-id")).toBe(id);
    }
  });

  it("replaces an id that is too short, too long or not id-shaped with a fresh UUID", async () => {
    const guard = createRequestGuard(settings());
    for (const bad of ["short", "x".repeat(65), "has space 12345", "id\u00e9-12345678", "<script>alert(1)</script>", "a/b/c/d/e/f/g"]) {
      const res = await guard(request("/projects", { headers: { "x-request-id": bad } }));
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(forwarded(res, "x-request-id")).toBe(res.headers.get("x-request-id"));
    }
    const none = await guard(request("/projects"));
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("security headers of every response", () => {
  const directives = (csp: string | null) => new Map((csp ?? "").split(/;\s*/).map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));

  it("sends a CSP whose scripts need this response's nonce, with no plugins, framing or foreign base or forms", async () => {
    const guard = createRequestGuard(settings());
    const res = await guard(request("/projects"));
    const csp = res.headers.get("content-security-policy");
    const d = directives(csp);
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "")?.[1];
    expect(nonce).toBeTruthy();
    expect(d.get("default-src")).toEqual(["'self'"]);
    expect(d.get("script-src")).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("base-uri")).toEqual(["'self'"]);
    expect(d.get("form-action")).toEqual(["'self'", "https://id.example.com"]);
    // Next.js reads the nonce from the request's CSP for its own scripts; components read x-nonce.
    expect(forwarded(res, "content-security-policy")).toBe(csp);
    expect(forwarded(res, "x-nonce")).toBe(nonce);
    const again = await guard(request("/projects"));
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
  });

  it("allows eval only under next dev", async () => {
    const dev = await createRequestGuard(settings({ dev: true }))(request("/"));
    expect(directives(dev.headers.get("content-security-policy")).get("script-src")).toContain("'unsafe-eval'");
    const prod = await createRequestGuard(settings())(request("/"));
    expect(prod.headers.get("content-security-policy")).not.toMatch(/unsafe-eval/);
  });

  it("sends HSTS only when the portal is served over https", async () => {
    const plain = createRequestGuard(settings());
    expect((await plain(request("/"))).headers.get("strict-transport-security")).toBeNull();
    expect((await plain(request("/"))).headers.get("content-security-policy")).not.toMatch(/upgrade-insecure-requests/);
    const behindTls = await plain(request("/", { headers: { "x-forwarded-proto": "https" } }));
    expect(behindTls.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    const httpsUrl = await createRequestGuard(settings({ publicUrl: "https://wharf.example.com" }))(request("/"));
    expect(httpsUrl.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(httpsUrl.headers.get("content-security-policy")).toMatch(/upgrade-insecure-requests/);
  });
});
