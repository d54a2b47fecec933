import { describe, expect, it } from "vitest";
import {
  ZAddService,
  ZCreateProject,
  ZCreateTeam,
  ZLabels,
  ZName,
  ZProjectListQuery,
  projectSearch,
  ZProjectSlug,
  ZRegisterCluster,
  ZUpdateCluster,
  ZUpdateProject,
  ZUpdateTeam,
  parseLabelText,
  zName,
} from "./schemas";

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

  it("searches the first 100 characters of a longer search from a URL instead of showing every project", () => {
    const words = `payments ${"x".repeat(95)} ledger`;
    expect(ZProjectListQuery.parse({ q: words }).q).toBe(words.slice(0, 100));
    expect(ZProjectListQuery.parse({ q: `  ${"a".repeat(99)} b` }).q).toBe("a".repeat(99));
    expect(ZProjectListQuery.parse({ q: "   " }).q).toBe("");
    expect(projectSearch(" pay ")).toBe("pay");
  });
});

describe("names (projects, teams, services, clusters)", () => {
  const nameMessage = (v: string) => {
    const r = ZName.safeParse(v);
    return r.success ? null : r.error.issues[0]!.message;
  };

  it("accepts one line of visible characters in any script, trimmed", () => {
    expect(ZName.parse("  Checkout API  ")).toBe("Checkout API");
    for (const ok of ["Zahlungsverkehr (Müller & Söhne)", "支付服务", "خدمة الدفع", "O'Brien's \"shop\" #1: $5 {x}", "🚀 launch"]) {
      expect(nameMessage(ok)).toBeNull();
    }
  });

  it("refuses a line break that would inject code into the generated Jenkinsfile, saying what to remove and where", () => {
    expect(nameMessage("Shop\nsh 'rm -rf /'")).toBe("Remove the line break (U+000A) at character 5: a name is one line of visible characters");
    expect(nameMessage("Shop\r\nx")).toBe("Remove the line break (U+000D) at character 5: a name is one line of visible characters");
    expect(nameMessage("a\u2028b")).toBe("Remove the line break (U+2028) at character 2: a name is one line of visible characters");
  });

  it("refuses tabs, NUL, DEL, C1 controls and text-direction overrides", () => {
    expect(nameMessage("a\tb")).toMatch(/^Remove the tab at character 2/);
    expect(nameMessage("a\u0000b")).toMatch(/^Remove the NUL character at character 2/);
    expect(nameMessage("ab\u007f")).toMatch(/^Remove the control character U\+007F at character 3/);
    expect(nameMessage("\u0085ab")).toMatch(/^Remove the control character U\+0085 at character 1/);
    expect(nameMessage("\u009bab")).toMatch(/^Remove the control character U\+009B/);
    for (const bidi of ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]) {
      expect(nameMessage(`pay${bidi}ment`)).toMatch(/^Remove the text-direction control \(U\+20[26][0-9A-E]\) at character 4/);
    }
    // Positions count characters as people see them, not UTF-16 units.
    expect(nameMessage("🚀\u202eab")).toMatch(/at character 2:/);
  });

  it("is the rule of every name field of the catalog, reported on the field", () => {
    const bad = "Shop\nsh 'rm -rf /'";
    const fieldsOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => r.error?.issues.map((i) => i.path.join("."));
    expect(fieldsOf(ZCreateTeam.safeParse({ slug: "shop", name: bad }))).toEqual(["name"]);
    expect(fieldsOf(ZUpdateTeam.safeParse({ id: "t", version: 1, name: bad }))).toEqual(["name"]);
    expect(fieldsOf(ZCreateProject.safeParse({ slug: "shop", name: bad, teamId: "t", ownerId: "u" }))).toEqual(["name"]);
    expect(fieldsOf(ZUpdateProject.safeParse({ id: "p", version: 1, name: bad, teamId: "t", ownerId: "u" }))).toEqual(["name"]);
    expect(fieldsOf(ZAddService.safeParse({ projectId: "p", slug: "api", name: bad }))).toEqual(["name"]);
    const cluster = { name: "east", region: "eu-1", kubeconfig: "x" };
    expect(fieldsOf(ZRegisterCluster.safeParse({ ...cluster, displayName: bad }))).toEqual(["displayName"]);
    expect(fieldsOf(ZUpdateCluster.safeParse({ id: "c", version: 1, region: "eu-1", tier: "prod", displayName: bad }))).toEqual(["displayName"]);
    expect(ZRegisterCluster.parse(cluster).displayName).toBe("");
  });

  it("zName(max) is the same rule with its own length and wording", () => {
    const short = zName(10, { what: "project name" });
    expect(short.safeParse("x".repeat(11)).error?.issues[0]?.message).toBe("At most 10 characters");
    expect(short.safeParse("").error?.issues[0]?.message).toBe("Enter a project name");
    expect(short.safeParse("a\nb").error?.issues[0]?.message).toBe(
      "Remove the line break (U+000A) at character 2: a project name is one line of visible characters",
    );
  });
});
