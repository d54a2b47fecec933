/**
 * The built-in resource types, declared as data: discovery, routing, RBAC,
 * validation, defaulting and Table columns all read from this list.
 * Part 2 adds behaviour through controllers and hooks, not here.
 */
import { getPath, labelSelectorToRequirements, labelSelectorToString, matchLabels } from "./selectors.js";
import type { FieldError, KObject, ResourceType, TableColumn } from "./types.js";
import { goMapString, validatePodSpec } from "./validation.js";

export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const NS_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

/** Kubernetes' duration.HumanDuration, as shown in AGE columns. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

type Any = Record<string, unknown>;
const rec = (v: unknown): Any => (v && typeof v === "object" && !Array.isArray(v) ? (v as Any) : {});
const arr = (v: unknown): Any[] => (Array.isArray(v) ? (v as Any[]) : []);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const str = (v: unknown, dflt = "<none>"): string => (typeof v === "string" && v !== "" ? v : dflt);

export const ageOf = (o: KObject, now: number): string =>
  o.metadata.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : "<unknown>";

export const nameCol: TableColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
  cell: (o) => o.metadata.name,
};
export const ageCol: TableColumn = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
  cell: ageOf,
};
const createdAtCol: TableColumn = {
  name: "Created At",
  type: "date",
  description: "CreationTimestamp",
  priority: 0,
  cell: (o) => o.metadata.creationTimestamp,
};
const col = (name: string, type: TableColumn["type"], cell: TableColumn["cell"], priority = 0): TableColumn => ({
  name,
  type,
  description: name,
  priority,
  cell,
});

function containerNames(spec: unknown): string {
  return arr(rec(spec).containers)
    .map((c) => String(c.name))
    .join(",");
}
function containerImages(spec: unknown): string {
  return arr(rec(spec).containers)
    .map((c) => String(c.image))
    .join(",");
}
function selectorText(sel: unknown): string {
  const s = labelSelectorToString(rec(sel) as Parameters<typeof labelSelectorToString>[0]);
  return s === "" ? "<none>" : s;
}

function podStatusText(o: KObject): string {
  const status = rec(o.status);
  let reason = str(status.reason, "") || str(status.phase, "Pending");
  for (const cs of arr(status.initContainerStatuses)) {
    const st = rec(cs.state);
    if (rec(st.terminated).exitCode === 0) continue;
    if (st.waiting && rec(st.waiting).reason && rec(st.waiting).reason !== "PodInitializing") return `Init:${String(rec(st.waiting).reason)}`;
  }
  for (const cs of arr(status.containerStatuses)) {
    const st = rec(cs.state);
    if (st.waiting && rec(st.waiting).reason) reason = String(rec(st.waiting).reason);
    else if (st.terminated && rec(st.terminated).reason) reason = String(rec(st.terminated).reason);
  }
  if (o.metadata.deletionTimestamp) reason = "Terminating";
  return reason;
}

const podColumns: TableColumn[] = [
  nameCol,
  col("Ready", "string", (o) => {
    const statuses = arr(rec(o.status).containerStatuses);
    const total = arr(rec(o.spec).containers).length;
    return `${statuses.filter((c) => c.ready === true).length}/${total}`;
  }),
  col("Status", "string", podStatusText),
  col("Restarts", "string", (o, now) => {
    // kubectl's printPod: "3 (42s ago)" once a container has restarted
    let restarts = 0;
    let last = 0;
    for (const c of arr(rec(o.status).containerStatuses)) {
      restarts += num(c.restartCount);
      const t = Date.parse(String(rec(rec(c.lastState).terminated).finishedAt ?? ""));
      if (Number.isFinite(t) && t > last) last = t;
    }
    return restarts !== 0 && last > 0 ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
  }),
  ageCol,
  col("IP", "string", (o) => str(rec(o.status).podIP), 1),
  col("Node", "string", (o) => str(rec(o.spec).nodeName), 1),
  col("Nominated Node", "string", (o) => str(rec(o.status).nominatedNodeName), 1),
  col(
    "Readiness Gates",
    "string",
    (o) => {
      const gates = arr(rec(o.spec).readinessGates);
      if (gates.length === 0) return "<none>";
      const conds = arr(rec(o.status).conditions);
      const ok = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === "True")).length;
      return `${ok}/${gates.length}`;
    },
    1,
  ),
];

const workloadWide = (specOf: (o: KObject) => unknown): TableColumn[] => [
  col("Containers", "string", (o) => containerNames(specOf(o)), 1),
  col("Images", "string", (o) => containerImages(specOf(o)), 1),
  col("Selector", "string", (o) => selectorText(rec(o.spec).selector), 1),
];
const templateSpec = (o: KObject) => rec(rec(o.spec).template).spec;

function servicePorts(o: KObject): string {
  const ports = arr(rec(o.spec).ports);
  if (ports.length === 0) return "<none>";
  return ports.map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ""}/${str(p.protocol, "TCP")}`).join(",");
}

function nodeRoles(o: KObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length));
  return roles.length ? roles.sort().join(",") : "<none>";
}
function nodeAddress(o: KObject, type: string): string {
  const a = arr(rec(o.status).addresses).find((x) => x.type === type);
  return a ? String(a.address) : "<none>";
}

function subjectsOfKind(o: KObject, kind: string): string {
  const s = arr(o.subjects)
    .filter((x) => x.kind === kind)
    .map((x) => (kind === "ServiceAccount" ? `${String(x.namespace ?? "")}/${String(x.name)}` : String(x.name)));
  return s.join(", ");
}

function eventObject(o: KObject): string {
  const io = rec(o.involvedObject);
  return `${String(io.kind ?? "").toLowerCase()}/${String(io.name ?? "")}`;
}

function selectorValidation(o: KObject, requireTemplate: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const spec = rec(o.spec);
  const sel = spec.selector as Parameters<typeof labelSelectorToRequirements>[0] | undefined;
  if (!sel) {
    errs.push({ type: "FieldValueRequired", field: "spec.selector", detail: "Required value" });
  } else if (labelSelectorToRequirements(sel).length === 0) {
    errs.push({
      type: "FieldValueInvalid",
      field: "spec.selector",
      detail:
        "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
    });
  }
  const tpl = rec(spec.template);
  if (!requireTemplate && !spec.template) return errs;
  const labels = rec(tpl.metadata).labels as Record<string, string> | undefined;
  if (sel && labelSelectorToRequirements(sel).length > 0 && !matchLabels(labelSelectorToRequirements(sel), labels)) {
    errs.push({
      type: "FieldValueInvalid",
      field: "spec.template.metadata.labels",
      detail: `Invalid value: ${goMapString(labels)}: \`selector\` does not match template \`labels\``,
    });
  }
  errs.push(...validatePodSpec(tpl.spec, "spec.template.spec"));
  return errs;
}

/** Defaults of a pod spec (containers, policies) as the API server fills them. */
export function defaultPodSpec(spec: Any, isTemplate: boolean): void {
  const fillContainer = (c: Any) => {
    if (c.imagePullPolicy === undefined) {
      const image = String(c.image ?? "");
      const tag = image.includes("@") ? "digest" : (image.split("/").pop() ?? "").split(":")[1];
      c.imagePullPolicy = tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
    }
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    c.resources ??= {};
    for (const p of arr(c.ports)) p.protocol ??= "TCP";
  };
  for (const c of arr(spec.containers)) fillContainer(c);
  for (const c of arr(spec.initContainers)) fillContainer(c);
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  if (!isTemplate) {
    spec.serviceAccountName ??= (spec.serviceAccount as string | undefined) ?? "default";
    spec.serviceAccount ??= spec.serviceAccountName;
    spec.enableServiceLinks ??= true;
    spec.priority ??= 0;
    spec.preemptionPolicy ??= "PreemptLowerPriority";
  }
}

function qosClass(spec: Any): string {
  const cs = arr(spec.containers);
  let anySet = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = rec(c.resources);
    const req = rec(r.requests);
    const lim = rec(r.limits);
    if (Object.keys(req).length || Object.keys(lim).length) anySet = true;
    for (const k of ["cpu", "memory"]) {
      if (lim[k] === undefined || (req[k] !== undefined && req[k] !== lim[k])) guaranteed = false;
    }
  }
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

function defaultTemplate(o: KObject): void {
  const spec = rec(o.spec);
  const tpl = rec(spec.template);
  if (spec.template) {
    const md = rec(tpl.metadata);
    if (!("creationTimestamp" in md)) md.creationTimestamp = null;
    tpl.metadata = md;
    tpl.spec = rec(tpl.spec);
    defaultPodSpec(tpl.spec as Any, true);
  }
}

const apps = (
  kind: string,
  plural: string,
  singular: string,
  shortNames: string[],
  columns: TableColumn[],
  defaults: ResourceType["defaults"],
  validate: ResourceType["validate"],
): ResourceType => ({
  group: "apps",
  version: "v1",
  kind,
  plural,
  singular,
  namespaced: true,
  shortNames,
  categories: ["all"],
  verbs: ALL_VERBS,
  status: true,
  scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" },
  nameRule: "subdomain",
  columns,
  defaults,
  validate,
  strategicMerge: true,
});

export const builtinTypes: ResourceType[] = [
  // core/v1 (discovery order follows the real server: alphabetical by name)
  {
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    singular: "configmap",
    namespaced: true,
    shortNames: ["cm"],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [nameCol, col("Data", "integer", (o) => Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length), ageCol],
  },
  {
    group: "",
    version: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    singular: "endpoints",
    namespaced: true,
    shortNames: ["ep"],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Endpoints", "string", (o) => {
        const list: string[] = [];
        for (const s of arr(o.subsets))
          for (const a of arr(s.addresses))
            for (const p of arr(s.ports).length ? arr(s.ports) : [{}]) list.push(p.port ? `${String(a.ip)}:${String(p.port)}` : String(a.ip));
        if (list.length === 0) return "<none>";
        return list.length > 3 ? `${list.slice(0, 3).join(",")} + ${list.length - 3} more...` : list.join(",");
      }),
      ageCol,
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    singular: "event",
    namespaced: true,
    shortNames: ["ev"],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      col("Last Seen", "string", (o, now) => {
        const t = (o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp) as string | undefined;
        return t ? humanDuration(now - Date.parse(t)) : "<unknown>";
      }),
      col("Type", "string", (o) => str(o.type, "")),
      col("Reason", "string", (o) => str(o.reason, "")),
      col("Object", "string", eventObject),
      col("Subobject", "string", (o) => str(rec(o.involvedObject).fieldPath, ""), 1),
      col("Source", "string", (o) => str(rec(o.source).component, ""), 1),
      col("Message", "string", (o) => str(o.message, "")),
      col(
        "First Seen",
        "string",
        (o, now) => {
          const t = (o.firstTimestamp ?? o.metadata.creationTimestamp) as string | undefined;
          return t ? humanDuration(now - Date.parse(t)) : "<unknown>";
        },
        1,
      ),
      col("Count", "integer", (o) => num(o.count) || 1, 1),
      { ...nameCol, priority: 1 },
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "LimitRange",
    plural: "limitranges",
    singular: "limitrange",
    namespaced: true,
    shortNames: ["limits"],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [nameCol, createdAtCol],
  },
  {
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    singular: "namespace",
    namespaced: false,
    shortNames: ["ns"],
    verbs: NS_VERBS,
    status: true,
    nameRule: "label",
    strategicMerge: true,
    columns: [nameCol, col("Status", "string", (o) => str(rec(o.status).phase, "Active")), ageCol],
    defaults: (o) => {
      o.metadata.labels = { ...(o.metadata.labels ?? {}), "kubernetes.io/metadata.name": o.metadata.name ?? "" };
      const spec = rec(o.spec);
      spec.finalizers ??= ["kubernetes"];
      o.spec = spec;
      const status = rec(o.status);
      status.phase ??= "Active";
      o.status = status;
    },
  },
  {
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    singular: "node",
    namespaced: false,
    shortNames: ["no"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Status", "string", (o) => {
        const ready = arr(rec(o.status).conditions).find((c) => c.type === "Ready");
        let s = ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown";
        if (rec(o.spec).unschedulable) s += ",SchedulingDisabled";
        return s;
      }),
      col("Roles", "string", nodeRoles),
      ageCol,
      col("Version", "string", (o) => str(rec(rec(o.status).nodeInfo).kubeletVersion, "")),
      col("Internal-IP", "string", (o) => nodeAddress(o, "InternalIP"), 1),
      col("External-IP", "string", (o) => nodeAddress(o, "ExternalIP"), 1),
      col("OS-Image", "string", (o) => str(rec(rec(o.status).nodeInfo).osImage, "<unknown>"), 1),
      col("Kernel-Version", "string", (o) => str(rec(rec(o.status).nodeInfo).kernelVersion, "<unknown>"), 1),
      col("Container-Runtime", "string", (o) => str(rec(rec(o.status).nodeInfo).containerRuntimeVersion, "<unknown>"), 1),
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    singular: "pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "subdomain",
    strategicMerge: true,
    extraSubresources: [
      { name: "pods/binding", kind: "Binding", verbs: ["create"] },
      { name: "pods/eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      { name: "pods/log", kind: "Pod", verbs: ["get"] },
    ],
    columns: podColumns,
    defaults: (o, ctx) => {
      o.spec = rec(o.spec);
      defaultPodSpec(o.spec as Any, false);
      const status = rec(o.status);
      if (ctx.isCreate) status.phase ??= "Pending";
      status.qosClass ??= qosClass(o.spec as Any);
      o.status = status;
    },
    validate: (o) => validatePodSpec(o.spec, "spec"),
  },
  {
    group: "",
    version: "v1",
    kind: "ResourceQuota",
    plural: "resourcequotas",
    singular: "resourcequota",
    namespaced: true,
    shortNames: ["quota"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      ageCol,
      col("Request", "string", (o) =>
        Object.keys(rec(rec(o.spec).hard))
          .filter((k) => !k.startsWith("limits."))
          .sort()
          .map((k) => `${k}: ${String(rec(rec(o.status).used)[k] ?? "0")}/${String(rec(rec(o.spec).hard)[k])}`)
          .join(", "),
      ),
      col("Limit", "string", (o) =>
        Object.keys(rec(rec(o.spec).hard))
          .filter((k) => k.startsWith("limits."))
          .sort()
          .map((k) => `${k}: ${String(rec(rec(o.status).used)[k] ?? "0")}/${String(rec(rec(o.spec).hard)[k])}`)
          .join(", "),
      ),
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    singular: "secret",
    namespaced: true,
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [nameCol, col("Type", "string", (o) => str(o.type, "Opaque")), col("Data", "integer", (o) => Object.keys(rec(o.data)).length), ageCol],
    defaults: (o) => {
      o.type ??= "Opaque";
      // stringData is write-only: merged into data (base64) as the API server does
      if (o.stringData && typeof o.stringData === "object") {
        const data = rec(o.data);
        for (const [k, v] of Object.entries(o.stringData as Record<string, unknown>)) data[k] = Buffer.from(String(v)).toString("base64");
        o.data = data;
        delete o.stringData;
      }
    },
  },
  {
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    singular: "serviceaccount",
    namespaced: true,
    shortNames: ["sa"],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [nameCol, col("Secrets", "string", (o) => String(arr(o.secrets).length)), ageCol],
  },
  {
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    singular: "service",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "dns1035",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Type", "string", (o) => str(rec(o.spec).type, "ClusterIP")),
      col("Cluster-IP", "string", (o) => str(rec(o.spec).clusterIP)),
      col("External-IP", "string", (o) => {
        const ing = arr(rec(rec(o.status).loadBalancer).ingress).map((i) => String(i.ip ?? i.hostname));
        const ext = [...(Array.isArray(rec(o.spec).externalIPs) ? (rec(o.spec).externalIPs as string[]) : []), ...ing];
        if (ext.length) return ext.join(",");
        if (rec(o.spec).type === "LoadBalancer") return "<pending>";
        if (rec(o.spec).type === "ExternalName") return str(rec(o.spec).externalName);
        return "<none>";
      }),
      col("Port(s)", "string", servicePorts),
      ageCol,
      col(
        "Selector",
        "string",
        (o) => {
          const s = rec(rec(o.spec).selector) as Record<string, string>;
          const keys = Object.keys(s).sort();
          return keys.length ? keys.map((k) => `${k}=${s[k]}`).join(",") : "<none>";
        },
        1,
      ),
    ],
    defaults: (o, ctx) => {
      const spec = rec(o.spec);
      spec.type ??= "ClusterIP";
      if (spec.type !== "ExternalName") {
        if (!spec.clusterIP && ctx.old) spec.clusterIP = rec(ctx.old.spec).clusterIP;
        if (!spec.clusterIP) spec.clusterIP = ctx.allocateClusterIP();
        spec.clusterIPs ??= [spec.clusterIP];
        spec.ipFamilies ??= spec.clusterIP === "None" ? ["IPv4"] : ["IPv4"];
        spec.ipFamilyPolicy ??= "SingleStack";
        spec.internalTrafficPolicy ??= "Cluster";
      }
      spec.sessionAffinity ??= "None";
      const oldPorts = arr(rec(ctx.old?.spec).ports);
      for (const p of arr(spec.ports)) {
        p.protocol ??= "TCP";
        p.targetPort ??= p.port;
        if ((spec.type === "NodePort" || spec.type === "LoadBalancer") && !p.nodePort) {
          p.nodePort = oldPorts.find((q) => q.port === p.port)?.nodePort ?? ctx.allocateNodePort();
        }
      }
      if (spec.type === "NodePort" || spec.type === "LoadBalancer") spec.externalTrafficPolicy ??= "Cluster";
      o.spec = spec;
      o.status ??= { loadBalancer: {} };
    },
    validate: (o) => {
      const spec = rec(o.spec);
      if (spec.type !== "ExternalName" && spec.clusterIP !== "None" && arr(spec.ports).length === 0)
        return [{ type: "FieldValueRequired", field: "spec.ports", detail: "Required value" }];
      return [];
    },
  },

  // apps/v1
  apps(
    "Deployment",
    "deployments",
    "deployment",
    ["deploy"],
    [
      nameCol,
      col("Ready", "string", (o) => `${num(rec(o.status).readyReplicas)}/${num(rec(o.spec).replicas)}`),
      col("Up-to-date", "integer", (o) => num(rec(o.status).updatedReplicas)),
      col("Available", "integer", (o) => num(rec(o.status).availableReplicas)),
      ageCol,
      ...workloadWide(templateSpec),
    ],
    (o) => {
      const spec = rec(o.spec);
      spec.replicas ??= 1;
      spec.strategy ??= { type: "RollingUpdate" };
      const strat = rec(spec.strategy);
      if ((strat.type ?? "RollingUpdate") === "RollingUpdate") {
        strat.type = "RollingUpdate";
        strat.rollingUpdate = { maxUnavailable: "25%", maxSurge: "25%", ...rec(strat.rollingUpdate) };
      }
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      o.spec = spec;
      defaultTemplate(o);
    },
    (o) => selectorValidation(o, true),
  ),
  apps(
    "ReplicaSet",
    "replicasets",
    "replicaset",
    ["rs"],
    [
      nameCol,
      col("Desired", "integer", (o) => num(rec(o.spec).replicas)),
      col("Current", "integer", (o) => num(rec(o.status).replicas)),
      col("Ready", "integer", (o) => num(rec(o.status).readyReplicas)),
      ageCol,
      ...workloadWide(templateSpec),
    ],
    (o) => {
      const spec = rec(o.spec);
      spec.replicas ??= 1;
      o.spec = spec;
      defaultTemplate(o);
    },
    (o) => selectorValidation(o, true),
  ),
  apps(
    "StatefulSet",
    "statefulsets",
    "statefulset",
    ["sts"],
    [
      nameCol,
      col("Ready", "string", (o) => `${num(rec(o.status).readyReplicas)}/${num(rec(o.spec).replicas)}`),
      ageCol,
      col("Containers", "string", (o) => containerNames(templateSpec(o)), 1),
      col("Images", "string", (o) => containerImages(templateSpec(o)), 1),
    ],
    (o) => {
      const spec = rec(o.spec);
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= "OrderedReady";
      spec.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
      spec.revisionHistoryLimit ??= 10;
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: "Retain", whenScaled: "Retain" };
      o.spec = spec;
      defaultTemplate(o);
    },
    (o) => selectorValidation(o, true),
  ),

  // autoscaling/v2
  {
    group: "autoscaling",
    version: "v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    categories: ["all"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Reference", "string", (o) => `${String(rec(rec(o.spec).scaleTargetRef).kind)}/${String(rec(rec(o.spec).scaleTargetRef).name)}`),
      col("Targets", "string", (o) => {
        const metrics = arr(rec(o.spec).metrics);
        if (metrics.length === 0) return "<none>";
        const current = arr(rec(o.status).currentMetrics);
        return metrics
          .map((m, i) => {
            const target = rec(rec(m.resource ?? m.pods ?? m.object ?? m.external ?? m.containerResource).target);
            const cur = rec(rec(current[i]?.resource ?? current[i]?.pods ?? current[i]?.object).current);
            if (target.averageUtilization !== undefined)
              return `${cur.averageUtilization !== undefined ? `cpu: ${String(cur.averageUtilization)}%` : `${String(rec(m.resource).name ?? "cpu")}: <unknown>`}/${String(target.averageUtilization)}%`;
            return `${String(cur.averageValue ?? cur.value ?? "<unknown>")}/${String(target.averageValue ?? target.value ?? "")}`;
          })
          .join(", ");
      }),
      col("MinPods", "integer", (o) => num(rec(o.spec).minReplicas) || 1),
      col("MaxPods", "integer", (o) => num(rec(o.spec).maxReplicas)),
      col("Replicas", "integer", (o) => num(rec(o.status).currentReplicas)),
      ageCol,
    ],
  },

  // policy/v1
  {
    group: "policy",
    version: "v1",
    kind: "PodDisruptionBudget",
    plural: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    namespaced: true,
    shortNames: ["pdb"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Min Available", "string", (o) => str(rec(o.spec).minAvailable === undefined ? undefined : String(rec(o.spec).minAvailable), "N/A")),
      col("Max Unavailable", "string", (o) => str(rec(o.spec).maxUnavailable === undefined ? undefined : String(rec(o.spec).maxUnavailable), "N/A")),
      col("Allowed Disruptions", "integer", (o) => num(rec(o.status).disruptionsAllowed)),
      ageCol,
    ],
  },

  // networking.k8s.io/v1
  {
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    singular: "ingress",
    namespaced: true,
    shortNames: ["ing"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Class", "string", (o) => str(rec(o.spec).ingressClassName)),
      col(
        "Hosts",
        "string",
        (o) =>
          arr(rec(o.spec).rules)
            .map((r) => str(r.host, "*"))
            .join(",") || "*",
      ),
      col("Address", "string", (o) =>
        arr(rec(rec(o.status).loadBalancer).ingress)
          .map((i) => String(i.ip ?? i.hostname))
          .join(","),
      ),
      col("Ports", "string", (o) => (arr(rec(o.spec).tls).length ? "80, 443" : "80")),
      ageCol,
    ],
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    kind: "NetworkPolicy",
    plural: "networkpolicies",
    singular: "networkpolicy",
    namespaced: true,
    shortNames: ["netpol"],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Pod-Selector", "string", (o) => {
        const s = selectorText(rec(o.spec).podSelector);
        return s === "<none>" ? "<none>" : s;
      }),
      ageCol,
    ],
  },

  // rbac.authorization.k8s.io/v1
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    singular: "clusterrolebinding",
    namespaced: false,
    verbs: ALL_VERBS,
    nameRule: "path",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Role", "string", (o) => `${String(rec(o.roleRef).kind)}/${String(rec(o.roleRef).name)}`),
      ageCol,
      col("Users", "string", (o) => subjectsOfKind(o, "User"), 1),
      col("Groups", "string", (o) => subjectsOfKind(o, "Group"), 1),
      col("ServiceAccounts", "string", (o) => subjectsOfKind(o, "ServiceAccount"), 1),
    ],
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
    plural: "clusterroles",
    singular: "clusterrole",
    namespaced: false,
    verbs: ALL_VERBS,
    nameRule: "path",
    strategicMerge: true,
    columns: [nameCol, createdAtCol],
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    singular: "rolebinding",
    namespaced: true,
    verbs: ALL_VERBS,
    nameRule: "path",
    strategicMerge: true,
    columns: [
      nameCol,
      col("Role", "string", (o) => `${String(rec(o.roleRef).kind)}/${String(rec(o.roleRef).name)}`),
      ageCol,
      col("Users", "string", (o) => subjectsOfKind(o, "User"), 1),
      col("Groups", "string", (o) => subjectsOfKind(o, "Group"), 1),
      col("ServiceAccounts", "string", (o) => subjectsOfKind(o, "ServiceAccount"), 1),
    ],
  },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "Role",
    plural: "roles",
    singular: "role",
    namespaced: true,
    verbs: ALL_VERBS,
    nameRule: "path",
    strategicMerge: true,
    columns: [nameCol, createdAtCol],
  },

  // authorization.k8s.io/v1 (not stored: answered by the authorizer)
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "LocalSubjectAccessReview",
    plural: "localsubjectaccessreviews",
    singular: "localsubjectaccessreview",
    namespaced: true,
    verbs: ["create"],
    nameRule: "subdomain",
    virtual: true,
  },
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SelfSubjectAccessReview",
    plural: "selfsubjectaccessreviews",
    singular: "selfsubjectaccessreview",
    namespaced: false,
    verbs: ["create"],
    nameRule: "subdomain",
    virtual: true,
  },
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SelfSubjectRulesReview",
    plural: "selfsubjectrulesreviews",
    singular: "selfsubjectrulesreview",
    namespaced: false,
    verbs: ["create"],
    nameRule: "subdomain",
    virtual: true,
  },
  {
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SubjectAccessReview",
    plural: "subjectaccessreviews",
    singular: "subjectaccessreview",
    namespaced: false,
    verbs: ["create"],
    nameRule: "subdomain",
    virtual: true,
  },

  // authentication.k8s.io/v1 (kubectl auth whoami)
  {
    group: "authentication.k8s.io",
    version: "v1",
    kind: "SelfSubjectReview",
    plural: "selfsubjectreviews",
    singular: "selfsubjectreview",
    namespaced: false,
    verbs: ["create"],
    nameRule: "subdomain",
    virtual: true,
  },

  // apiextensions.k8s.io/v1
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    singular: "customresourcedefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    verbs: ALL_VERBS,
    status: true,
    nameRule: "crd",
    strategicMerge: true,
    columns: [nameCol, createdAtCol],
    defaults: (o, ctx) => {
      const spec = rec(o.spec);
      if (!ctx.isCreate && o.status) return;
      // established at once: the sandbox serves the kind as soon as the CRD is stored
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const names = rec(spec.names);
      o.status = {
        conditions: [
          { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found", lastTransitionTime: now },
          { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted", lastTransitionTime: now },
        ],
        acceptedNames: {
          ...names,
          singular: names.singular ?? String(names.kind ?? "").toLowerCase(),
          listKind: names.listKind ?? `${String(names.kind ?? "")}List`,
        },
        storedVersions: arr(spec.versions)
          .filter((v) => v.storage === true)
          .map((v) => String(v.name)),
      };
    },
    validate: (o) => {
      const spec = rec(o.spec);
      const names = rec(spec.names);
      const want = `${String(names.plural ?? "")}.${String(spec.group ?? "")}`;
      const errs: FieldError[] = [];
      if (!spec.group) errs.push({ type: "FieldValueRequired", field: "spec.group", detail: "Required value" });
      if (!names.plural) errs.push({ type: "FieldValueRequired", field: "spec.names.plural", detail: "Required value" });
      if (!names.kind) errs.push({ type: "FieldValueRequired", field: "spec.names.kind", detail: "Required value" });
      if (o.metadata.name !== want)
        errs.push({
          type: "FieldValueInvalid",
          field: "metadata.name",
          detail: `Invalid value: ${JSON.stringify(o.metadata.name)}: must be spec.names.plural+"."+spec.group`,
        });
      if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
        errs.push({
          type: "FieldValueNotSupported",
          field: "spec.scope",
          detail: `Unsupported value: ${JSON.stringify(spec.scope ?? "")}: supported values: "Cluster", "Namespaced"`,
        });
      if (arr(spec.versions).length === 0)
        errs.push({
          type: "FieldValueInvalid",
          field: "spec.versions",
          detail: "Invalid value: null: must have exactly one version marked as storage version",
        });
      else if (arr(spec.versions).filter((v) => v.storage === true).length !== 1)
        errs.push({
          type: "FieldValueInvalid",
          field: "spec.versions",
          detail: `Invalid value: ${JSON.stringify(arr(spec.versions).map((v) => v.name))}: must have exactly one version marked as storage version`,
        });
      return errs;
    },
  },

  // metrics.k8s.io/v1beta1 (served from the metrics provider)
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    kind: "NodeMetrics",
    plural: "nodes",
    singular: "",
    namespaced: false,
    verbs: ["get", "list"],
    nameRule: "subdomain",
    virtual: true,
    columns: [nameCol, col("Window", "string", (o) => String(o.window ?? "")), ageCol],
  },
  {
    group: "metrics.k8s.io",
    version: "v1beta1",
    kind: "PodMetrics",
    plural: "pods",
    singular: "",
    namespaced: true,
    verbs: ["get", "list"],
    nameRule: "subdomain",
    virtual: true,
    columns: [nameCol, col("Window", "string", (o) => String(o.window ?? "")), ageCol],
  },
];

/**
 * Reads a `.a.b` JSON path (the form CRD scale and printer columns use),
 * with the filters and indexes printer columns of common CRDs write:
 * `.status.conditions[?(@.type=="Succeeded")].status`, `.spec.items[0].name`.
 * A filter yields its first match (the apiserver prints one value per cell).
 */
export function readJsonPath(obj: unknown, path: string): unknown {
  if (!path.includes("[")) return getPath(obj, path.replace(/^\./, ""));
  const token = /\.([^.[\]]+)|\[\?\(@\.([\w.-]+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)\]|\[(\d+)\]/y;
  let cur: unknown = obj;
  let at = 0;
  while (at < path.length) {
    token.lastIndex = at;
    const m = token.exec(path);
    if (!m) return undefined;
    at = token.lastIndex;
    if (m[1] !== undefined) cur = cur && typeof cur === "object" && !Array.isArray(cur) ? (cur as Record<string, unknown>)[m[1]] : undefined;
    else if (m[6] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[6])] : undefined;
    else {
      const want = m[3] ?? m[4] ?? m[5] ?? "";
      cur = Array.isArray(cur) ? cur.find((x) => String(getPath(x, m[2]) ?? "") === want) : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}
