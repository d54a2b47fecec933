import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeUser } from "@/test/factories";
import { issueGitTokenFor } from "./issue";
import { issueGitToken, verifyGitToken } from "./token";

describe("Git access tokens", () => {
  it("verify to their user until they expire; a changed character or another secret fails", () => {
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = issueGitToken("user-1", { now, days: 30, secret: "s".repeat(40) });
    expect(expiresAt.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(verifyGitToken(token, { now, secret: "s".repeat(40) })?.userId).toBe("user-1");
    expect(verifyGitToken(token, { now: expiresAt.getTime(), secret: "s".repeat(40) })).toBeNull();
    expect(verifyGitToken(token, { now, secret: "t".repeat(40) })).toBeNull();
    expect(
      verifyGitToken(
        token.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
        { now, secret: "s".repeat(40) },
      ),
    ).toBeNull();
    expect(verifyGitToken("not-a-token", { now })).toBeNull();
  });

  it("issuing one to a person is recorded in the audit log, without the token", async () => {
    const user = await makeUser("developer");
    const ctx = await ctxFor(user);
    const { token } = await issueGitTokenFor(ctx);
    expect(verifyGitToken(token)?.userId).toBe(user.id);
    const events = await db().auditEvent.findMany({ where: { action: "git.token.issue", targetId: user.id } });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0])).not.toContain(token);
  });
});
