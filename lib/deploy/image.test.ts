/** Image references as releases store them: the tag people read, whether or not a CI promotion pinned a digest. */
import { describe, expect, it } from "vitest";
import { digestOf, tagOfImage } from "./image";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("image references", () => {
  it("shows the tag of an image pinned by its digest, not the digest", () => {
    expect(tagOfImage(`registry.wharf.local/shop/api:develop@${DIGEST}`)).toBe("develop");
    expect(digestOf(`registry.wharf.local/shop/api:develop@${DIGEST}`)).toBe(DIGEST);
  });

  it("reads plain tags, registry ports and untagged images as before", () => {
    expect(tagOfImage("registry.wharf.local/shop/api:v2")).toBe("v2");
    expect(tagOfImage("localhost:5000/shop/api:v3-oob")).toBe("v3-oob");
    expect(tagOfImage("localhost:5000/shop/api")).toBe("latest");
    expect(tagOfImage("")).toBe("latest");
    expect(digestOf("registry.wharf.local/shop/api:v2")).toBeUndefined();
  });
});
