/**
 * What a controller gets and gives. Controllers are in-process modules that
 * react to store changes (store.subscribe / store.informer) and write through
 * the same store API as the REST layer. Register new ones in controllers/index.ts.
 */
import type { Store } from "../core/store.js";
import type { MetricsProvider } from "../server/metrics.js";

export interface ClusterInfo {
  name: string;
  region: string;
  zones: string[];
}

export interface ControllerContext {
  store: Store;
  cluster: ClusterInfo;
  /** Part 2's simulated kubelet fills this in (setMetricsProvider) for metrics.k8s.io. */
  setMetricsProvider(provider: MetricsProvider): void;
}

export interface Controller {
  name: string;
  /** Starts reacting; returns a function that stops it. */
  start(ctx: ControllerContext): () => void;
}
