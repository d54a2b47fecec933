import { describe, expect, it } from "vitest";
import { compileFilters, toLogQL } from "./filters";

describe("a viewer's filters", () => {
  it("keep the chosen levels only", () => {
    const f = compileFilters({ levels: ["error", "fatal"] });
    expect(f.keepsLine({ level: "error", text: "boom" })).toBe(true);
    expect(f.keepsLine({ level: "info", text: "GET / 200" })).toBe(false);
  });

  it("keep lines matching include and not matching exclude, case-insensitive with (?i)", () => {
    const f = compileFilters({ include: "(?i)order \\d+", exclude: "health" });
    expect(f.keepsLine({ level: "info", text: "ORDER 42 paid" })).toBe(true);
    expect(f.keepsLine({ level: "info", text: "order 42 healthcheck" })).toBe(false);
    expect(f.keepsLine({ level: "info", text: "cart 42" })).toBe(false);
  });

  it("choose clusters and pods before anything is opened, and keep all when none is given", () => {
    const f = compileFilters({ clusters: ["c1"], pods: ["web-1"] });
    expect([f.keepsCluster("c1"), f.keepsCluster("c2"), f.keepsPod("web-1"), f.keepsPod("web-2")]).toEqual([true, false, true, false]);
    const all = compileFilters({ clusters: [], pods: [] });
    expect([all.keepsCluster("c2"), all.keepsPod("web-2"), all.keepsLine({ level: "debug", text: "" })]).toEqual([true, true, true]);
  });

  it("are written as one LogQL query for a log store: selector, line filters, level", () => {
    const q = toLogQL(
      { namespace: "shop-dev", labels: { "app.kubernetes.io/name": "web" } },
      { pods: ["web-1", "web.2"], include: "(?i)timeout", exclude: "health", levels: ["error", "warn"] },
      ["east"],
    );
    expect(q).toBe(
      '{namespace="shop-dev", app_kubernetes_io_name="web", cluster=~"east", pod=~"web-1|web\\.2"} |~ `(?i)timeout` !~ `health` | level=~"error|warn"',
    );
  });
});
