/**
 * The real Prometheus (Debian `prometheus`, 2.42) and Alertmanager (Debian
 * `prometheus-alertmanager`, 0.25) that `npm run dev`, the vitest global setup,
 * the e2e harness and the benchmarks start beside the sandbox clusters.
 *
 * Everything lives in one folder (`.wharf/monitoring` in dev, a temp folder in
 * tests):
 *
 *   prometheus.yml            generated: scrape jobs, rule_files, alerting
 *   alertmanager.yml          a minimal route to a receiver that sends nothing, until Wharf writes its own
 *                             (WHARF_ALERTMANAGER_CONFIG_FILE, lib/alerting/routing-apply.ts); a file that amtool
 *                             accepts is kept across starts (dev), so Alertmanager starts with Wharf's routes
 *   targets/<cluster>.json    one scrape target per cluster: its /metrics URL, CA and token
 *   targets/<cluster>.ca.pem, targets/<cluster>.token
 *   rules/*.yml               rule files Wharf writes (WHARF_PROMETHEUS_RULES_DIR); empty at first
 *   prometheus/, alertmanager/  their data
 *
 * Prometheus scrapes each cluster's `/metrics` over HTTPS with the cluster's CA
 * and bearer token (`authorization.credentials_file`), as it would scrape a real
 * API server, and labels every series `cluster="<name>"`. Adding or removing a
 * target rewrites prometheus.yml from the whole targets folder and reloads it
 * (`POST /-/reload`): several processes may add targets (test files, each with
 * its own sandbox); each rewrites from everything present after writing its own
 * file, so the last rewrite holds every target.
 *
 * Readiness is an event: each server's "ready" log line, then one `/-/ready`.
 * Both are stopped by `stop()` and, should the process end another way, by an
 * exit hook; dev keeps a pid file so a Prometheus left by a killed `npm run dev`
 * is stopped at the next start.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { freePort } from "./postgres";

export const PROMETHEUS_BIN = "/usr/bin/prometheus";
export const PROMTOOL_BIN = "/usr/bin/promtool";
export const ALERTMANAGER_BIN = "/usr/bin/prometheus-alertmanager";
export const AMTOOL_BIN = "/usr/bin/amtool";
/** The Debian packages that bring the binaries above. */
export const MONITORING_PACKAGES = ["prometheus", "prometheus-alertmanager"] as const;

/** A cluster Prometheus scrapes: `https://<host>/metrics` with its CA and bearer token. */
export interface ScrapeTarget {
  /** The cluster's name in the registry: every series of this target carries `cluster="<name>"`. */
  cluster: string;
  /** The API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  caPem: string;
  token: string;
}

export interface MonitoringServers {
  dir: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The file Alertmanager reads its configuration from: give it to Wharf as WHARF_ALERTMANAGER_CONFIG_FILE. */
  alertmanagerConfigFile: string;
  /** The folder of rule files Prometheus loads (`rule_files: <rulesDir>/*.yml`). */
  rulesDir: string;
  addTargets(targets: ScrapeTarget[]): Promise<void>;
  removeTargets(clusters: string[]): Promise<void>;
  stop(): Promise<void>;
}

export interface MonitoringOptions {
  dir: string;
  targets?: ScrapeTarget[];
  /** Default 2s (dev and tests: figures move while you look). */
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Ports to try first (dev: 9090 and 9093); a free port when taken or absent. */
  prometheusPort?: number;
  alertmanagerPort?: number;
  /** How long Prometheus keeps data (default 2d). */
  retention?: string;
  log?: (line: string) => void;
}

/** True when both binaries are installed. */
export function monitoringInstalled(): boolean {
  return [PROMETHEUS_BIN, ALERTMANAGER_BIN].every((bin) => isExecutable(bin));
}

function isExecutable(file: string) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the Debian packages when apt-get can be used here (root, or sudo
 * without a password). Returns what happened in a sentence; never throws.
 */
export function installMonitoring(log: (line: string) => void): { installed: boolean; reason: string } {
  if (!isExecutable("/usr/bin/apt-get")) return { installed: false, reason: "apt-get is not available on this machine" };
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  if (!root && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status !== 0) {
    return { installed: false, reason: "apt-get needs root and sudo asks for a password" };
  }
  log(`installing ${MONITORING_PACKAGES.join(" ")} with apt-get (WHARF_MONITORING_INSTALL=0 turns this off)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, ...args];
    return spawnSync(cmd, rest, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  };
  let r = run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...MONITORING_PACKAGES]);
  if (r.status !== 0) {
    run(["apt-get", "update", "-qq"]);
    r = run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...MONITORING_PACKAGES]);
  }
  if (r.status !== 0 || !monitoringInstalled()) {
    const last = (r.stderr || r.stdout || "").trim().split("\n").slice(-2).join(" ");
    return { installed: false, reason: `apt-get install failed: ${last || `exit ${r.status}`}` };
  }
  return { installed: true, reason: `installed ${MONITORING_PACKAGES.join(" and ")}` };
}

const TARGETS = "targets";
const RULES = "rules";

/** prometheus.yml for the targets present in `<dir>/targets`. */
export function prometheusConfig(opts: { dir: string; alertmanager: string; scrapeInterval: string; evaluationInterval: string }): string {
  const targetsDir = path.join(opts.dir, TARGETS);
  const targets = fs.existsSync(targetsDir)
    ? fs
        .readdirSync(targetsDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => JSON.parse(fs.readFileSync(path.join(targetsDir, f), "utf8")) as { cluster: string; host: string })
    : [];
  return YAML.stringify({
    global: {
      scrape_interval: opts.scrapeInterval,
      scrape_timeout: opts.scrapeInterval,
      evaluation_interval: opts.evaluationInterval,
      external_labels: { wharf: "local" },
    },
    rule_files: [path.join(opts.dir, RULES, "*.yml")],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] },
    scrape_configs: targets.map((t) => ({
      job_name: `cluster-${t.cluster}`,
      scheme: "https",
      metrics_path: "/metrics",
      tls_config: { ca_file: path.join(targetsDir, `${t.cluster}.ca.pem`) },
      authorization: { type: "Bearer", credentials_file: path.join(targetsDir, `${t.cluster}.token`) },
      static_configs: [{ targets: [t.host], labels: { cluster: t.cluster } }],
    })),
  });
}

/** The first alertmanager.yml: every alert goes to a receiver that sends nothing, until Wharf writes its configuration. */
export function alertmanagerConfig(): string {
  return YAML.stringify({
    route: { receiver: "wharf", group_by: ["alertname", "cluster", "namespace"], group_wait: "5s", group_interval: "30s", repeat_interval: "4h" },
    receivers: [{ name: "wharf" }],
  });
}

/** A scrape target from a kubeconfig with an embedded CA and a bearer token (what the sandbox writes). */
export function scrapeTargetFromKubeconfig(cluster: string, kubeconfig: string): ScrapeTarget {
  const doc = YAML.parse(kubeconfig) as {
    clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
    users?: { name: string; user: { token?: string } }[];
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    "current-context"?: string;
  };
  const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const c = doc.clusters?.find((x) => x.name === ctx?.context.cluster);
  const u = doc.users?.find((x) => x.name === ctx?.context.user);
  if (!c?.cluster["certificate-authority-data"] || !u?.user.token) {
    throw new Error(`the kubeconfig of ${cluster} has no embedded CA and bearer token to scrape /metrics with`);
  }
  return { cluster, server: c.cluster.server, caPem: Buffer.from(c.cluster["certificate-authority-data"], "base64").toString("utf8"), token: u.user.token };
}

/** Writes the targets' files (and nothing else); `reloadPrometheus` makes them count. */
export function writeTargets(dir: string, targets: ScrapeTarget[]) {
  const targetsDir = path.join(dir, TARGETS);
  fs.mkdirSync(targetsDir, { recursive: true, mode: 0o700 });
  for (const t of targets) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(t.cluster)) throw new Error(`not a cluster name: ${t.cluster}`);
    const url = new URL(t.server);
    atomicWrite(path.join(targetsDir, `${t.cluster}.ca.pem`), t.caPem);
    atomicWrite(path.join(targetsDir, `${t.cluster}.token`), t.token, 0o600);
    atomicWrite(path.join(targetsDir, `${t.cluster}.json`), JSON.stringify({ cluster: t.cluster, host: url.host }));
  }
}

function atomicWrite(file: string, text: string, mode = 0o644) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

interface SavedConfig {
  alertmanager: string;
  scrapeInterval: string;
  evaluationInterval: string;
  prometheusUrl: string;
}

/**
 * Rewrites prometheus.yml from the targets folder and reloads Prometheus. Used
 * by the process that started it and by others that share its folder (a test
 * file adding its sandbox's clusters).
 */
export async function reloadPrometheus(dir: string): Promise<void> {
  const saved = JSON.parse(fs.readFileSync(path.join(dir, "servers.json"), "utf8")) as SavedConfig;
  atomicWrite(path.join(dir, "prometheus.yml"), prometheusConfig({ dir, ...saved }));
  const res = await fetch(`${saved.prometheusUrl}/-/reload`, { method: "POST", signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Prometheus refused to reload its configuration: ${(await res.text()).trim()}`);
}

/** Adds scrape targets to a running Prometheus whose folder is `dir`. */
export async function addScrapeTargets(dir: string, targets: ScrapeTarget[]) {
  writeTargets(dir, targets);
  await reloadPrometheus(dir);
}

/** Removes scrape targets (by cluster name) from a running Prometheus whose folder is `dir`. */
export async function removeScrapeTargets(dir: string, clusters: string[]) {
  for (const c of clusters) for (const ext of [".json", ".ca.pem", ".token"]) fs.rmSync(path.join(dir, TARGETS, `${c}${ext}`), { force: true });
  await reloadPrometheus(dir);
}

async function portOr(preferred: number | undefined): Promise<number> {
  if (!preferred) return freePort();
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => void freePort().then(resolve));
    s.listen(preferred, "127.0.0.1", () => s.close(() => resolve(preferred)));
  });
}

/** Stops a server a previous run left behind in this folder (its pid file names it, its command line must name the folder). */
function stopLeftover(pidFile: string, dir: string) {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, "utf8").trim());
  } catch {
    return;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (pid > 0 && cmdline.includes(dir)) process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
  fs.rmSync(pidFile, { force: true });
}

interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Spawns a server and resolves when it logs `readyLine` and answers `readyUrl`;
 * rejects with its last log lines when it exits first.
 */
function startServer(name: string, bin: string, args: string[], opts: { pidFile: string; readyLine: RegExp; readyUrl: string; log: (l: string) => void }) {
  return new Promise<Started>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    fs.writeFileSync(opts.pidFile, String(child.pid));
    const tail: string[] = [];
    let ready = false;
    const onExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    process.on("exit", onExit);
    const stop = () =>
      new Promise<void>((done) => {
        process.off("exit", onExit);
        fs.rmSync(opts.pidFile, { force: true });
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(timer);
          done();
        });
        child.kill("SIGTERM");
      });
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (!ready && opts.readyLine.test(line)) {
        ready = true;
        fetch(opts.readyUrl, { signal: AbortSignal.timeout(10_000) })
          .then(async (res) => {
            if (!res.ok) throw new Error(`${opts.readyUrl} answered ${res.status}`);
            resolve({ child, stop });
          })
          .catch((e: unknown) => {
            void stop();
            reject(new Error(`${name} logged it was ready but ${opts.readyUrl} did not answer: ${e instanceof Error ? e.message : String(e)}`));
          });
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buf = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    child.once("error", (e) => {
      process.off("exit", onExit);
      reject(new Error(`${name} could not start (${bin}): ${e.message}`));
    });
    child.once("exit", (code, signal) => {
      process.off("exit", onExit);
      if (!ready) reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready:\n${tail.join("\n")}`));
      else opts.log(`${name} stopped (${signal ?? `code ${code}`})`);
    });
  });
}

/** Starts Alertmanager, then Prometheus (which sends its alerts there), in `opts.dir`. */
export async function startMonitoring(opts: MonitoringOptions): Promise<MonitoringServers> {
  const log = opts.log ?? (() => {});
  const dir = path.resolve(opts.dir);
  const rulesDir = path.join(dir, RULES);
  fs.mkdirSync(rulesDir, { recursive: true });
  fs.mkdirSync(path.join(dir, TARGETS), { recursive: true, mode: 0o700 });
  const promPidFile = path.join(dir, "prometheus.pid");
  const amPidFile = path.join(dir, "alertmanager.pid");
  stopLeftover(promPidFile, dir);
  stopLeftover(amPidFile, dir);

  const amPort = await portOr(opts.alertmanagerPort);
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const alertmanagerConfigFile = path.join(dir, "alertmanager.yml");
  // Wharf's own configuration from an earlier start stays (checked: a file Alertmanager refuses would stop it starting).
  const kept = fs.existsSync(alertmanagerConfigFile) && spawnSync(AMTOOL_BIN, ["check-config", alertmanagerConfigFile], { stdio: "ignore" }).status === 0;
  if (!kept) fs.writeFileSync(alertmanagerConfigFile, alertmanagerConfig());
  const am = await startServer(
    "Alertmanager",
    ALERTMANAGER_BIN,
    [
      `--config.file=${path.join(dir, "alertmanager.yml")}`,
      `--storage.path=${path.join(dir, "alertmanager")}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      `--web.external-url=${alertmanagerUrl}`,
      // One instance: no gossip port (its default, 9094, would clash between runs).
      "--cluster.listen-address=",
    ],
    { pidFile: amPidFile, readyLine: /Listening on|msg="Listening/, readyUrl: `${alertmanagerUrl}/-/ready`, log },
  );

  const promPort = await portOr(opts.prometheusPort);
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const saved: SavedConfig = {
    alertmanager: `127.0.0.1:${amPort}`,
    scrapeInterval: opts.scrapeInterval ?? "2s",
    evaluationInterval: opts.evaluationInterval ?? "2s",
    prometheusUrl,
  };
  fs.writeFileSync(path.join(dir, "servers.json"), JSON.stringify({ ...saved, alertmanagerUrl, rulesDir }, null, 2));
  writeTargets(dir, opts.targets ?? []);
  atomicWrite(path.join(dir, "prometheus.yml"), prometheusConfig({ dir, ...saved }));
  let prom: Started;
  try {
    prom = await startServer(
      "Prometheus",
      PROMETHEUS_BIN,
      [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "prometheus")}`,
        `--storage.tsdb.retention.time=${opts.retention ?? "2d"}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        `--web.external-url=${prometheusUrl}`,
        "--web.enable-lifecycle",
      ],
      { pidFile: promPidFile, readyLine: /Server is ready to receive web requests/, readyUrl: `${prometheusUrl}/-/ready`, log },
    );
  } catch (e) {
    await am.stop();
    throw e;
  }
  let stopped = false;
  return {
    dir,
    prometheusUrl,
    alertmanagerUrl,
    alertmanagerConfigFile,
    rulesDir,
    addTargets: (targets) => addScrapeTargets(dir, targets),
    removeTargets: (clusters) => removeScrapeTargets(dir, clusters),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([prom.stop(), am.stop()]);
    },
  };
}

/** `promtool check rules FILE`: null when valid, else promtool's own words. */
export function checkRuleFile(file: string): string | null {
  const r = spawnSync(PROMTOOL_BIN, ["check", "rules", file], { encoding: "utf8" });
  if (r.error) throw new Error(`promtool could not run (${PROMTOOL_BIN}): ${r.error.message}`);
  return r.status === 0 ? null : `${r.stdout}\n${r.stderr}`.trim();
}
