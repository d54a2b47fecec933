/**
 * Name, label and metadata validation with the real API server's texts
 * (k8s.io/apimachinery/pkg/util/validation).
 */
import type { FieldError, KObject, NameRule } from "./types.js";

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const labelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

const SUBDOMAIN_MSG = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123SubdomainFmt}')`;
const LABEL_MSG = `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${dns1123LabelFmt}')`;
const DNS1035_MSG = `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${dns1035LabelFmt}')`;
const LABEL_VALUE_MSG = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${labelValueFmt}')`;
const QUALIFIED_NAME_MSG = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}')`;

const reSubdomain = new RegExp(`^${dns1123SubdomainFmt}$`);
const reLabel = new RegExp(`^${dns1123LabelFmt}$`);
const reDns1035 = new RegExp(`^${dns1035LabelFmt}$`);
const reLabelValue = new RegExp(`^${labelValueFmt}$`);
const reQualifiedName = new RegExp(`^${qualifiedNameFmt}$`);

const q = (v: string) => JSON.stringify(v);

/** Problems with a name under a rule, each as a message (without "Invalid value"). */
export function nameProblems(name: string, rule: NameRule): string[] {
  const out: string[] = [];
  switch (rule) {
    case "subdomain":
    case "crd":
      if (name.length > 253) out.push("must be no more than 253 characters");
      if (!reSubdomain.test(name)) out.push(SUBDOMAIN_MSG);
      break;
    case "label":
      if (name.length > 63) out.push("must be no more than 63 characters");
      if (!reLabel.test(name)) out.push(LABEL_MSG);
      break;
    case "dns1035":
      if (name.length > 63) out.push("must be no more than 63 characters");
      if (!reDns1035.test(name)) out.push(DNS1035_MSG);
      break;
    case "path":
      if (name === "." || name === "..") out.push(`may not be '${name}'`);
      for (const bad of ["/", "%"]) if (name.includes(bad)) out.push(`may not contain '${bad}'`);
      break;
  }
  return out;
}

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && reLabel.test(s);
}

function validateQualifiedName(key: string): string[] {
  const parts = key.split("/");
  let name = key;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else if (prefix.length > 253 || !reSubdomain.test(prefix)) errs.push(`prefix part ${SUBDOMAIN_MSG}`);
  } else if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  else if (!reQualifiedName.test(name)) errs.push(QUALIFIED_NAME_MSG);
  return errs;
}

/** Validates metadata: name (or generateName), labels, annotation keys. */
export function validateMeta(obj: KObject, rule: NameRule, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const md = obj.metadata ?? {};
  const name = md.name;
  if (!name) {
    if (!md.generateName) errs.push({ type: "FieldValueRequired", field: "metadata.name", detail: "Required value: name or generateName is required" });
  } else {
    for (const p of nameProblems(name, rule)) errs.push({ type: "FieldValueInvalid", field: "metadata.name", detail: `Invalid value: ${q(name)}: ${p}` });
  }
  if (namespaced && !md.namespace) errs.push({ type: "FieldValueRequired", field: "metadata.namespace", detail: "Required value" });
  if (!namespaced && md.namespace) errs.push({ type: "FieldValueForbidden", field: "metadata.namespace", detail: "Forbidden: not allowed on this type" });
  for (const [k, v] of Object.entries(md.labels ?? {})) {
    for (const p of validateQualifiedName(k)) errs.push({ type: "FieldValueInvalid", field: "metadata.labels", detail: `Invalid value: ${q(k)}: ${p}` });
    if (typeof v !== "string")
      errs.push({ type: "FieldValueInvalid", field: `metadata.labels`, detail: `Invalid value: ${JSON.stringify(v)}: must be a string` });
    else {
      if (v.length > 63)
        errs.push({ type: "FieldValueInvalid", field: "metadata.labels", detail: `Invalid value: ${q(v)}: must be no more than 63 characters` });
      if (!reLabelValue.test(v)) errs.push({ type: "FieldValueInvalid", field: "metadata.labels", detail: `Invalid value: ${q(v)}: ${LABEL_VALUE_MSG}` });
    }
  }
  for (const k of Object.keys(md.annotations ?? {})) {
    for (const p of validateQualifiedName(k.toLowerCase()))
      errs.push({ type: "FieldValueInvalid", field: "metadata.annotations", detail: `Invalid value: ${q(k)}: ${p}` });
  }
  return errs;
}

/** Go's %#v of a map[string]string, used in selector-mismatch messages. */
export function goMapString(m: Record<string, string> | undefined): string {
  const entries = Object.keys(m ?? {})
    .sort()
    .map((k) => `${q(k)}:${q((m ?? {})[k])}`);
  return `map[string]string{${entries.join(", ")}}`;
}

/** Validation of a pod spec at `path` (containers with names and images). */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = (spec ?? {}) as { containers?: { name?: string; image?: string }[]; initContainers?: { name?: string; image?: string }[] };
  if (!Array.isArray(s.containers) || s.containers.length === 0) {
    errs.push({ type: "FieldValueRequired", field: `${path}.containers`, detail: "Required value" });
    return errs;
  }
  const seen = new Set<string>();
  const check = (list: { name?: string; image?: string }[], key: string) => {
    list.forEach((c, i) => {
      const f = `${path}.${key}[${i}]`;
      if (!c.name) errs.push({ type: "FieldValueRequired", field: `${f}.name`, detail: "Required value" });
      else {
        for (const p of nameProblems(c.name, "label"))
          errs.push({ type: "FieldValueInvalid", field: `${f}.name`, detail: `Invalid value: ${q(c.name)}: ${p}` });
        if (seen.has(c.name)) errs.push({ type: "FieldValueDuplicate", field: `${f}.name`, detail: `Duplicate value: ${q(c.name)}` });
        seen.add(c.name);
      }
      if (!c.image) errs.push({ type: "FieldValueRequired", field: `${f}.image`, detail: "Required value" });
    });
  };
  check(s.containers, "containers");
  if (Array.isArray(s.initContainers)) check(s.initContainers, "initContainers");
  return errs;
}
