/** Unreadable text is found wherever it hides in raw input, and named by its field as zod would name it. */
import { describe, expect, it } from "vitest";
import { findUnreadableText } from "./input";

describe("unreadable text in raw input", () => {
  it("finds a NUL byte in a nested field and names the field", () => {
    expect(findUnreadableText({ project: { name: "ok", labels: { team: "a\u0000b" } } })).toMatchObject({
      field: "project.labels.team",
      message: expect.stringMatching(/NUL/),
    });
  });

  it("finds half of a UTF-16 pair (a lone surrogate) in an array item", () => {
    expect(findUnreadableText({ members: [{ email: "a@b.c" }, { email: "x\ud800" }] })).toMatchObject({
      field: "members.1.email",
      message: expect.stringMatching(/broken character/),
    });
    expect(findUnreadableText({ note: "\udc00 trailing half" })?.field).toBe("note");
  });

  it("finds it in a key, in form data and in a query string", () => {
    expect(findUnreadableText({ labels: { "te\u0000am": "x" } })?.field).toBe("labels.te\u0000am");
    const form = new FormData();
    form.set("comment", "hi\u0000");
    expect(findUnreadableText(form)?.field).toBe("comment");
    expect(findUnreadableText(new URLSearchParams("q=%00"))?.field).toBe("q");
    expect(findUnreadableText("\u0000")?.field).toBe("_form");
  });

  it("lets every real character through, emoji and other scripts included", () => {
    expect(findUnreadableText({ name: "Zahlungen 💳 支付 café", n: 99999999999, when: new Date(), none: null, list: ["a", "b"] })).toBeNull();
  });

  it("refuses input nested deeper than any form of Wharf", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(findUnreadableText(deep)?.message).toMatch(/nested more than 64 levels/);
  });
});
