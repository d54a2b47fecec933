/**
 * Rate limits of the portal's unauthenticated doors: sign-in, Git smart HTTP
 * (and failed Basic-auth attempts on it) and public API routes. Counters live
 * in this process's memory (rate-limiter-flexible's RateLimiterMemory): with
 * several web instances each counts on its own, so a client may get up to
 * N x the limit through a load balancer that spreads its requests. See
 * docs/architecture.md for making them shared.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/** `<points>` requests per `<durationSec>` seconds; null: no limit. */
export type RateLimitRule = { points: number; durationSec: number } | null;

export type RateDecision = { ok: true } | { ok: false; retryAfterSec: number };

export interface RateLimit {
  /** Counts one request of `key`; refused once the key has used its points in the window. */
  consume(key: string): Promise<RateDecision>;
  /** Whether `key` has used its points, without counting anything (for limits counted after the fact, like failed sign-ins). */
  check(key: string): Promise<RateDecision>;
  /** Counts one event of `key` (a failed attempt) without refusing anything now. */
  record(key: string): Promise<void>;
}

const UNLIMITED: RateLimit = {
  consume: async () => ({ ok: true }),
  check: async () => ({ ok: true }),
  record: async () => {},
};

const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

export function createRateLimit(rule: RateLimitRule): RateLimit {
  if (!rule) return UNLIMITED;
  const limiter = new RateLimiterMemory({ points: rule.points, duration: rule.durationSec });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { ok: true };
      } catch (e) {
        // The memory store refuses with the key's state; anything else is a bug worth seeing.
        if (e instanceof RateLimiterRes) return { ok: false, retryAfterSec: retryAfter(e) };
        throw e;
      }
    },
    async check(key) {
      const res = await limiter.get(key);
      return res && res.consumedPoints >= rule.points ? { ok: false, retryAfterSec: retryAfter(res) } : { ok: true };
    },
    async record(key) {
      await limiter.penalty(key, 1);
    },
  };
}

/**
 * The client's address as the nearest `hops` proxies saw it: the entry `hops`
 * places from the right of X-Forwarded-For (entries further left were written
 * by the client and can be anything). Next.js fills the header with the
 * socket's address when a request arrives without one.
 */
export function clientAddress(headers: Headers, hops: number): string {
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const entry = entries[Math.max(0, entries.length - hops)] ?? "unknown";
  // A key, not an address we act on: bounded so that a forged header cannot grow the counters' memory.
  return entry.slice(0, 64);
}

/** The 429 answer: Retry-After in seconds, a sentence a person can act on, in the shape the client reads. */
export function tooManyRequests(
  retryAfterSec: number,
  message: string,
  opts: { format: "json" | "text" | "html"; requestId?: string; extra?: Record<string, string> },
): Response {
  // The page has no script, style or form of its own: the strictest policy.
  const headers = {
    "retry-after": String(retryAfterSec),
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  };
  const sentence = `${message} Try again in ${retryAfterSec} s.`;
  if (opts.format === "json") {
    return Response.json({ code: "RATE_LIMITED", message: sentence, requestId: opts.requestId, ...opts.extra }, { status: 429, headers });
  }
  if (opts.format === "html") {
    const escaped = sentence.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many requests · Wharf</title></head><body><h1>Too many requests</h1><p>${escaped}</p><p><a href="/signin">Back to sign-in</a></p></body></html>`;
    return new Response(html, { status: 429, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
  }
  return new Response(`${sentence}\n`, { status: 429, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
}
