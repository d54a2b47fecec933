/**
 * The metrics.k8s.io provider interface. Part 2's simulated kubelet sets a
 * real one (per-cluster `setMetricsProvider`); until then every pod and node
 * reports zero usage.
 */
import type { Store } from "../core/store.js";

export interface ResourceUsage {
  cpu: string;
  memory: string;
}

export interface PodMetricsSample {
  namespace: string;
  name: string;
  containers: { name: string; usage: ResourceUsage }[];
  /** RFC 3339; now when absent. */
  timestamp?: string;
  /** e.g. "30s". */
  window?: string;
}

export interface NodeMetricsSample {
  name: string;
  usage: ResourceUsage;
  timestamp?: string;
  window?: string;
}

export interface MetricsProvider {
  /** Samples for the pods of `namespace` (all namespaces when undefined). */
  podMetrics(store: Store, namespace: string | undefined): PodMetricsSample[];
  nodeMetrics(store: Store): NodeMetricsSample[];
}

/** Zero usage for every pod and node in the store. */
export const zeroMetricsProvider: MetricsProvider = {
  podMetrics(store, namespace) {
    return store.list("/pods", namespace === undefined ? {} : { namespace }).map((p) => ({
      namespace: p.metadata.namespace ?? "",
      name: p.metadata.name ?? "",
      containers: ((p.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => ({
        name: c.name,
        usage: { cpu: "0", memory: "0" },
      })),
    }));
  },
  nodeMetrics(store) {
    return store.list("/nodes").map((n) => ({ name: n.metadata.name ?? "", usage: { cpu: "0", memory: "0" } }));
  },
};

/** Prometheus text exposition (format 0.0.4) of a cluster's workloads, for `/metrics`. */
export type PrometheusProvider = () => string;

/** Until a provider is set: no series. */
export const emptyPrometheusProvider: PrometheusProvider = () => "";
