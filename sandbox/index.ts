/**
 * Wharf's Kubernetes sandbox: several simulated clusters in one process, each
 * on its own HTTPS port with its own CA, that kubectl and
 * @kubernetes/client-node use as real clusters. See sandbox/README.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type http from "node:http";
import path from "node:path";
import { ADMIN_USER, Identities } from "./auth/identities.js";
import type { Controller } from "./controllers/index.js";
import { startAdminServer } from "./server/admin.js";
import { SandboxCluster } from "./server/cluster.js";
import { renderKubeconfig } from "./server/kubeconfig.js";
import type { SimulationOptions } from "./controllers/options.js";

export { SandboxCluster } from "./server/cluster.js";
export type { ClusterState } from "./server/cluster.js";
export { Store } from "./core/store.js";
export type { AdmissionHook, AdmissionRequest, StoreEvent, UserInfo, InformerHandlers } from "./core/store.js";
export type { KObject, ResourceType } from "./core/types.js";
export { StatusError, forbidden, invalid, notFound, conflict, alreadyExists, badRequest } from "./core/errors.js";
export type { MetricsProvider, PodMetricsSample, NodeMetricsSample, PrometheusProvider } from "./server/metrics.js";
export type { SimulationOptions, ResolvedSimulationOptions } from "./controllers/options.js";
export type { LogProvider, LogRequest, LogSink } from "./server/logs.js";
export { controllers, apiServerControllers } from "./controllers/index.js";
export type { Controller, ControllerContext, ClusterInfo } from "./controllers/index.js";
export { ADMIN_USER } from "./auth/identities.js";

export interface ClusterSpec {
  name: string;
  region?: string;
  zones?: string[];
  /** Nodes seeded on first start (default 3; the last has an nvidia.com/gpu). */
  nodes?: number;
  /** Overrides the sandbox-wide `simulation` options for this cluster. */
  simulation?: SimulationOptions;
}

export interface SandboxOptions {
  /** Default: sandbox-east (us-east) and sandbox-west (us-west). */
  clusters?: ClusterSpec[];
  /** Folder for per-cluster state (certificates, kubeconfig, snapshot). Default `$WHARF_SANDBOX_STATE_DIR` or `.wharf/sandbox`. */
  stateDir?: string;
  /** Where the merged kubeconfig goes. Default: `$WHARF_SANDBOX_KUBECONFIG` or `<stateDir>/../kubeconfig` (`.wharf/kubeconfig`). */
  kubeconfigPath?: string;
  /** Restore from and save snapshots in the state folder. Default false. */
  snapshot?: boolean;
  /** One HTTPS port per cluster, in order; free ports when absent or 0. */
  ports?: number[];
  /** Users created at start (tokens valid on every cluster). */
  users?: { name: string; groups?: string[] }[];
  /** Port of the admin endpoint; 0 (default) picks a free one; -1 disables it. */
  adminPort?: number;
  /** Interval of watch BOOKMARK events, ms (default 10 000). */
  bookmarkIntervalMs?: number;
  /** Controllers each cluster runs (default: the list in controllers/index.ts). */
  controllers?: Controller[];
  /**
   * Workload simulation knobs for every cluster (kubelet start delay, time
   * scale of probes/back-offs, HPA period ...). See controllers/options.ts.
   */
  simulation?: SimulationOptions;
}

export interface Sandbox {
  clusters: SandboxCluster[];
  /** The merged kubeconfig: context <cluster> (admin) and <cluster>-<user> per user. */
  kubeconfigPath: string;
  /** http://127.0.0.1:<port> of the admin endpoint (undefined when disabled). */
  adminUrl: string | undefined;
  cluster(name: string): SandboxCluster;
  /** Creates (or updates the groups of) a user; returns its bearer token, valid on every cluster. */
  addUser(name: string, groups?: string[]): string;
  /** Revokes a user's token and gives it a new one (kubeconfigs are rewritten); returns the new token. */
  rotateToken(name: string): string;
  /** The merged kubeconfig text. */
  mergedKubeconfig(): string;
  /** Writes a snapshot of every cluster now (when snapshots are on). */
  saveSnapshots(): void;
  stop(): Promise<void>;
}

export const DEFAULT_CLUSTERS: ClusterSpec[] = [
  { name: "sandbox-east", region: "us-east" },
  { name: "sandbox-west", region: "us-west" },
];

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const stateDir = path.resolve(opts.stateDir ?? process.env.WHARF_SANDBOX_STATE_DIR ?? path.join(".wharf", "sandbox"));
  const kubeconfigPath = path.resolve(opts.kubeconfigPath ?? process.env.WHARF_SANDBOX_KUBECONFIG ?? path.join(stateDir, "..", "kubeconfig"));
  mkdirSync(stateDir, { recursive: true });
  const identities = new Identities(path.join(stateDir, "identities.json"));
  for (const u of opts.users ?? []) identities.add(u.name, u.groups ?? []);
  const specs = opts.clusters ?? DEFAULT_CLUSTERS;
  const clusters: SandboxCluster[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      const region = spec.region ?? "us-east";
      clusters.push(
        await SandboxCluster.create({
          name: spec.name,
          region,
          zones: spec.zones ?? [`${region}-a`, `${region}-b`, `${region}-c`],
          port: opts.ports?.[i] ?? 0,
          dir: path.join(stateDir, spec.name),
          identities,
          snapshot: opts.snapshot ?? false,
          ...(opts.bookmarkIntervalMs ? { bookmarkIntervalMs: opts.bookmarkIntervalMs } : {}),
          ...(opts.controllers ? { controllers: opts.controllers } : {}),
          ...(spec.nodes ? { nodes: spec.nodes } : {}),
          simulation: { ...opts.simulation, ...spec.simulation },
        }),
      );
    }
  } catch (e) {
    for (const c of clusters) await c.shutdown();
    throw e;
  }

  const users = () => identities.list().map((u) => ({ name: u.name, token: identities.tokenOf(u.name) ?? "" }));
  const mergedKubeconfig = () => {
    const us = users();
    const contexts = clusters.flatMap((c) => us.map((u) => ({ name: u.name === ADMIN_USER ? c.name : `${c.name}-${u.name}`, cluster: c.name, user: u.name })));
    return renderKubeconfig(
      clusters.map((c) => ({ name: c.name, server: c.server, caPem: c.caPem })),
      us,
      contexts,
      clusters[0]?.name ?? "",
    );
  };
  const writeKubeconfigs = () => {
    const us = users();
    for (const c of clusters) c.writeKubeconfig(us);
    mkdirSync(path.dirname(kubeconfigPath), { recursive: true });
    writeFileSync(kubeconfigPath, mergedKubeconfig(), { mode: 0o600 });
  };
  writeKubeconfigs();

  const addUser = (name: string, groups: string[] = []) => {
    const token = identities.add(name, groups);
    writeKubeconfigs();
    return token;
  };

  let admin: http.Server | undefined;
  const handle: Sandbox = {
    clusters,
    kubeconfigPath,
    adminUrl: undefined,
    cluster(name) {
      const c = clusters.find((x) => x.name === name);
      if (!c) throw new Error(`sandbox: no cluster named "${name}" (have ${clusters.map((x) => x.name).join(", ")})`);
      return c;
    },
    addUser,
    rotateToken(name: string) {
      const token = identities.rotateToken(name);
      writeKubeconfigs();
      return token;
    },
    mergedKubeconfig,
    saveSnapshots() {
      if (opts.snapshot) for (const c of clusters) c.saveSnapshot(true);
    },
    async stop() {
      const a = admin;
      if (a) {
        await new Promise<void>((r) => {
          a.close(() => r());
          // idle keep-alive connections would otherwise hold close() open
          a.closeAllConnections();
        });
      }
      for (const c of clusters) await c.shutdown();
    },
  };
  if ((opts.adminPort ?? 0) >= 0) {
    admin = await startAdminServer({ clusters, addUser, kubeconfigPath, mergedKubeconfig }, opts.adminPort ?? 0);
    const addr = admin.address();
    handle.adminUrl = addr && typeof addr === "object" ? `http://127.0.0.1:${addr.port}` : undefined;
  }
  return handle;
}
