/**
 * Decoding of Kubernetes protobuf request bodies
 * (`application/vnd.kubernetes.protobuf`). kubectl 1.33's typed clients send
 * them for `create configmap|secret|namespace|deployment|...`, `auth can-i`
 * and evictions; answers stay JSON (clients accept it).
 *
 * Wire format: the magic `k8s\0`, then a runtime.Unknown {1: typeMeta
 * {1: apiVersion, 2: kind}, 2: raw (the object's message)}. Only the kinds and
 * fields below are known (the ones kubectl's generators and reviews set);
 * other fields are skipped, an unknown kind gives 415.
 */
import { unsupportedMediaType } from "../core/errors.js";

type FieldType =
  | "string"
  | "bytes"
  | "bool"
  /** bool where false is meaningful (pointer fields) */
  | "bool?"
  | "int"
  /** int where 0 is meaningful (pointer fields such as replicas) */
  | "int0"
  | "time"
  | "quantity"
  | "intorstr"
  | "map"
  | "mapBytes"
  | "mapQuantity"
  | `msg:${string}`;

type Field = [name: string, type: FieldType, repeated?: true];
type Schema = Record<number, Field>;

const meta = (extra: Schema = {}): Schema => ({ 1: ["metadata", "msg:ObjectMeta"], ...extra });

const SCHEMAS: Record<string, Schema> = {
  ObjectMeta: {
    1: ["name", "string"],
    2: ["generateName", "string"],
    3: ["namespace", "string"],
    5: ["uid", "string"],
    6: ["resourceVersion", "string"],
    7: ["generation", "int"],
    8: ["creationTimestamp", "time"],
    9: ["deletionTimestamp", "time"],
    10: ["deletionGracePeriodSeconds", "int0"],
    11: ["labels", "map"],
    12: ["annotations", "map"],
    13: ["ownerReferences", "msg:OwnerReference", true],
    14: ["finalizers", "string", true],
  },
  OwnerReference: {
    1: ["kind", "string"],
    3: ["name", "string"],
    4: ["uid", "string"],
    5: ["apiVersion", "string"],
    6: ["controller", "bool?"],
    7: ["blockOwnerDeletion", "bool?"],
  },
  LabelSelector: { 1: ["matchLabels", "map"], 2: ["matchExpressions", "msg:LabelSelectorRequirement", true] },
  LabelSelectorRequirement: { 1: ["key", "string"], 2: ["operator", "string"], 3: ["values", "string", true] },
  DeleteOptions: {
    1: ["gracePeriodSeconds", "int0"],
    2: ["preconditions", "msg:Preconditions"],
    3: ["orphanDependents", "bool?"],
    4: ["propagationPolicy", "string"],
    5: ["dryRun", "string", true],
  },
  Preconditions: { 1: ["uid", "string"], 2: ["resourceVersion", "string"] },

  // authorization.k8s.io/v1
  SelfSubjectAccessReview: meta({ 2: ["spec", "msg:SelfSubjectAccessReviewSpec"] }),
  SelfSubjectAccessReviewSpec: { 1: ["resourceAttributes", "msg:ResourceAttributes"], 2: ["nonResourceAttributes", "msg:NonResourceAttributes"] },
  ResourceAttributes: {
    1: ["namespace", "string"],
    2: ["verb", "string"],
    3: ["group", "string"],
    4: ["version", "string"],
    5: ["resource", "string"],
    6: ["subresource", "string"],
    7: ["name", "string"],
  },
  NonResourceAttributes: { 1: ["path", "string"], 2: ["verb", "string"] },
  SelfSubjectRulesReview: meta({ 2: ["spec", "msg:SelfSubjectRulesReviewSpec"] }),
  SelfSubjectRulesReviewSpec: { 1: ["namespace", "string"] },
  SubjectAccessReview: meta({ 2: ["spec", "msg:SubjectAccessReviewSpec"] }),
  LocalSubjectAccessReview: meta({ 2: ["spec", "msg:SubjectAccessReviewSpec"] }),
  SubjectAccessReviewSpec: {
    1: ["resourceAttributes", "msg:ResourceAttributes"],
    2: ["nonResourceAttributes", "msg:NonResourceAttributes"],
    3: ["user", "string"],
    4: ["groups", "string", true],
    6: ["uid", "string"],
  },

  // authentication.k8s.io/v1
  SelfSubjectReview: meta(),

  // core/v1
  ConfigMap: meta({ 2: ["data", "map"], 3: ["binaryData", "mapBytes"], 4: ["immutable", "bool?"] }),
  Secret: meta({ 2: ["data", "mapBytes"], 3: ["type", "string"], 4: ["stringData", "map"], 5: ["immutable", "bool?"] }),
  Namespace: meta({ 2: ["spec", "msg:NamespaceSpec"] }),
  NamespaceSpec: { 1: ["finalizers", "string", true] },
  ServiceAccount: meta({
    2: ["secrets", "msg:ObjectReference", true],
    3: ["imagePullSecrets", "msg:LocalObjectReference", true],
    4: ["automountServiceAccountToken", "bool?"],
  }),
  ObjectReference: {
    1: ["kind", "string"],
    2: ["namespace", "string"],
    3: ["name", "string"],
    4: ["uid", "string"],
    5: ["apiVersion", "string"],
    6: ["resourceVersion", "string"],
    7: ["fieldPath", "string"],
  },
  LocalObjectReference: { 1: ["name", "string"] },
  Service: meta({ 2: ["spec", "msg:ServiceSpec"] }),
  ServiceSpec: {
    1: ["ports", "msg:ServicePort", true],
    2: ["selector", "map"],
    3: ["clusterIP", "string"],
    4: ["type", "string"],
    5: ["externalIPs", "string", true],
    7: ["sessionAffinity", "string"],
    8: ["loadBalancerIP", "string"],
    9: ["loadBalancerSourceRanges", "string", true],
    10: ["externalName", "string"],
    11: ["externalTrafficPolicy", "string"],
    12: ["healthCheckNodePort", "int"],
    13: ["publishNotReadyAddresses", "bool"],
    17: ["ipFamilyPolicy", "string"],
    18: ["clusterIPs", "string", true],
    19: ["ipFamilies", "string", true],
    20: ["allocateLoadBalancerNodePorts", "bool?"],
    21: ["loadBalancerClass", "string"],
    22: ["internalTrafficPolicy", "string"],
  },
  ServicePort: {
    1: ["name", "string"],
    2: ["protocol", "string"],
    3: ["port", "int"],
    4: ["targetPort", "intorstr"],
    5: ["nodePort", "int"],
    6: ["appProtocol", "string"],
  },
  ResourceQuota: meta({ 2: ["spec", "msg:ResourceQuotaSpec"] }),
  ResourceQuotaSpec: { 1: ["hard", "mapQuantity"], 2: ["scopes", "string", true] },
  Pod: meta({ 2: ["spec", "msg:PodSpec"] }),
  PodTemplateSpec: meta({ 2: ["spec", "msg:PodSpec"] }),
  PodSpec: {
    2: ["containers", "msg:Container", true],
    3: ["restartPolicy", "string"],
    4: ["terminationGracePeriodSeconds", "int0"],
    5: ["activeDeadlineSeconds", "int0"],
    6: ["dnsPolicy", "string"],
    7: ["nodeSelector", "map"],
    8: ["serviceAccountName", "string"],
    9: ["serviceAccount", "string"],
    10: ["nodeName", "string"],
    11: ["hostNetwork", "bool"],
    12: ["hostPID", "bool"],
    13: ["hostIPC", "bool"],
    15: ["imagePullSecrets", "msg:LocalObjectReference", true],
    16: ["hostname", "string"],
    17: ["subdomain", "string"],
    19: ["schedulerName", "string"],
    20: ["initContainers", "msg:Container", true],
    21: ["automountServiceAccountToken", "bool?"],
    22: ["tolerations", "msg:Toleration", true],
    24: ["priorityClassName", "string"],
    25: ["priority", "int0"],
    29: ["runtimeClassName", "string"],
    30: ["enableServiceLinks", "bool?"],
    31: ["preemptionPolicy", "string"],
  },
  Container: {
    1: ["name", "string"],
    2: ["image", "string"],
    3: ["command", "string", true],
    4: ["args", "string", true],
    5: ["workingDir", "string"],
    6: ["ports", "msg:ContainerPort", true],
    7: ["env", "msg:EnvVar", true],
    8: ["resources", "msg:ResourceRequirements"],
    9: ["volumeMounts", "msg:VolumeMount", true],
    13: ["terminationMessagePath", "string"],
    14: ["imagePullPolicy", "string"],
    16: ["stdin", "bool"],
    17: ["stdinOnce", "bool"],
    18: ["tty", "bool"],
    20: ["terminationMessagePolicy", "string"],
    24: ["restartPolicy", "string"],
  },
  ContainerPort: { 1: ["name", "string"], 2: ["hostPort", "int"], 3: ["containerPort", "int"], 4: ["protocol", "string"], 5: ["hostIP", "string"] },
  EnvVar: { 1: ["name", "string"], 2: ["value", "string"] },
  ResourceRequirements: { 1: ["limits", "mapQuantity"], 2: ["requests", "mapQuantity"] },
  VolumeMount: {
    1: ["name", "string"],
    2: ["readOnly", "bool"],
    3: ["mountPath", "string"],
    4: ["subPath", "string"],
    5: ["mountPropagation", "string"],
    6: ["subPathExpr", "string"],
  },
  Toleration: { 1: ["key", "string"], 2: ["operator", "string"], 3: ["value", "string"], 4: ["effect", "string"], 5: ["tolerationSeconds", "int0"] },
  Binding: meta({ 2: ["target", "msg:ObjectReference"] }),

  // apps/v1
  Deployment: meta({ 2: ["spec", "msg:DeploymentSpec"] }),
  DeploymentSpec: {
    1: ["replicas", "int0"],
    2: ["selector", "msg:LabelSelector"],
    3: ["template", "msg:PodTemplateSpec"],
    4: ["strategy", "msg:DeploymentStrategy"],
    5: ["minReadySeconds", "int"],
    6: ["revisionHistoryLimit", "int0"],
    7: ["paused", "bool"],
    9: ["progressDeadlineSeconds", "int0"],
  },
  DeploymentStrategy: { 1: ["type", "string"], 2: ["rollingUpdate", "msg:RollingUpdateDeployment"] },
  RollingUpdateDeployment: { 1: ["maxUnavailable", "intorstr"], 2: ["maxSurge", "intorstr"] },

  // policy/v1
  Eviction: meta({ 2: ["deleteOptions", "msg:DeleteOptions"] }),
  PodDisruptionBudget: meta({ 2: ["spec", "msg:PodDisruptionBudgetSpec"] }),
  PodDisruptionBudgetSpec: {
    1: ["minAvailable", "intorstr"],
    2: ["selector", "msg:LabelSelector"],
    3: ["maxUnavailable", "intorstr"],
    4: ["unhealthyPodEvictionPolicy", "string"],
  },

  // rbac.authorization.k8s.io/v1
  Role: meta({ 2: ["rules", "msg:PolicyRule", true] }),
  ClusterRole: meta({ 2: ["rules", "msg:PolicyRule", true], 3: ["aggregationRule", "msg:AggregationRule"] }),
  AggregationRule: { 1: ["clusterRoleSelectors", "msg:LabelSelector", true] },
  PolicyRule: {
    1: ["verbs", "string", true],
    2: ["apiGroups", "string", true],
    3: ["resources", "string", true],
    4: ["resourceNames", "string", true],
    5: ["nonResourceURLs", "string", true],
  },
  RoleBinding: meta({ 2: ["subjects", "msg:Subject", true], 3: ["roleRef", "msg:RoleRef"] }),
  ClusterRoleBinding: meta({ 2: ["subjects", "msg:Subject", true], 3: ["roleRef", "msg:RoleRef"] }),
  Subject: { 1: ["kind", "string"], 2: ["apiGroup", "string"], 3: ["name", "string"], 4: ["namespace", "string"] },
  RoleRef: { 1: ["apiGroup", "string"], 2: ["kind", "string"], 3: ["name", "string"] },
};

/** Fields of one message, as (field number, wire type, value) triples. */
function* fields(buf: Buffer): Generator<{ no: number; wire: number; value: bigint | Buffer }> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error("truncated varint");
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    switch (wire) {
      case 0:
        yield { no, wire, value: varint() };
        break;
      case 1:
        yield { no, wire, value: buf.subarray(pos, pos + 8) };
        pos += 8;
        break;
      case 2: {
        const len = Number(varint());
        yield { no, wire, value: buf.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      case 5:
        yield { no, wire, value: buf.subarray(pos, pos + 4) };
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

function toInt(v: bigint): number {
  // int32/int64 negatives arrive as 64-bit two's complement
  return Number(v >= 1n << 63n ? v - (1n << 64n) : v);
}

function str(v: bigint | Buffer): string {
  return Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
}

function mapEntry(v: Buffer): [string, Buffer | bigint | undefined] {
  let key = "";
  let value: Buffer | bigint | undefined;
  for (const f of fields(v)) {
    if (f.no === 1) key = str(f.value);
    else if (f.no === 2) value = f.value;
  }
  return [key, value];
}

function decodeValue(type: FieldType, v: bigint | Buffer): unknown {
  switch (type) {
    case "string":
      return str(v);
    case "bytes":
      return Buffer.isBuffer(v) ? v.toString("base64") : "";
    case "bool":
    case "bool?":
      return v === 1n;
    case "int":
    case "int0":
      return typeof v === "bigint" ? toInt(v) : 0;
    case "time": {
      if (!Buffer.isBuffer(v)) return undefined;
      let seconds = 0;
      for (const f of fields(v)) if (f.no === 1 && typeof f.value === "bigint") seconds = toInt(f.value);
      return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
    }
    case "quantity": {
      if (!Buffer.isBuffer(v)) return undefined;
      for (const f of fields(v)) if (f.no === 1) return str(f.value);
      return "0";
    }
    case "intorstr": {
      if (!Buffer.isBuffer(v)) return undefined;
      let kind = 0;
      let intVal = 0;
      let strVal = "";
      for (const f of fields(v)) {
        if (f.no === 1 && typeof f.value === "bigint") kind = toInt(f.value);
        if (f.no === 2 && typeof f.value === "bigint") intVal = toInt(f.value);
        if (f.no === 3) strVal = str(f.value);
      }
      return kind === 1 ? strVal : intVal;
    }
    default:
      if (type.startsWith("msg:") && Buffer.isBuffer(v)) return decodeMessage(type.slice(4), v);
      return undefined;
  }
}

/** Whether a decoded value is the Go zero value that JSON's omitempty would drop. */
function isEmpty(type: FieldType, v: unknown): boolean {
  if (v === undefined) return true;
  if (type === "string") return v === "";
  if (type === "int") return v === 0;
  if (type === "bool") return v === false;
  return false;
}

function decodeMessage(name: string, buf: Buffer): Record<string, unknown> {
  const schema = SCHEMAS[name];
  const out: Record<string, unknown> = {};
  if (!schema) return out;
  for (const f of fields(buf)) {
    const def = schema[f.no];
    if (!def) continue;
    const [field, type, repeated] = def;
    if (type === "map" || type === "mapBytes" || type === "mapQuantity") {
      if (!Buffer.isBuffer(f.value)) continue;
      const [k, raw] = mapEntry(f.value);
      const m = (out[field] ??= {}) as Record<string, unknown>;
      m[k] = raw === undefined ? "" : decodeValue(type === "map" ? "string" : type === "mapBytes" ? "bytes" : "quantity", raw);
      continue;
    }
    const value = decodeValue(type, f.value);
    if (repeated) {
      ((out[field] ??= []) as unknown[]).push(value);
      continue;
    }
    if (isEmpty(type, value)) continue;
    out[field] = value;
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  const accepted = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw unsupportedMediaType("application/vnd.kubernetes.protobuf", accepted);
  let apiVersion = "";
  let kind = "";
  let raw: Buffer | undefined;
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1 && Buffer.isBuffer(f.value)) {
      for (const t of fields(f.value)) {
        if (t.no === 1) apiVersion = str(t.value);
        if (t.no === 2) kind = str(t.value);
      }
    } else if (f.no === 2 && Buffer.isBuffer(f.value)) raw = f.value;
  }
  if (!SCHEMAS[kind] || !raw) throw unsupportedMediaType("application/vnd.kubernetes.protobuf", ["application/json", "application/yaml"]);
  return { apiVersion, kind, ...decodeMessage(kind, raw) };
}
