import { describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { decodeSessionToken } from "./session";

const secret = "a-secret-of-at-least-thirty-two-characters!";

describe("reading the session cookie", () => {
  it("reads back the claims of a token next-auth signed in, with the key derived once", async () => {
    const token = await encode({ token: { sub: "u1", sid: "s1" }, secret });
    expect(await decodeSessionToken(token, secret)).toMatchObject({ sub: "u1", sid: "s1" });
    // A second request with the same secret (the cached key) reads it the same way.
    expect(await decodeSessionToken(token, secret)).toMatchObject({ sub: "u1", sid: "s1" });
  });

  it("refuses a token made with another secret, an expired one, and anything that is not a token", async () => {
    const other = await encode({ token: { sub: "u1" }, secret: "another-secret-of-at-least-thirty-two-chars" });
    await expect(decodeSessionToken(other, secret)).rejects.toThrow();
    const expired = await encode({ token: { sub: "u1" }, secret, maxAge: -60 });
    await expect(decodeSessionToken(expired, secret)).rejects.toThrow(/exp/);
    await expect(decodeSessionToken("not-a-token", secret)).rejects.toThrow();
  });
});
