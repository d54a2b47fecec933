/**
 * Errors of the real database, as they arrive through @prisma/adapter-pg and
 * node-postgres, read as what a person can act on: a refused value is
 * INVALID_INPUT at the field that held it; anything else stays a bug.
 */
import { describe, expect, it } from "vitest";
import pg from "pg";
import { db } from "./client";
import { appErrorFromDb, postgresErrorOf } from "./errors";

const caught = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable("the query succeeded"),
    (e: unknown) => e,
  );

describe("a value Postgres refuses", () => {
  it("an id beyond int4 reads as INVALID_INPUT at the field that held it", async () => {
    const e = await caught(db().ticket.findUnique({ where: { number: 99_999_999_999 } }));
    expect(postgresErrorOf(e)?.code).toBe("22003");
    expect(appErrorFromDb(e, { ticket: { number: "99999999999" } })).toMatchObject({
      code: "INVALID_INPUT",
      status: 422,
      fieldErrors: { "ticket.number": ["is out of range (at most 2147483647)"] },
    });
  });

  it("a number beyond 64 bits, refused by Prisma before Postgres, reads as INVALID_INPUT at the field however it was written", async () => {
    const e = await caught(db().ticket.findUnique({ where: { number: 1e30 } }));
    expect(appErrorFromDb(e, { number: "1e30" })).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { number: ["is out of range"] } });
  });

  it("text that is not a number, or not an allowed value, reads as INVALID_INPUT at its field", async () => {
    const notNumber = await caught(db().$queryRaw`select ${"twelve"}::int`);
    expect(appErrorFromDb(notNumber, { count: "twelve" })?.fieldErrors).toEqual({ count: ["is not a valid whole number"] });
    const notAllowed = await caught(db().$queryRaw`select ${"birthday"}::"TicketStatus"`);
    expect(appErrorFromDb(notAllowed, { status: "birthday" })?.fieldErrors).toEqual({ status: ["is not one of the allowed values"] });
  });

  it("a NUL byte reads as INVALID_INPUT of the form, from Prisma and from a plain node-postgres client", async () => {
    const viaPrisma = await caught(db().team.findUnique({ where: { slug: "a\u0000b" } }));
    expect(appErrorFromDb(viaPrisma)).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { _form: [expect.stringMatching(/cannot be stored/)] } });
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const viaPg = await caught(client.query("select $1::text", ["a\u0000b"]));
      expect(postgresErrorOf(viaPg)?.code).toBe("22021");
      expect(appErrorFromDb(viaPg)?.code).toBe("INVALID_INPUT");
    } finally {
      await client.end();
    }
  });
});

describe("errors that are not the input's fault", () => {
  it("stay unmapped, so they are logged and answered INTERNAL", async () => {
    const tooMuch = await caught(db().$queryRaw`select 1/0`);
    expect(appErrorFromDb(tooMuch)).toBeNull();
    expect(appErrorFromDb(new Error("boom"))).toBeNull();
    // Not the database's: a cluster or a chat webhook that refused the connection is not "Wharf is busy".
    expect(appErrorFromDb(Object.assign(new Error("connect ECONNREFUSED 10.0.0.9:443"), { code: "ECONNREFUSED", syscall: "connect", errno: -111 }))).toBeNull();
  });
});
