import { describe, expect, it } from "vitest";
import { secretEquals } from "./compare";

describe("comparing a secret a client sent", () => {
  it("accepts the same secret and refuses anything else, whatever its length", () => {
    expect(secretEquals("s3cret-token-0123456789", "s3cret-token-0123456789")).toBe(true);
    expect(secretEquals("s3cret-token-012345678", "s3cret-token-0123456789")).toBe(false);
    expect(secretEquals("", "s3cret-token-0123456789")).toBe(false);
    expect(secretEquals(undefined, "s3cret-token-0123456789")).toBe(false);
    expect(secretEquals("S3cret-token-0123456789", "s3cret-token-0123456789")).toBe(false);
  });
});
