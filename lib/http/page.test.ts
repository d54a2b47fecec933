/**
 * What a page answers when its read is refused: 403 with the no-access page,
 * 404 where the record must not leak or cannot exist, never a 500. Next turns
 * the thrown digests into the status (e2e/access-pages.spec.ts checks it in
 * the built app); here the real domain reads run against the database.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { getServicePage } from "@/lib/deploy/service-page";
import { getTicket } from "@/lib/tickets/query";
import { getTeam } from "@/lib/catalog/teams";
import { busyError } from "@/lib/db/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { pageParams, pageRead } from "./page";

// next.config.ts turns on experimental.authInterrupts; Next's build defines this for forbidden().
process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

const answer = (p: Promise<unknown>) =>
  p.then(
    () => "rendered",
    (e: unknown) => (e as { digest?: string }).digest ?? e,
  );
const FORBIDDEN = "NEXT_HTTP_ERROR_FALLBACK;403";
const NOT_FOUND = "NEXT_HTTP_ERROR_FALLBACK;404";

let outsider: Ctx;
let project: { slug: string };

beforeAll(async () => {
  outsider = await ctxFor(await makeUser("developer"));
  const owner = await makeUser("developer");
  const p = await makeProject({ owner, lifecycle: "active" });
  await db().service.create({ data: { projectId: p.id, slug: "api", name: "API" } });
  project = p;
});

describe("a page whose read the domain refuses", () => {
  it("answers 403 (the no-access page) for a service of a project the user is not in, where it used to be a 500", async () => {
    expect(await answer(pageRead(getServicePage(outsider, project.slug, "api")))).toBe(FORBIDDEN);
  });

  it("answers 404 instead where the record's existence must not leak", async () => {
    expect(await answer(pageRead(getServicePage(outsider, project.slug, "api"), { hide: true }))).toBe(NOT_FOUND);
  });

  it("answers 404 for a record that does not exist", async () => {
    expect(await answer(pageRead(getTeam(outsider, "no-such-team")))).toBe(NOT_FOUND);
  });
});

describe("a page given an address no record can have", () => {
  it("answers 404 for an id beyond int4 (Postgres refuses it) instead of a 500", async () => {
    expect(await answer(pageRead(getTicket(outsider, 99_999_999_999), { hide: true }))).toBe(NOT_FOUND);
    expect(await answer(pageRead(getTicket(outsider, 1e30), { hide: true }))).toBe(NOT_FOUND);
  });

  it("answers 404 for a NUL byte or half a UTF-16 pair in its parameters, before any read", async () => {
    expect(await answer(pageParams(Promise.resolve({ slug: "a\u0000b" })))).toBe(NOT_FOUND);
    expect(await answer(pageParams(Promise.resolve({ q: "\ud800" })))).toBe(NOT_FOUND);
    expect(await pageParams(Promise.resolve({ slug: "payments", q: "💳" }))).toEqual({ slug: "payments", q: "💳" });
  });
});

describe("a page whose read meets a busy database", () => {
  it("goes on to the error boundary with the busy error (a page cannot answer 503)", async () => {
    const busy = busyError(new Error("Transaction API error: Unable to start a transaction in the given time."));
    expect(await answer(pageRead(Promise.reject(busy)))).toBe(busy);
  });
});
