import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeUser } from "@/test/factories";
import {
  checkGitToken,
  createGitToken,
  hashGitToken,
  LAST_USED_GRANULARITY_MS,
  listGitTokens,
  MAX_ACTIVE_GIT_TOKENS,
  recordGitTokenUse,
  revokeGitToken,
} from "./tokens";

describe("Git access tokens", () => {
  it("are created for oneself, kept only as their SHA-256, and their creation is audited without the token", async () => {
    const user = await makeUser("manager");
    const ctx = await ctxFor(user);
    const created = await createGitToken(ctx, { name: "laptop", days: 30 });
    expect(created.token).toMatch(/^wgt_[A-Za-z0-9_-]{43}$/);
    expect(created.expiresAt.getTime() - Date.now()).toBeGreaterThan(29.9 * 86_400_000);

    const row = await db().gitToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ userId: user.id, name: "laptop", hash: hashGitToken(created.token), hint: created.token.slice(0, 8) });
    expect(JSON.stringify(row)).not.toContain(created.token);

    const events = await db().auditEvent.findMany({ where: { action: "git.token.create", targetId: created.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, after: expect.objectContaining({ name: "laptop", owner: user.email }) });
    expect(JSON.stringify(events[0])).not.toContain(created.token);

    expect(await checkGitToken(created.token)).toMatchObject({ ok: true, userId: user.id });
  });

  it("last no longer than WHARF_GIT_TOKEN_DAYS (90 by default), and need a name", async () => {
    const ctx = await ctxFor(await makeUser("developer"));
    await expect(createGitToken(ctx, { name: "ci", days: 120 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      fieldErrors: { days: ["At most 90 days here"] },
    });
    await expect(createGitToken(ctx, { name: "  ", days: 7 })).rejects.toMatchObject({ code: "INVALID_INPUT", fieldErrors: { name: expect.any(Array) } });
  });

  it(`are limited to ${MAX_ACTIVE_GIT_TOKENS} active ones per person`, async () => {
    const user = await makeUser("developer");
    const ctx = await ctxFor(user);
    await db().gitToken.createMany({
      data: Array.from({ length: MAX_ACTIVE_GIT_TOKENS }, (_, i) => ({
        userId: user.id,
        name: `t${i}`,
        hash: `h-${user.id}-${i}`,
        hint: "wgt_xxxx",
        expiresAt: new Date(Date.now() + 86_400_000),
      })),
    });
    await expect(createGitToken(ctx, { name: "one more", days: 7 })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
  });

  it("a revoked token opens nothing; revoking is audited once, by whoever did it", async () => {
    const user = await makeUser("developer");
    const ctx = await ctxFor(user);
    const { id, token } = await createGitToken(ctx, { name: "old laptop", days: 7 });
    const { revokedAt } = await revokeGitToken(ctx, { id });
    expect(await checkGitToken(token)).toEqual({ ok: false, reason: "revoked", name: "old laptop", at: revokedAt });
    expect(await revokeGitToken(ctx, { id })).toEqual({ id, revokedAt });
    const events = await db().auditEvent.findMany({ where: { action: "git.token.revoke", targetId: id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, before: { revokedAt: null }, after: expect.objectContaining({ owner: user.email }) });
  });

  it("someone else's token does not exist for a developer; an admin lists and revokes anyone's", async () => {
    const owner = await makeUser("developer");
    const other = await makeUser("ops");
    const admin = await makeUser("admin");
    const { id, token } = await createGitToken(await ctxFor(owner), { name: "ci", days: 7 });

    await expect(revokeGitToken(await ctxFor(other), { id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(listGitTokens(await ctxFor(other), { userEmail: owner.email })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await listGitTokens(await ctxFor(other))).tokens).toEqual([]);

    const listed = await listGitTokens(await ctxFor(admin), { userEmail: owner.email.toUpperCase() });
    expect(listed.owner.id).toBe(owner.id);
    expect(listed.tokens.map((t) => t.name)).toEqual(["ci"]);
    await revokeGitToken(await ctxFor(admin), { id });
    expect(await checkGitToken(token)).toMatchObject({ ok: false, reason: "revoked" });
    const [row] = (await listGitTokens(await ctxFor(owner))).tokens;
    expect(row.revokedBy?.email).toBe(admin.email);
  });

  it("an expired token, a token of the old kind and a made-up one open nothing, each with its reason", async () => {
    const user = await makeUser("developer");
    const { id, token } = await createGitToken(await ctxFor(user), { name: "short", days: 1 });
    expect(await checkGitToken(token, Date.now() + 2 * 86_400_000)).toMatchObject({ ok: false, reason: "expired", name: "short" });
    await db().gitToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await checkGitToken(token)).toMatchObject({ ok: false, reason: "expired" });
    expect(await checkGitToken("wgt_eyJ1IjoidTEiLCJlIjoxODAzODExNDUzfQ.mNLcWAA2zMfcvPqPSqGZZSZer5r7AyaKBJJ4nEBrFXU")).toEqual({ ok: false, reason: "legacy" });
    expect(await checkGitToken(`wgt_${"A".repeat(43)}`)).toEqual({ ok: false, reason: "unknown" });
    expect(await checkGitToken("hunter2")).toEqual({ ok: false, reason: "unknown" });
  });

  it("record their last use at most every few minutes", async () => {
    const user = await makeUser("developer");
    const { id, token } = await createGitToken(await ctxFor(user), { name: "desktop", days: 7 });
    const lastUsed = async () => (await db().gitToken.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();

    const t0 = Date.now();
    const first = await checkGitToken(token, t0);
    if (!first.ok) throw new Error("token refused");
    await recordGitTokenUse(first, t0);
    expect((await lastUsed())?.getTime()).toBe(t0);

    // The next requests of the same clone write nothing.
    const second = await checkGitToken(token, t0 + 1000);
    if (!second.ok) throw new Error("token refused");
    await recordGitTokenUse(second, t0 + 1000);
    expect((await lastUsed())?.getTime()).toBe(t0);

    await recordGitTokenUse(second, t0 + LAST_USED_GRANULARITY_MS + 1);
    expect((await lastUsed())?.getTime()).toBe(t0 + LAST_USED_GRANULARITY_MS + 1);
  });
});
