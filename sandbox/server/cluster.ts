/**
 * One simulated cluster: its store, controllers, HTTPS server (own port, own
 * CA) and fault injection (stop/start, latency, failNext).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import type { Identities } from "../auth/identities.js";
import { ADMIN_USER } from "../auth/identities.js";
import { rbacEscalationPrevention } from "../auth/rbac.js";
import { controllers as defaultControllers, type Controller, type ClusterInfo } from "../controllers/index.js";
import { reasonForCode, StatusError } from "../core/errors.js";
import { Store, type StoreSnapshot } from "../core/store.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { emptyLogProvider, type LogProvider } from "./logs.js";
import { emptyPrometheusProvider, zeroMetricsProvider, type MetricsProvider, type PrometheusProvider } from "./metrics.js";
import { resolveSimulationOptions, type ResolvedSimulationOptions, type SimulationOptions } from "../controllers/options.js";
import { loadOrCreatePki, type ClusterPki } from "./pki.js";
import { handleApiRequest, sendStatusError } from "./rest.js";
import { ensureDefaults, seedFresh } from "./seed.js";

export interface ClusterOptions {
  name: string;
  region: string;
  zones: string[];
  /** 0 = a free port (kept for later restarts). */
  port: number;
  /** This cluster's state folder (certificates, kubeconfig, snapshot). */
  dir: string;
  identities: Identities;
  snapshot: boolean;
  bookmarkIntervalMs?: number;
  controllers?: Controller[];
  /** Workload simulation knobs (kubelet delays, time scale, HPA period ...). */
  simulation?: SimulationOptions;
  /** Number of nodes seeded on first start (default 3, at least one per zone). */
  nodes?: number;
}

export type ClusterState = "running" | "stopped";

export class SandboxCluster {
  readonly name: string;
  readonly region: string;
  readonly zones: string[];
  readonly store: Store;
  readonly dir: string;
  private pki!: ClusterPki;
  private port: number;
  private httpServer?: https.Server;
  private sockets = new Set<Socket>();
  private latencyMs = 0;
  private failures: { count: number; status: number; message?: string } = { count: 0, status: 500 };
  private metricsProvider: MetricsProvider = zeroMetricsProvider;
  private logProvider: LogProvider = emptyLogProvider;
  private prometheusProvider: PrometheusProvider = emptyPrometheusProvider;
  /** The resolved simulation options this cluster's controllers run with. */
  readonly simulation: ResolvedSimulationOptions;
  private stopControllers: (() => void)[] = [];
  private snapshotTimer?: NodeJS.Timeout;
  private savedRV = -1;

  private constructor(private readonly opts: ClusterOptions) {
    this.name = opts.name;
    this.region = opts.region;
    this.zones = opts.zones;
    this.port = opts.port;
    this.dir = opts.dir;
    this.store = new Store();
    this.simulation = resolveSimulationOptions(opts.simulation);
  }

  static async create(opts: ClusterOptions): Promise<SandboxCluster> {
    const c = new SandboxCluster(opts);
    await c.init();
    return c;
  }

  get info(): ClusterInfo {
    return { name: this.name, region: this.region, zones: this.zones };
  }

  private get snapshotFile(): string {
    return path.join(this.dir, "snapshot.json");
  }

  private async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.pki = await loadOrCreatePki(this.dir, this.name);
    let restored = false;
    if (this.opts.snapshot && existsSync(this.snapshotFile)) {
      try {
        this.store.restore(JSON.parse(readFileSync(this.snapshotFile, "utf8")) as StoreSnapshot);
        restored = true;
      } catch (e) {
        console.error(`[sandbox] ${this.name}: ignoring unreadable snapshot ${this.snapshotFile}:`, (e as Error).message);
      }
    }
    ensureDefaults(this.store);
    // Part of the API server itself, whatever controllers run: RBAC writes cannot grant more than their author holds.
    this.store.addAdmissionHook(rbacEscalationPrevention());
    if (!restored) seedFresh(this.store, this.info, this.opts.nodes);
    for (const c of this.opts.controllers ?? defaultControllers) {
      this.stopControllers.push(
        c.start({
          store: this.store,
          cluster: this.info,
          options: this.simulation,
          setMetricsProvider: (p) => this.setMetricsProvider(p),
          setLogProvider: (p) => this.setLogProvider(p),
          setPrometheusProvider: (p) => this.setPrometheusProvider(p),
        }),
      );
    }
    await this.store.settled();
    if (this.opts.snapshot) {
      this.snapshotTimer = setInterval(() => this.saveSnapshot(), 5000);
      this.snapshotTimer.unref();
    }
    await this.start();
  }

  // ---------------------------------------------------------------- addresses and kubeconfigs

  /** https://127.0.0.1:<port> */
  get server(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get caPem(): string {
    return this.pki.caPem;
  }

  /** The CA as kubeconfig's certificate-authority-data (base64 of the PEM). */
  get caData(): string {
    return Buffer.from(this.pki.caPem).toString("base64");
  }

  get state(): ClusterState {
    return this.httpServer?.listening ? "running" : "stopped";
  }

  /** Admin kubeconfig (user kubernetes-admin, group system:masters). */
  get kubeconfig(): string {
    return this.kubeconfigFor(ADMIN_USER);
  }

  /** A kubeconfig for one user of the sandbox (added with addUser). */
  kubeconfigFor(user: string): string {
    const token = this.opts.identities.tokenOf(user);
    if (!token) throw new Error(`sandbox: unknown user "${user}" (add it with addUser first)`);
    const ctx = user === ADMIN_USER ? this.name : `${this.name}-${user}`;
    return renderKubeconfig(
      [{ name: this.name, server: this.server, caPem: this.pki.caPem }],
      [{ name: user, token }],
      [{ name: ctx, cluster: this.name, user }],
      ctx,
    );
  }

  // ---------------------------------------------------------------- part 2 hooks

  setMetricsProvider(p: MetricsProvider): void {
    this.metricsProvider = p;
  }

  setLogProvider(p: LogProvider): void {
    this.logProvider = p;
  }

  setPrometheusProvider(p: PrometheusProvider): void {
    this.prometheusProvider = p;
  }

  /** Prometheus text of this cluster's workloads (what `/metrics` serves). */
  prometheusText(): string {
    return this.prometheusProvider();
  }

  // ---------------------------------------------------------------- faults

  /** Adds `ms` of latency to every request (0 to clear). */
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  get latency(): number {
    return this.latencyMs;
  }

  /** The next `n` requests fail with `status` and a Status body. */
  failNext(n: number, status = 500, message?: string): void {
    this.failures = { count: Math.max(0, n), status, ...(message ? { message } : {}) };
  }

  get pendingFailures(): number {
    return this.failures.count;
  }

  /** Opens the port (same port and state as before a stop). */
  async start(): Promise<void> {
    if (this.httpServer?.listening) return;
    const srv = https.createServer({ cert: this.pki.certPem, key: this.pki.keyPem }, (req, res) => {
      void this.onRequest(req, res);
    });
    srv.keepAliveTimeout = 65_000;
    srv.requestTimeout = 0;
    srv.headersTimeout = 60_000;
    srv.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(this.port, "127.0.0.1", () => {
        srv.off("error", reject);
        resolve();
      });
    });
    const addr = srv.address();
    if (addr && typeof addr === "object") this.port = addr.port;
    this.httpServer = srv;
  }

  /** Closes the port and drops every open connection (watches included). State is kept. */
  async stop(): Promise<void> {
    const srv = this.httpServer;
    if (!srv) return;
    this.httpServer = undefined;
    const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Stops for good: server, controllers, snapshot timer (saving a last snapshot). */
  async shutdown(): Promise<void> {
    await this.stop();
    for (const stop of this.stopControllers) stop();
    this.stopControllers = [];
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    if (this.opts.snapshot) this.saveSnapshot(true);
  }

  /** Writes the store to snapshot.json when it changed since the last save. */
  saveSnapshot(force = false): void {
    if (!force && this.store.resourceVersion === this.savedRV) return;
    const tmp = `${this.snapshotFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.store.snapshot()));
    renameSync(tmp, this.snapshotFile);
    this.savedRV = this.store.resourceVersion;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (process.env.WHARF_SANDBOX_DEBUG) {
      res.on("finish", () =>
        console.log(
          `[sandbox] ${this.name} ${req.method ?? ""} ${req.url ?? ""} -> ${res.statusCode} (ct=${String(req.headers["content-type"] ?? "")} accept=${String(req.headers.accept ?? "")} ua=${String(req.headers["user-agent"] ?? "")})`,
        ),
      );
    }
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      const { status, message } = this.failures;
      // drain the body so the client sees the answer, not a reset
      req.resume();
      sendStatusError(res, new StatusError(status, reasonForCode(status), message ?? `sandbox: injected failure (${status})`));
      return;
    }
    await handleApiRequest(
      {
        store: this.store,
        identities: this.opts.identities,
        metrics: () => this.metricsProvider,
        logs: () => this.logProvider,
        prometheus: () => this.prometheusProvider(),
        serverAddress: () => `127.0.0.1:${this.port}`,
        bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 10_000,
      },
      req,
      res,
    );
  }

  /** Writes this cluster's own kubeconfig (admin and every user) into its folder. */
  writeKubeconfig(users: { name: string; token: string }[]): string {
    const file = path.join(this.dir, "kubeconfig");
    const contexts = users.map((u) => ({ name: u.name === ADMIN_USER ? this.name : `${this.name}-${u.name}`, cluster: this.name, user: u.name }));
    writeFileSync(file, renderKubeconfig([{ name: this.name, server: this.server, caPem: this.pki.caPem }], users, contexts, this.name), { mode: 0o600 });
    return file;
  }
}
