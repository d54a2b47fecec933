/**
 * Bad input sent to a server action is answered INVALID_INPUT at its field,
 * whatever the schema let through; never INTERNAL. The actions are run
 * through runAction, the path defineAction takes, with a real actor.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { createTeam, updateTeam } from "@/lib/catalog/teams";
import { ZCreateTeam, ZUpdateTeam } from "@/lib/catalog/schemas";
import { ctxFor, makeUser } from "@/test/factories";
import { runAction, type ActionCaller } from "./run-action";

// The definitions of lib/catalog/team-actions.ts.
const createTeamAction = { name: "team.create", schema: ZCreateTeam, handler: (input: Parameters<typeof createTeam>[1], ctx: Ctx) => createTeam(ctx, input) };
const updateTeamAction = { name: "team.update", schema: ZUpdateTeam, handler: (input: Parameters<typeof updateTeam>[1], ctx: Ctx) => updateTeam(ctx, input) };

let admin: Ctx;
const as = (ctx: Ctx): ActionCaller => ({ requestId: ctx.requestId, actor: async () => ctx.actor });

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
});

describe("a server action given text Postgres cannot take", () => {
  it("refuses a NUL byte in a text field as INVALID_INPUT at that field, and saves nothing", async () => {
    const result = await runAction(createTeamAction, { slug: "nul-team", name: "Nul", description: "before\u0000after" }, as(admin));
    expect(result).toEqual({
      ok: false,
      error: {
        code: "INVALID_INPUT",
        message: "Some fields need attention.",
        fieldErrors: { description: [expect.stringMatching(/NUL character/)] },
        requestId: admin.requestId,
      },
    });
    expect(await db().team.count({ where: { slug: "nul-team" } })).toBe(0);
  });

  it("refuses half of a UTF-16 pair instead of saving a replacement character in its place", async () => {
    const result = await runAction(createTeamAction, { slug: "surrogate-team", name: "Team \ud800", description: "" }, as(admin));
    expect(result).toMatchObject({ ok: false, error: { code: "INVALID_INPUT", fieldErrors: { name: [expect.stringMatching(/broken character/)] } } });
    expect(await db().team.count({ where: { slug: "surrogate-team" } })).toBe(0);
  });
});

describe("a server action given a number beyond what the database stores", () => {
  it("answers INVALID_INPUT at that field, not INTERNAL", async () => {
    const created = await runAction(createTeamAction, { slug: "range-team", name: "Range", description: "" }, as(admin));
    expect(created.ok).toBe(true);
    const team = await db().team.findUniqueOrThrow({ where: { slug: "range-team" } });
    const result = await runAction(updateTeamAction, { id: team.id, version: 99_999_999_999, name: "Range 2", description: "" }, as(admin));
    expect(result).toMatchObject({ ok: false, error: { code: "INVALID_INPUT", fieldErrors: { version: ["is out of range (at most 2147483647)"] } } });
    expect((await db().team.findUniqueOrThrow({ where: { id: team.id } })).name).toBe("Range");
  });
});
