/**
 * Kubernetes delivery, the pure part: the config namespaces a service's spec
 * references, resolved for one environment and cluster, become a ConfigMap
 * (plain values) and a Secret (secret items, never in the ConfigMap), and
 * the volumes, mounts and environment variables of the pod template that
 * read them. See docs/config.md, "Kubernetes delivery".
 *
 * - Files: a properties namespace is the file `<name>.properties`
 *   (`application.properties`), a file namespace the file named after it
 *   (`app.yaml`). A file that holds any secret item goes whole into the
 *   Secret: the app reads one file, and a secret never sits in a ConfigMap.
 * - Environment variables (`env: true`, properties only): each key as its
 *   upper-case name (`timeout.ms` -> TIMEOUT_MS, Spring's relaxed binding),
 *   read with configMapKeyRef / secretKeyRef from keys `env.<NAME>`.
 * - Names: in rollout mode `<service>-config-<hash>` of the content (a keyed
 *   digest for the Secret), so a change of values changes the pod template
 *   and rolls the pods, and an earlier release names its own objects again.
 *   In hot mode the names are stable (`<service>-config`) and every file is
 *   listed in both sources as optional, so a publish rewrites the objects in
 *   place and the pod template never changes.
 * - Secret values in the rendered objects are sealed (the release's record
 *   and its steps are stored); they are opened only by the apply step.
 */
import { createHash } from "node:crypto";
import type { KubernetesObject } from "@kubernetes/client-node";
import { escapeKey, escapeValue } from "properties-file/escape";
import { DEFAULT_CONFIG_MOUNT, type TConfigRef } from "@/lib/templates/wharf-spec";
import { CONTENT_KEY, type ConfigFormat } from "./formats";

/** A referenced namespace's values for one environment and cluster, secrets opened (never stored or shown as such). */
export interface DeliveredNamespace {
  name: string;
  format: ConfigFormat;
  entries: { key: string; value: string; secret: boolean }[];
  /** The config releases the values come from, in the order they were merged (a public namespace's own, then the service's overrides). */
  releases: DeliveredRelease[];
}

export interface DeliveredRelease {
  id: string;
  number: number;
  /** The working copy's cluster: "default", or the cluster whose overrides were used. */
  cluster: string;
}

export interface ConfigCrypto {
  /** Seals a secret value for the stored record (opened again by the apply step). */
  seal(objectName: string, key: string, value: string): string;
  /** A keyed digest for the Secret's name: a plain hash of a few short secrets could be reversed by trying candidates. */
  digest(text: string): string;
}

/** What a release carries of the config center on one cluster (stored on the release, shown in its history and diff). */
export interface DeliveryRecord {
  configMap: string | null;
  secret: string | null;
  namespaces: { name: string; format: ConfigFormat; keys: number; secretKeys: number; releases: DeliveredRelease[] }[];
}

export interface RenderedConfig {
  /** ConfigMap then Secret (sealed), applied before the Deployment. */
  objects: KubernetesObject[];
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
  env: Record<string, unknown>[];
  record: DeliveryRecord;
}

export type ConfigReload = "rollout" | "hot";

/** Marks a Secret whose values are sealed in Wharf's records. */
export const SEALED_ANNOTATION = "wharf.dev/sealed";
/** Labels the objects of config delivery: `hashed` (rollout mode, pruned when no recent release uses them) or `stable` (hot mode). */
export const CONFIG_LABEL = "wharf.dev/config";

export function fileNameOf(ns: { name: string; format: ConfigFormat }): string {
  return ns.format === "properties" ? `${ns.name}.properties` : ns.name;
}

/** A config key as an environment variable name: upper case, every other character `_`, never a leading digit. */
export function envNameOf(key: string): string {
  const name = key.replace(/[^A-Za-z0-9]/g, "_").toUpperCase();
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function propertiesFile(entries: DeliveredNamespace["entries"]): string {
  return entries.map((e) => `${escapeKey(e.key)}=${escapeValue(e.value)}`).join("\n") + (entries.length ? "\n" : "");
}

function fileContent(ns: DeliveredNamespace): string {
  if (ns.format === "properties") return propertiesFile(ns.entries);
  return ns.entries.find((e) => e.key === CONTENT_KEY)?.value ?? "";
}

/** Sorted, so the same values always give the same name. */
function canonical(data: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(data)
      .sort()
      .map((k) => [k, data[k]]),
  );
}

export function contentHash(data: Record<string, string>): string {
  return createHash("sha256").update(canonical(data)).digest("hex").slice(0, 10);
}

export interface RenderConfigInput {
  service: string;
  namespace: string;
  labels: Record<string, string>;
  refs: TConfigRef[];
  reload: ConfigReload;
  delivered: DeliveredNamespace[];
}

/** The objects and pod-template parts of a service's config on one cluster; null when the spec references no config. */
export function renderConfig(input: RenderConfigInput, crypto: ConfigCrypto): RenderedConfig | null {
  if (!input.refs.length) return null;
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  /** Where each file ended up. */
  const fileIn = new Map<string, "configMap" | "secret">();
  const envVars: { name: string; key: string; in: "configMap" | "secret" }[] = [];
  const record: DeliveryRecord["namespaces"] = [];
  for (const ref of input.refs) {
    const ns = input.delivered.find((d) => d.name === ref.name);
    if (!ns) continue;
    record.push({
      name: ns.name,
      format: ns.format,
      keys: ns.entries.length,
      secretKeys: ns.entries.filter((e) => e.secret).length,
      releases: ns.releases,
    });
    const asFiles = Boolean(ref.mountPath) || !ref.env;
    if (asFiles) {
      const file = fileNameOf(ns);
      const where = ns.entries.some((e) => e.secret) ? "secret" : "configMap";
      (where === "secret" ? secret : plain)[file] = fileContent(ns);
      fileIn.set(file, where);
    }
    if (ref.env && ns.format === "properties") {
      const taken = new Set(envVars.map((e) => e.name));
      for (const e of ns.entries) {
        const name = envNameOf(e.key);
        // Two keys of one name (a.b and a_b): the first listed wins, as the spec's order says.
        if (taken.has(name)) continue;
        taken.add(name);
        const key = `env.${name}`;
        (e.secret ? secret : plain)[key] = e.value;
        envVars.push({ name, key, in: e.secret ? "secret" : "configMap" });
      }
    }
  }
  const hot = input.reload === "hot";
  const stable = `${input.service}-config`;
  const configMapName = hot ? stable : Object.keys(plain).length ? `${input.service}-config-${contentHash(plain)}` : null;
  const secretName = hot ? stable : Object.keys(secret).length ? `${input.service}-config-${crypto.digest(canonical(secret)).slice(0, 10)}` : null;
  const labels = { ...input.labels, [CONFIG_LABEL]: hot ? "stable" : "hashed" };
  const objects: KubernetesObject[] = [];
  if (configMapName) {
    objects.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: configMapName, namespace: input.namespace, labels },
      data: plain,
    } as KubernetesObject);
  }
  if (secretName) {
    objects.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: secretName, namespace: input.namespace, labels, annotations: { [SEALED_ANNOTATION]: "true" } },
      type: "Opaque",
      data: Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, crypto.seal(secretName, k, v)])),
    } as KubernetesObject);
  }

  // One volume per directory: the files of the namespaces mounted there, from whichever object holds them.
  const mounts = new Map<string, string[]>();
  for (const ref of input.refs) {
    const ns = input.delivered.find((d) => d.name === ref.name);
    if (!ns || !(ref.mountPath || !ref.env)) continue;
    const dir = ref.mountPath ?? DEFAULT_CONFIG_MOUNT;
    mounts.set(dir, [...(mounts.get(dir) ?? []), fileNameOf(ns)]);
  }
  const volumes: Record<string, unknown>[] = [];
  const volumeMounts: Record<string, unknown>[] = [];
  [...mounts.entries()].forEach(([dir, files], i) => {
    const volume = `wharf-config-${i}`;
    const items = (where: "configMap" | "secret") =>
      files.filter((f) => hot || fileIn.get(f) === where).map((f) => (where === "secret" ? { key: f, path: f, mode: 0o440 } : { key: f, path: f }));
    const sources = [
      ...(configMapName && items("configMap").length
        ? [{ configMap: { name: configMapName, items: items("configMap"), ...(hot ? { optional: true } : {}) } }]
        : []),
      ...(secretName && items("secret").length ? [{ secret: { name: secretName, items: items("secret"), ...(hot ? { optional: true } : {}) } }] : []),
    ];
    volumes.push({ name: volume, projected: { sources } });
    volumeMounts.push({ name: volume, mountPath: dir, readOnly: true });
  });
  const env = envVars.map((e) =>
    e.in === "secret"
      ? { name: e.name, valueFrom: { secretKeyRef: { name: secretName, key: e.key } } }
      : { name: e.name, valueFrom: { configMapKeyRef: { name: configMapName, key: e.key } } },
  );
  return { objects, volumes, volumeMounts, env, record: { configMap: configMapName, secret: secretName, namespaces: record } };
}

/** Objects as a person may see them: a Secret's values masked (they are sealed in the record, and the name changes with them). */
export function maskSecrets(objects: readonly KubernetesObject[], mask = "••••••"): KubernetesObject[] {
  return objects.map((o) => {
    if (o.kind !== "Secret") return o;
    const data = (o as { data?: Record<string, string> }).data ?? {};
    return { ...o, data: Object.fromEntries(Object.keys(data).map((k) => [k, mask])) } as KubernetesObject;
  });
}
