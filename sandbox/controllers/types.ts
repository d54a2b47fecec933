/**
 * What a controller gets and gives. Controllers are in-process modules that
 * react to store changes (store.subscribe / store.informer) and write through
 * the same store API as the REST layer. Register new ones in controllers/index.ts.
 */
import type { Store } from "../core/store.js";
import type { LogProvider } from "../server/logs.js";
import type { MetricsProvider, PrometheusProvider } from "../server/metrics.js";
import type { ResolvedSimulationOptions } from "./options.js";

export interface ClusterInfo {
  name: string;
  region: string;
  zones: string[];
}

export interface ControllerContext {
  store: Store;
  cluster: ClusterInfo;
  /** Workload simulation knobs of this cluster (delays, time scale, HPA period ...). */
  options: ResolvedSimulationOptions;
  /** The simulated kubelet fills this in for metrics.k8s.io. */
  setMetricsProvider(provider: MetricsProvider): void;
  /** The simulated kubelet serves pods/log through this. */
  setLogProvider(provider: LogProvider): void;
  /** Prometheus text for `/metrics` (cluster port and admin endpoint). */
  setPrometheusProvider(provider: PrometheusProvider): void;
}

export interface Controller {
  name: string;
  /** Starts reacting; returns a function that stops it. */
  start(ctx: ControllerContext): () => void;
}
