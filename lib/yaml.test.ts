import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isAmbiguousYamlString, toYaml, toYamlDocuments } from "./yaml";

/** Strings a YAML 1.1 reader (kubectl's go-yaml) takes for booleans, numbers, timestamps or null when written plain. */
const AMBIGUOUS = [
  ...["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"],
  ...["true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", ""],
  ...["8080", "-1", "+1", "012", "0777", "0o17", "0x1F", "0b101", "1_000", "1:20", "1:20:30.5"],
  ...["1.5", ".5", "1e3", "1E-3", ".inf", "-.Inf", ".nan"],
  ...["2024-01-01", "2024-1-1", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5"],
  "<<",
];

describe("YAML that every reader reads back as written", () => {
  it("quotes each string a YAML 1.1 or 1.2 reader would take for another type, as values, keys and list items", () => {
    for (const s of AMBIGUOUS) {
      expect(isAmbiguousYamlString(s), JSON.stringify(s)).toBe(true);
      const value = { env: [{ name: "FLAG", value: s }], labels: { [s]: s }, args: [s] };
      const text = toYaml(value);
      expect(parse(text, { version: "1.1" }), `YAML 1.1 of ${JSON.stringify(s)}:\n${text}`).toEqual(value);
      expect(parse(text, { version: "1.2" }), `YAML 1.2 of ${JSON.stringify(s)}:\n${text}`).toEqual(value);
    }
  });

  it("leaves ordinary strings plain and real booleans and numbers unquoted", () => {
    const text = toYaml({ name: "api", image: "registry.example.com/shop/api:v1", replicas: 2, ready: true, cpu: "500m", ratio: 0.5 });
    expect(text).toBe("name: api\nimage: registry.example.com/shop/api:v1\nreplicas: 2\nready: true\ncpu: 500m\nratio: 0.5\n");
    expect(isAmbiguousYamlString("v1.2.3")).toBe(false);
    expect(isAmbiguousYamlString("info")).toBe(false);
  });

  it("writes several objects as one stream kubectl reads", () => {
    const text = toYamlDocuments([{ kind: "A", data: { v: "on" } }, { kind: "B" }]);
    expect(text).toBe('kind: A\ndata:\n  v: "on"\n---\nkind: B\n');
  });
});
