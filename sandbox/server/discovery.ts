/** Discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>) built from the type registry. */
import { createHash } from "node:crypto";
import type { TypeRegistry } from "../core/registry.js";
import type { ResourceType } from "../core/types.js";
import { apiVersionOf } from "../core/types.js";

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stage = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0), v] as const;
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa[0] !== pb[0]) return pb[0] - pa[0];
  if (pa[1] !== pb[1]) return pb[1] - pa[1];
  if (pa[2] !== pb[2]) return pb[2] - pa[2];
  return a.localeCompare(b);
}

function hash(t: ResourceType): string {
  return createHash("sha256").update(`${t.group}/${t.version}/${t.kind}`).digest("base64").slice(0, 11);
}

export function resourceList(registry: TypeRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of [...types].sort((a, b) => a.plural.localeCompare(b.plural))) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories?.length ? { categories: t.categories } : {}),
      ...(t.virtual ? {} : { storageVersionHash: hash(t) }),
    });
    const subs: Record<string, unknown>[] = [];
    for (const e of t.extraSubresources ?? []) {
      subs.push({
        name: e.name,
        singularName: "",
        namespaced: t.namespaced,
        ...(e.group !== undefined ? { group: e.group, version: e.version } : {}),
        kind: e.kind,
        verbs: e.verbs,
      });
    }
    if (t.kind === "Namespace") subs.push({ name: "namespaces/finalize", singularName: "", namespaced: false, kind: "Namespace", verbs: ["update"] });
    if (t.scale)
      subs.push({
        name: `${t.plural}/scale`,
        singularName: "",
        namespaced: t.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
    if (t.status) subs.push({ name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] });
    subs.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    resources.push(...subs);
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}

function groupDoc(name: string, versions: string[]): Record<string, unknown> {
  const sorted = [...versions].sort(compareVersions);
  const entries = sorted.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(registry: TypeRegistry): Record<string, unknown> {
  const groups: Record<string, unknown>[] = [];
  for (const [name, versions] of registry.groups()) if (name !== "") groups.push(groupDoc(name, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroup(registry: TypeRegistry, name: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(name);
  if (!versions || name === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupDoc(name, versions) };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export const KUBE_VERSION = {
  major: "1",
  minor: "33",
  emulationMajor: "1",
  emulationMinor: "33",
  minCompatibilityMajor: "1",
  minCompatibilityMinor: "32",
  gitVersion: "v1.33.1",
  gitCommit: "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
  gitTreeState: "clean",
  buildDate: "2025-05-15T08:19:08Z",
  goVersion: "go1.24.2",
  compiler: "gc",
  platform: "linux/amd64",
};
