/**
 * Shared shapes of the sandbox: objects are plain JSON (as the API serves
 * them); resource types are declared as data (see resources.ts).
 */

/** A JSON value as stored and served. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

/** A Kubernetes object as stored: any JSON with kind/apiVersion/metadata. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A column of a Table response (meta.k8s.io/v1). */
export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description?: string;
  /** 0 = always shown; 1 = shown with -o wide. */
  priority?: number;
  /** Computes the cell from the object; `now` in ms. */
  cell: (obj: KObject, now: number) => unknown;
}

/** How /scale maps onto an object (apps kinds and CRDs with a scale subresource). */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export type NameRule = "subdomain" | "label" | "dns1035" | "path" | "crd";

/** What a defaulting function may use. */
export interface DefaultsContext {
  isCreate: boolean;
  /** The stored object on update. */
  old?: KObject;
  allocateClusterIP(): string;
  allocateNodePort(): number;
}

/** One served resource type, declared as data. */
export interface ResourceType {
  group: string;
  version: string;
  /** Other versions the same objects are served under (CRDs). */
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /** Has a /status subresource (PUT on the main resource then ignores status). */
  status?: boolean;
  scale?: ScaleSpec;
  /** Extra subresource entries for discovery (pods/log, pods/eviction ...). */
  extraSubresources?: { name: string; kind: string; group?: string; version?: string; verbs: string[] }[];
  nameRule: NameRule;
  /** Table columns besides NAME and AGE ordering given explicitly (must include Name). */
  columns?: TableColumn[];
  /** Fills defaults on create (and on update for fields that must stay set). */
  defaults?: (obj: KObject, ctx: DefaultsContext) => void;
  /** Extra validation; returns causes (field errors). */
  validate?: (obj: KObject, old: KObject | undefined) => FieldError[];
  /** Not stored: served by a handler (reviews, metrics). */
  virtual?: boolean;
  /** Defined by a CustomResourceDefinition. */
  crd?: { name: string; uid: string };
  /** Whether strategic merge patch is allowed (built-ins yes, CRDs no). */
  strategicMerge?: boolean;
}

export interface FieldError {
  type: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueNotSupported" | "FieldValueDuplicate" | "FieldValueForbidden" | "FieldValueTooLong";
  field: string;
  /** Full message without the field prefix, e.g. `Invalid value: "x": must be ...`. */
  detail: string;
}

/** Key of a resource type inside a cluster: "group/plural" ("" group for core). */
export type GroupResource = string;

export function grOf(t: { group: string; plural: string }): GroupResource {
  return `${t.group}/${t.plural}`;
}

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** "deployments.apps", "pods": how Kubernetes names a group resource in messages. */
export function qualifiedResource(t: { group: string; plural: string }): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

/** "Deployment.apps", "Pod": how Kubernetes names a kind in Invalid messages. */
export function qualifiedKind(t: { group: string; kind: string }): string {
  return t.group ? `${t.kind}.${t.group}` : t.kind;
}
