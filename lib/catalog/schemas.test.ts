import { describe, expect, it } from "vitest";
import { ZCreateProject, ZLabels, ZProjectListQuery, ZProjectSlug, parseLabelText } from "./schemas";

const message = (v: unknown) => {
  const r = ZProjectSlug.safeParse(v);
  return r.success ? null : r.error.issues[0]!.message;
};

describe("project slugs (DNS-1123 labels)", () => {
  it("accepts lowercase letters, digits and dashes", () => {
    expect(message("checkout-api")).toBeNull();
    expect(message("a1")).toBeNull();
    expect(message("x".repeat(40))).toBeNull();
  });

  it("says what to fix", () => {
    expect(message("")).toBe("Enter a slug");
    expect(message("Checkout")).toBe("Use lowercase letters only");
    expect(message("check_out")).toBe("Use only letters, digits and '-'");
    expect(message("-checkout")).toBe("Start and end with a letter or digit");
    expect(message("checkout-")).toBe("Start and end with a letter or digit");
    expect(message("x".repeat(41))).toBe("At most 40 characters");
  });
});

describe("labels", () => {
  it("parses key=value text", () => {
    expect(parseLabelText("team=payments, pci=true")).toEqual({ team: "payments", pci: "true" });
    expect(parseLabelText("nonsense")).toEqual({ error: '"nonsense" is not key=value' });
  });

  it("follows Kubernetes label rules", () => {
    expect(ZLabels.safeParse({ "example.com/tier": "gold" }).success).toBe(true);
    expect(ZLabels.safeParse({ "bad key!": "x" }).success).toBe(false);
    expect(ZLabels.safeParse({ ok: "x".repeat(64) }).success).toBe(false);
  });
});

describe("a new project", () => {
  it("reports every bad field at its path", () => {
    const r = ZCreateProject.safeParse({ slug: "Bad Slug", name: "", teamId: "", ownerId: "", repositoryUrl: "ftp://x" });
    expect(r.success).toBe(false);
    const fields = new Set(r.error!.issues.map((i) => i.path.join(".")));
    expect(fields).toEqual(new Set(["slug", "name", "teamId", "ownerId", "repositoryUrl"]));
  });
});

describe("the projects list query", () => {
  it("falls back to defaults instead of failing on a bad URL", () => {
    expect(ZProjectListQuery.parse({ page: "-3", size: "7", sort: "evil", tier: "platinum" })).toMatchObject({
      page: 1,
      size: 20,
      sort: "name",
      tier: undefined,
    });
    expect(ZProjectListQuery.parse({ page: "2", size: "50", sort: "updated", dir: "desc", q: " pay " })).toMatchObject({
      page: 2,
      size: 50,
      sort: "updated",
      dir: "desc",
      q: "pay",
    });
  });
});
