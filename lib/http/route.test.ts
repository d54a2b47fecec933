/**
 * Route handlers answer bad input in the path, query or body with 422
 * INVALID_INPUT naming the parameter, never 500. The real routes run with a
 * real actor (withActor) in place of the session cookie.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { NextRequest, NextResponse } from "next/server";
import type { Ctx } from "@/lib/context";
import { ctxFor, makeUser } from "@/test/factories";
import { GET as ticketProgress } from "@/app/api/tickets/[number]/route";
import { GET as matrix } from "@/app/api/matrix/route";
import { defineRoute } from "./route";

let developer: Ctx;
const actor = () => async () => developer.actor;
const request = (path: string, init?: ConstructorParameters<typeof NextRequest>[1]) => new NextRequest(new URL(path, "http://wharf.test"), init);

beforeAll(async () => {
  developer = await ctxFor(await makeUser("developer"));
});

describe("a route handler given an id beyond what the database stores", () => {
  it("answers 422 INVALID_INPUT at that parameter, not 500", async () => {
    const res = await ticketProgress.withActor(actor())(request("/api/tickets/99999999999"), { params: Promise.resolve({ number: "99999999999" }) });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { number: ["is out of range (at most 2147483647)"] } });
    const beyond64 = await ticketProgress.withActor(actor())(request("/api/tickets/1e30"), { params: Promise.resolve({ number: "1e30" }) });
    expect(beyond64.status).toBe(422);
    expect(await beyond64.json()).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { number: ["is out of range"] } });
  });
});

describe("a route handler given text Postgres cannot take", () => {
  it("answers 422 at the query parameter holding a NUL byte, not 500", async () => {
    const res = await matrix.withActor(actor())(request("/api/matrix?project=%00"), { params: Promise.resolve({}) });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { project: [expect.stringMatching(/NUL character/)] } });
  });

  it("answers 422 at the body field holding half of a UTF-16 pair, before the handler runs", async () => {
    let ran = false;
    const echo = defineRoute("/test/echo", async (req) => {
      ran = true;
      return NextResponse.json(await req.json());
    });
    const res = await echo.withActor(actor())(
      request("/test/echo", { method: "POST", headers: { "content-type": "application/json" }, body: '{"service":{"name":"api\\ud800"}}' }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { "service.name": [expect.stringMatching(/broken character/)] } });
    expect(ran).toBe(false);
  });

  it("answers 422 to a body that says it is JSON and is not", async () => {
    const echo = defineRoute("/test/echo", async () => NextResponse.json({}));
    const res = await echo.withActor(actor())(request("/test/echo", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { _form: [expect.stringMatching(/not valid JSON/)] } });
  });
});
