/** proxy.ts's guard on real NextRequests: request ids, CSP and HSTS. */
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { createRequestGuard, type GuardSettings } from "./guard";

const settings = (over: Partial<GuardSettings> = {}): GuardSettings => ({
  dev: false,
  publicUrl: "http://localhost:3000",
  oidcIssuer: "https://id.example.com/realms/acme",
  ...over,
});

function request(path: string, opts: { method?: string; headers?: Record<string, string> } = {}) {
  const headers = new Headers(opts.headers);
  return new NextRequest(`http://localhost:3000${path}`, { method: opts.method ?? "GET", headers });
}

/** What proxy.ts hands on to the page or route: the request headers Next.js forwards. */
const forwarded = (res: Response, name: string) => res.headers.get(`x-middleware-request-${name}`);

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
