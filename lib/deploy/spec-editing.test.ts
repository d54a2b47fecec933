import { describe, expect, it } from "vitest";
import { decimalOrText, flattenFieldErrors, lineRange, numberOrText, problemText, specFieldErrors, stableJson } from "./spec-editing";
import { ZAppSpec, parseSpecYaml } from "./spec";

describe("the spec editor's helpers", () => {
  it("write a problem as its line, path and message", () => {
    expect(problemText({ line: 12, path: "resources.requests.cpu", message: "must not exceed the limit (500m)" })).toBe(
      "line 12: resources.requests.cpu must not exceed the limit (500m)",
    );
    expect(problemText({ path: "replicas", message: "Invalid input: expected number, received string" })).toBe(
      "replicas: Invalid input: expected number, received string",
    );
    expect(problemText({ line: 3, path: "", message: "Missing closing quote" })).toBe("line 3: Missing closing quote");
    expect(problemText({ line: 52, path: "", message: "Map keys must be unique at line 52, column 1:" })).toBe("line 52: Map keys must be unique");
  });

  it("find a line's characters for the editor's gutter, clamped to the text", () => {
    const text = "a: 1\nbb: 2\n\nccc: 3";
    expect(lineRange(text, 1)).toEqual({ from: 0, to: 4 });
    expect(lineRange(text, 2)).toEqual({ from: 5, to: 10 });
    expect(lineRange(text, 3)).toEqual({ from: 11, to: 11 });
    expect(lineRange(text, 99)).toEqual({ from: 12, to: 18 });
    expect(lineRange(text, undefined)).toEqual({ from: 0, to: 4 });
    const bad = "image:\n  repository: a\nreplicas: x\n";
    const r = parseSpecYaml(bad);
    expect(r.ok ? null : bad.slice(lineRange(bad, r.problems[0]!.line).from, lineRange(bad, r.problems[0]!.line).to)).toBe("replicas: x");
  });

  it("list a react-hook-form error tree with dotted paths, array errors included", () => {
    const errors = {
      replicas: { type: "too_small", message: "Too small", ref: {} },
      ports: [undefined, { name: { type: "custom", message: '"http" is used twice' } }],
      env: { root: { type: "custom", message: "too many" } },
      resources: { requests: { nvidia: { "com/gpu": { type: "custom", message: "must equal limits.nvidia.com/gpu" } } } },
    };
    expect(flattenFieldErrors(errors)).toEqual([
      { path: "replicas", message: "Too small" },
      { path: "ports.1.name", message: '"http" is used twice' },
      { path: "env", message: "too many" },
      { path: "resources.requests.nvidia.com/gpu", message: "must equal limits.nvidia.com/gpu" },
    ]);
  });

  it("map the server's spec.<path> field errors to the document's paths", () => {
    expect(specFieldErrors({ "spec.ports.1.name": ['"http" is used twice'], comment: ["too long"], "spec.replicas": ["a", "b"] })).toEqual([
      { path: "ports.1.name", message: '"http" is used twice' },
      { path: "replicas", message: "a b" },
    ]);
    expect(specFieldErrors(undefined)).toEqual([]);
  });

  it("read a port or a surge as a number when it is digits, else as text", () => {
    expect(numberOrText("8080")).toBe(8080);
    expect(numberOrText("http")).toBe("http");
    expect(numberOrText("25%")).toBe("25%");
  });

  it("read an objective as a decimal while it is typed, and leave anything else for the schema to name at its field", () => {
    expect(decimalOrText("0.02")).toBe(0.02);
    expect(decimalOrText("0.")).toBe(0);
    expect(decimalOrText(".5")).toBe(0.5);
    expect(decimalOrText("1e-3")).toBe(0.001);
    expect(decimalOrText("2%")).toBe("2%");
    const base = { image: { repository: "registry.example.com/shop/api" } }; // the other fields are not what this is about
    const issues = (objectives: Record<string, unknown>) =>
      (ZAppSpec.safeParse({ ...base, objectives }).error?.issues ?? []).filter((i) => i.path[0] === "objectives").map((i) => [i.path.join("."), i.message]);
    expect(issues({ errorRatio: decimalOrText("2%") })).toEqual([["objectives.errorRatio", "must be a number between 0 and 1, e.g. 0.01 for 1% of requests"]]);
    expect(issues({ errorRatio: decimalOrText("5") })).toEqual([["objectives.errorRatio", "must be below 1 (a share of requests: 0.01 is 1%)"]]);
    expect(issues({ latencyP99Seconds: decimalOrText("0") })).toEqual([["objectives.latencyP99Seconds", "must be above 0 seconds"]]);
    expect(issues({ errorRatio: decimalOrText("0.02"), latencyP99Seconds: decimalOrText("1.5") })).toEqual([]);
  });

  it("compare documents whatever the order of their keys", () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(stableJson({ a: { d: [{ y: 2, z: 1 }] }, b: 1 }));
    expect(stableJson({ a: [1, 2] })).not.toBe(stableJson({ a: [2, 1] }));
  });
});
