/**
 * The list semantics of the built-in kinds (their `patchStrategy` /
 * `patchMergeKey` tags), by field path. Used by strategic merge patch and by
 * server-side apply. Custom resources have none: their lists are atomic.
 */

export interface ListStrategy {
  /** Merge list elements by this key. */
  key?: string;
  /** A list of primitives merged as a set (finalizers). */
  set?: boolean;
}

const containerLists = new Set(["containers", "initContainers", "ephemeralContainers"]);

/**
 * The strategy for the list at `path` (field names only, no indices),
 * e.g. ["spec","template","spec","containers"] -> merge by name.
 */
export function listStrategy(path: string[]): ListStrategy | undefined {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (last) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "volumes":
    case "imagePullSecrets":
    case "resourceClaims":
    case "schedulingGates":
      return { key: "name" };
    case "env":
      return containerLists.has(parent) ? { key: "name" } : undefined;
    case "ports":
      if (containerLists.has(parent)) return { key: "containerPort" };
      if (parent === "spec") return { key: "port" };
      return undefined;
    case "volumeMounts":
      return { key: "mountPath" };
    case "volumeDevices":
      return { key: "devicePath" };
    case "conditions":
      return parent === "status" ? { key: "type" } : undefined;
    case "addresses":
      return parent === "status" ? { key: "type" } : undefined;
    case "hostAliases":
      return { key: "ip" };
    case "topologySpreadConstraints":
      return { key: "topologyKey" };
    case "ownerReferences":
      return parent === "metadata" ? { key: "uid" } : undefined;
    case "finalizers":
      return parent === "metadata" ? { set: true } : undefined;
    case "taints":
      return parent === "spec" ? { key: "key" } : undefined;
    default:
      return undefined;
  }
}

/** Fields whose map carries `$retainKeys` semantics (volumes' sources, deployment strategy). */
export function isRetainKeysMap(path: string[]): boolean {
  const last = path[path.length - 1];
  return last === "strategy" || last === "updateStrategy" || path[path.length - 2] === "volumes";
}
