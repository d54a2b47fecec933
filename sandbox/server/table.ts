/** meta.k8s.io/v1 Table responses (what `kubectl get` prints). */
import { ageCol, nameCol } from "../core/resources.js";
import type { KObject, ResourceType, TableColumn } from "../core/types.js";

export type IncludeObject = "None" | "Metadata" | "Object";

export function columnsOf(t: ResourceType): TableColumn[] {
  return t.columns ?? [nameCol, ageCol];
}

function partial(o: KObject): Record<string, unknown> {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

export function tableOf(t: ResourceType, items: KObject[], listMeta: Record<string, unknown>, include: IncludeObject): Record<string, unknown> {
  const cols = columnsOf(t);
  const now = Date.now();
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
    rows: items.map((o) => ({
      cells: cols.map((c) => {
        const v = c.cell(o, now);
        return v === undefined ? null : v;
      }),
      ...(include === "None" ? {} : { object: include === "Object" ? o : partial(o) }),
    })),
  };
}
