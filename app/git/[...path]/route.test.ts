/** Failed Git sign-ins are limited per client address (WHARF_RATE_LIMIT_GIT_AUTH_FAILURES), through the real route handler. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";

// The route reads the process configuration once: three failures per minute, a store of its own, credentials required.
process.env.WHARF_RATE_LIMIT_GIT_AUTH_FAILURES = "3/1m";
process.env.WHARF_REPO_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-git-limit-"));
delete process.env.WHARF_GIT_PUBLIC_READ;
const route = await import("./route");

function advertise(address: string, password?: string) {
  const headers = new Headers({ "x-forwarded-for": address });
  if (password !== undefined) headers.set("authorization", `Basic ${Buffer.from(`dana@example.com:${password}`).toString("base64")}`);
  const req = new NextRequest("http://portal.test/git/demo.git/info/refs?service=git-upload-pack", { headers });
  return route.GET(req, { params: Promise.resolve({ path: ["demo.git", "info", "refs"] }) });
}

describe("failed Git sign-ins", () => {
  it("after three wrong tokens from one address, Git answers 429 with Retry-After and a sentence to act on", async () => {
    for (let i = 0; i < 3; i++) expect((await advertise("198.51.100.7", `wgt_wrong_${i}`)).status).toBe(401);
    const refused = await advertise("198.51.100.7", "wgt_wrong_again");
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.text()).toMatch(/Too many failed Git sign-ins from your address: check your e-mail and token .* Try again in \d+ s\./);
  });

  it("leaves other addresses, and git's first request without credentials, unaffected", async () => {
    for (let i = 0; i < 4; i++) await advertise("198.51.100.8", `wgt_wrong_${i}`);
    expect((await advertise("198.51.100.8", "wgt_wrong")).status).toBe(429);
    // Another address still gets the ordinary answer to a wrong token.
    expect((await advertise("198.51.100.9", "wgt_wrong")).status).toBe(401);
    // The blocked address still gets git's challenge (nothing was tried, nothing is counted).
    const challenge = await advertise("198.51.100.8");
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get("www-authenticate")).toMatch(/^Basic/);
  });

  it("does not count git's credential-less challenges as failures", async () => {
    for (let i = 0; i < 10; i++) expect((await advertise("198.51.100.10")).status).toBe(401);
    expect((await advertise("198.51.100.10", "wgt_wrong")).status).toBe(401);
  });
});
