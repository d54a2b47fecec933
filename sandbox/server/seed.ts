/** What a fresh sandbox cluster contains: namespaces, RBAC defaults, nodes, the kubernetes Service. */
import { defaultClusterRoleBindings, defaultClusterRoles } from "../auth/default-roles.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import type { ClusterInfo } from "../controllers/types.js";
import { TEKTON_CLUSTER_ROLES, TEKTON_CRDS } from "../tekton/crds.js";
import { PROMETHEUS_OPERATOR_CRDS } from "../monitoring/crds.js";

export const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function ensure(store: Store, gr: string, o: KObject): void {
  if (store.get(gr, o.metadata.namespace, o.metadata.name ?? "")) return;
  store.create(gr, o, { fieldManager: "kube-apiserver", keepStatus: true });
}

/** Node objects: three per cluster (or `count`), spread over the zones, the last with a GPU. */
export function seedNodes(cluster: ClusterInfo, wanted = 3): KObject[] {
  const zones = cluster.zones.length ? cluster.zones : [`${cluster.region}-a`];
  const count = Math.max(1, wanted, zones.length);
  const nodes: KObject[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${cluster.name}-node-${i + 1}`;
    const zone = zones[i % zones.length];
    const gpu = i === count - 1 ? "1" : "0";
    const capacity = { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi", "nvidia.com/gpu": gpu };
    nodes.push({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "beta.kubernetes.io/os": "linux",
          "beta.kubernetes.io/arch": "amd64",
          "node.kubernetes.io/instance-type": gpu === "1" ? "sandbox.gpu-8" : "sandbox.standard-8",
          "topology.kubernetes.io/region": cluster.region,
          "topology.kubernetes.io/zone": zone,
          ...(gpu === "1" ? { "nvidia.com/gpu.present": "true" } : {}),
          type: "kwok",
        },
        annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      },
      spec: {
        podCIDR: `10.${244 + Math.floor(i / 256)}.${i % 256}.0/24`,
        podCIDRs: [`10.${244 + Math.floor(i / 256)}.${i % 256}.0/24`],
        providerID: `sandbox://${cluster.name}/${name}`,
      },
      status: {
        capacity,
        allocatable: { ...capacity, memory: "31Gi" },
        phase: "Running",
        conditions: [
          { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
          { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
          { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
          { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
        ].map((c) => ({
          ...c,
          lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        })),
        addresses: [
          { type: "InternalIP", address: `10.0.${i % 256}.${10 + Math.floor(i / 256)}` },
          { type: "Hostname", address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: "amd64",
          bootID: "",
          containerRuntimeVersion: "kwok-v0.7.0",
          kernelVersion: "6.1.0-sandbox",
          kubeProxyVersion: "",
          kubeletVersion: "v1.33.1",
          machineID: "",
          operatingSystem: "linux",
          osImage: "Wharf Sandbox",
          systemUUID: "",
        },
      },
    });
  }
  return nodes;
}

/** Objects every cluster keeps (re-created at start when missing). */
export function ensureDefaults(store: Store): void {
  for (const ns of DEFAULT_NAMESPACES) ensure(store, "/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  for (const cr of defaultClusterRoles()) ensure(store, "rbac.authorization.k8s.io/clusterroles", cr);
  for (const b of defaultClusterRoleBindings()) ensure(store, "rbac.authorization.k8s.io/clusterrolebindings", b);
  // Tekton Pipelines is installed on every sandbox cluster (its controller is tekton/controller.ts)
  for (const crd of TEKTON_CRDS) ensure(store, "apiextensions.k8s.io/customresourcedefinitions", crd);
  for (const cr of TEKTON_CLUSTER_ROLES) ensure(store, "rbac.authorization.k8s.io/clusterroles", cr);
  // prometheus-operator's PrometheusRule kind, so the portal can apply alert rules for teams that run it (no operator runs)
  for (const crd of PROMETHEUS_OPERATOR_CRDS) ensure(store, "apiextensions.k8s.io/customresourcedefinitions", crd);
  if (!store.get("/services", "default", "kubernetes")) {
    store.create(
      "/services",
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
        spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], type: "ClusterIP" },
      },
      { fieldManager: "kube-apiserver" },
    );
  }
}

/** First start only: the nodes (later starts keep whatever the snapshot holds). */
export function seedFresh(store: Store, cluster: ClusterInfo, nodes?: number): void {
  for (const n of seedNodes(cluster, nodes)) ensure(store, "/nodes", n);
}
