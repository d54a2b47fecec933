/**
 * The browser-facing security headers that depend on the request: the
 * Content-Security-Policy with a fresh nonce per response, HSTS when the
 * portal is served over https, and the request id. The fixed headers
 * (Permissions-Policy, X-Frame-Options, ...) are in next.config.ts.
 */

export interface CspOptions {
  nonce: string;
  /** `next dev`: React needs eval for its debugging aids, and the dev overlay inline styles. */
  dev: boolean;
  /** Origins besides our own that a form on our pages may submit to (the OIDC issuer). */
  formActionOrigins: string[];
  /** Served over https: ask the browser to upgrade any http:// subresource. */
  https: boolean;
}

/**
 * Scripts: only those carrying this response's nonce, and what they load
 * ('strict-dynamic': Next.js's chunk loader). Next.js reads the nonce from the
 * request's CSP header and puts it on its own scripts; every page is rendered
 * per request (the root layout reads the request's headers), so no cached
 * page carries a stale nonce.
 * Styles: 'unsafe-inline', because React `style` attributes (Radix, Recharts)
 * and CodeMirror's injected style sheets cannot carry a nonce; styles cannot
 * run code.
 */
export function contentSecurityPolicy(o: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", "'self'", `'nonce-${o.nonce}'`, "'strict-dynamic'", ...(o.dev ? ["'unsafe-eval'"] : [])],
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'", "data:"],
    ["connect-src", "'self'"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'", ...o.formActionOrigins],
    ["frame-ancestors", "'none'"],
    ...(o.https ? ([["upgrade-insecure-requests"]] as [string][]) : []),
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

/** 128 random bits, base64: what CSP nonces should be. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** Whether the browser reached the portal over https: its public URL says so, or the proxy in front does. */
export function servedOverHttps(headers: Headers, publicUrl: string | undefined): boolean {
  if (publicUrl?.startsWith("https://")) return true;
  return headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** Two years, subdomains of the portal's host included (browsers ignore the header over plain http). */
export const HSTS = "max-age=63072000; includeSubDomains";

/** A client's x-request-id is kept only when it looks like an id; anything else gets a fresh one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function acceptRequestId(given: string | null): string {
  return given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}
