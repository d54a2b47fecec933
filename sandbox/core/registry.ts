/**
 * The resource types one cluster serves: the built-ins plus those defined by
 * CustomResourceDefinitions (registered and removed as CRDs come and go).
 */
import { ALL_VERBS, ageCol, builtinTypes, humanDuration, nameCol, readJsonPath } from "./resources.js";
import type { KObject, ResourceType, TableColumn } from "./types.js";
import { grOf } from "./types.js";

type Any = Record<string, unknown>;
const rec = (v: unknown): Any => (v && typeof v === "object" && !Array.isArray(v) ? (v as Any) : {});
const arr = (v: unknown): Any[] => (Array.isArray(v) ? (v as Any[]) : []);

export class TypeRegistry {
  /** All served (group, version, plural) entries. */
  private types: ResourceType[] = [];

  constructor(initial: ResourceType[] = builtinTypes) {
    this.types = [...initial];
  }

  all(): ResourceType[] {
    return this.types;
  }

  /** The type served at /apis/<group>/<version>/<plural>. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Any served version of a group resource (the storage key). */
  byGR(gr: string): ResourceType | undefined {
    return this.types.find((t) => grOf(t) === gr);
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.kind === kind);
  }

  /** Group -> versions, in registration order. */
  groups(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const t of this.types) {
      const vs = m.get(t.group) ?? [];
      if (!vs.includes(t.version)) vs.push(t.version);
      m.set(t.group, vs);
    }
    return m;
  }

  /** Registers (or re-registers) the kinds a CRD defines. */
  registerCRD(crd: KObject): void {
    this.unregisterCRD(crd.metadata.name ?? "");
    this.types.push(...typesFromCRD(crd));
  }

  unregisterCRD(name: string): void {
    this.types = this.types.filter((t) => t.crd?.name !== name);
  }
}

function crdColumns(version: Any): TableColumn[] {
  const extra = arr(version.additionalPrinterColumns);
  if (extra.length === 0) return [nameCol, ageCol];
  return [
    nameCol,
    ...extra.map((c): TableColumn => {
      const jsonPath = String(c.jsonPath ?? "");
      const isAge = jsonPath === ".metadata.creationTimestamp" && (c.type === "date" || !c.type);
      // the apiserver's table convertor prints a date column as the time since (ConvertToHumanReadableDateType)
      const isDate = c.type === "date";
      const type = (["string", "integer", "number", "boolean", "date"].includes(String(c.type)) ? String(c.type) : "string") as TableColumn["type"];
      return {
        name: String(c.name ?? jsonPath),
        type,
        description: String(c.description ?? ""),
        priority: typeof c.priority === "number" ? c.priority : 0,
        cell: isAge
          ? ageCol.cell
          : (o, now) => {
              const v = readJsonPath(o, jsonPath);
              if (v === undefined) return null;
              if (isDate && typeof v === "string" && Number.isFinite(Date.parse(v))) return humanDuration(now - Date.parse(v));
              return v;
            },
      };
    }),
  ];
}

/** The ResourceTypes (one per served version) of a CustomResourceDefinition. */
export function typesFromCRD(crd: KObject): ResourceType[] {
  const spec = rec(crd.spec);
  const names = rec(spec.names);
  const group = String(spec.group ?? "");
  return arr(spec.versions)
    .filter((v) => v.served !== false)
    .map((v): ResourceType => {
      const sub = rec(v.subresources);
      const scale = sub.scale ? rec(sub.scale) : undefined;
      return {
        group,
        version: String(v.name),
        kind: String(names.kind ?? ""),
        plural: String(names.plural ?? ""),
        singular: String(names.singular ?? String(names.kind ?? "").toLowerCase()),
        namespaced: spec.scope === "Namespaced",
        ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames as string[] } : {}),
        ...(Array.isArray(names.categories) ? { categories: names.categories as string[] } : {}),
        verbs: ALL_VERBS,
        status: sub.status !== undefined,
        ...(scale
          ? {
              scale: {
                specReplicasPath: String(scale.specReplicasPath ?? ".spec.replicas"),
                statusReplicasPath: String(scale.statusReplicasPath ?? ".status.replicas"),
                ...(scale.labelSelectorPath ? { labelSelectorPath: String(scale.labelSelectorPath) } : {}),
              },
            }
          : {}),
        nameRule: "subdomain",
        columns: crdColumns(v),
        crd: { name: crd.metadata.name ?? "", uid: crd.metadata.uid ?? "" },
        strategicMerge: false,
      };
    });
}
