/**
 * YAML that every reader takes back as the values Wharf wrote. The `yaml`
 * package writes YAML 1.2, where `on`, `yes`, `y`, `off`, `no`, `n`,
 * `2024-01-01`, `1:20` or `0777` are plain strings; kubectl (sigs.k8s.io/yaml
 * on go-yaml) and many other tools still read YAML 1.1, where they are a
 * boolean, a timestamp, a sexagesimal or an octal number. An env value `on`
 * pasted into `kubectl apply` becomes `true` and is refused ("cannot unmarshal
 * bool into ... string"); a label `2024-01-01` becomes a timestamp. So every
 * string that either schema (YAML 1.1 or 1.2 core) would read as something
 * else is written double-quoted, keys included. Used for every YAML Wharf
 * shows: rendered manifests, specs, diffs, plans.
 */
import { Document, Scalar, Schema, visit } from "yaml";

/** Plain scalars that resolve to a non-string in YAML 1.1 or 1.2 core (the tags whose `test` a plain scalar is matched against). */
const IMPLICIT = [new Schema({ schema: "yaml-1.1" }), new Schema({ schema: "core" })].flatMap((s) =>
  s.tags.filter((t) => t.default === true && t.tag !== "tag:yaml.org,2002:str" && t.test instanceof RegExp).map((t) => t.test as RegExp),
);
/** Merge keys (`<<`) are special in YAML 1.1 too. */
const MERGE_KEY = /^<<$/;

/** Whether a YAML reader of either version could take this string, written plain, for another type. */
export function isAmbiguousYamlString(s: string): boolean {
  return s === "" || MERGE_KEY.test(s) || IMPLICIT.some((re) => re.test(s));
}

/** One document; strings that a YAML 1.1 or 1.2 reader would take for another type are double-quoted. */
export function toYaml(value: unknown, opts: { lineWidth?: number } = {}): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && isAmbiguousYamlString(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: opts.lineWidth ?? 0 });
}

/** Several objects as one multi-document stream (`---` between them), as `kubectl apply -f` reads it. */
export function toYamlDocuments(values: unknown[]): string {
  return values.map((v) => toYaml(v)).join("---\n");
}
