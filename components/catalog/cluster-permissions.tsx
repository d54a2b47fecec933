import { resourceLabel, type MissingPermission } from "@/lib/kube/access";

/**
 * What a cluster's credentials lack: each permission in kubectl's words and
 * what Wharf needs it for, one under the other (it reads the same on a phone).
 */
export function MissingPermissionsTable({ missing }: { missing: readonly MissingPermission[] }) {
  return (
    <ul data-testid="missing-permissions" aria-label="Missing permissions, in all namespaces" className="w-full divide-y rounded-md border bg-background">
      {missing.map((m) => (
        <li key={`${m.group}/${m.resource}/${m.names.join(",")}`} className="grid gap-0.5 px-3 py-2 sm:grid-cols-[minmax(0,2fr)_minmax(0,3fr)] sm:gap-4">
          <span className="font-mono text-xs text-foreground wrap-anywhere" data-testid="missing-permission">
            {m.verbs.join(", ")} {resourceLabel(m.group, m.resource)}
            {m.names.length > 0 && ` ${m.names.join(", ")}`}
          </span>
          <span className="text-xs text-muted-foreground">needed for {m.neededFor.join("; ")}</span>
        </li>
      ))}
    </ul>
  );
}
