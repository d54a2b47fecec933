/**
 * `npm run bench:sandbox`: one cluster with 5,000 running pods in 200
 * namespaces; measures, over HTTPS through @kubernetes/client-node, list
 * latency (all pods, one namespace, by label), watch delivery latency to 20
 * watchers, the sandbox process's memory, and the rollout time of 100
 * Deployments x 3 replicas at zero kubelet delay. Exits 1 when a target is
 * missed (lists are judged by their median, watches by their p99).
 *
 * Like the portal and a dev sandbox, the sandbox runs in its own process
 * (this file re-executed with --server); the parent is only the client.
 */
import { fork } from "node:child_process";
import https from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppsV1Api, CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { startSandbox } from "./index.js";
import type { KObject } from "./core/types.js";

const NAMESPACES = 200;
const PODS = 5000;
const WATCHERS = 20;
const WATCH_EVENTS = 200;
const DEPLOYMENTS = 100;
const RUNS = 20;
/** Cheap lists get more samples, so one scheduling hiccup of a shared machine does not make the p95. */
const SMALL_RUNS = 100;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface Ready {
  kubeconfig: string;
  createdMs: number;
  runningMs: number;
}
interface Memory {
  heapUsed: number;
  rss: number;
}

// ------------------------------------------------------------------ the sandbox process

async function server(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-bench-"));
  const sb = await startSandbox({
    clusters: [{ name: "bench", region: "us-east", nodes: 60 }],
    stateDir: path.join(dir, "state"),
    kubeconfigPath: path.join(dir, "kubeconfig"),
    adminPort: -1,
    simulation: { podStartDelayMs: 0, timeScale: 0 },
  });
  const store = sb.clusters[0].store;
  const t0 = performance.now();
  for (let n = 0; n < NAMESPACES; n++) store.create("/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: `team-${n}` } });
  for (let i = 0; i < PODS; i++) {
    const app = `svc-${i % 40}`;
    const pod: KObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${app}-${i}`,
        namespace: `team-${i % NAMESPACES}`,
        labels: { app, tier: i % 3 === 0 ? "web" : "worker", "app.kubernetes.io/part-of": "bench" },
      },
      spec: {
        containers: [
          {
            name: "app",
            image: i % 5 === 0 ? "ghcr.io/acme/orders-java:1.4.2" : "nginx:1.27",
            ports: [{ containerPort: 8080 }],
            resources: { requests: { cpu: "10m", memory: "32Mi" } },
          },
        ],
      },
    };
    // created the way a ReplicaSet creates pods (control-plane writes carry no managedFields, see README)
    store.create("/pods", pod, { fieldManager: "kube-controller-manager", untracked: true });
  }
  const createdMs = performance.now() - t0;
  for (;;) {
    let running = 0;
    for (const p of store.listRaw("/pods")) if ((p.status as { phase?: string } | undefined)?.phase === "Running") running++;
    if (running >= PODS) break;
    await sleep(50);
  }
  await store.settled();
  const runningMs = performance.now() - t0;
  const send = (m: unknown) => process.send?.(m);
  process.on("message", (m: { cmd: string }) => {
    if (m.cmd === "memory") {
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      send({ memory: { heapUsed: u.heapUsed, rss: u.rss } satisfies Memory });
    } else if (m.cmd === "stop") {
      void sb.stop().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  send({ ready: { kubeconfig: sb.clusters[0].kubeconfig, createdMs, runningMs } satisfies Ready });
}

// ------------------------------------------------------------------ the client

async function timed(fn: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function client(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["--server"], {
    execArgv: [...process.execArgv, "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>(key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: Record<string, T>) => {
        if (key in m) {
          child.off("message", onMsg);
          resolve(m[key]);
        }
      };
      child.on("message", onMsg);
      child.once("exit", (code) => reject(new Error(`sandbox process exited (${code ?? "signal"})`)));
    });
  const results: { name: string; value: string; target?: string; ok?: boolean; note?: string }[] = [];
  try {
    console.log(`starting the sandbox and ${PODS} pods in ${NAMESPACES} namespaces ...`);
    const ready = await next<Ready>("ready");
    results.push({ name: `create ${PODS} pods in ${NAMESPACES} namespaces (store)`, value: ms(ready.createdMs) });
    results.push({ name: "... until all Running and Ready (scheduler + kubelet)", value: ms(ready.runningMs) });
    const kc = new KubeConfig();
    kc.loadFromString(ready.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);

    // watch delivery: from the client's create call to each watcher's handler
    const sent = new Map<string, number>();
    const lat: number[] = [];
    const aborts: AbortController[] = [];
    const watch = new Watch(kc);
    for (let w = 0; w < WATCHERS; w++) {
      aborts.push(
        await watch.watch(
          "/api/v1/namespaces/team-3/configmaps",
          { allowWatchBookmarks: true },
          (type, obj: KObject) => {
            const at = sent.get(obj.metadata.name ?? "");
            if (type === "ADDED" && at !== undefined) lat.push(performance.now() - at);
          },
          () => undefined,
        ),
      );
    }
    await sleep(300);
    for (let i = 0; i < WATCH_EVENTS; i++) {
      const name = `probe-${i}`;
      sent.set(name, performance.now());
      await core.createNamespacedConfigMap({ namespace: "team-3", body: { metadata: { name }, data: { i: String(i) } } });
    }
    const deadline = Date.now() + 20_000;
    while (lat.length < WATCHERS * WATCH_EVENTS && Date.now() < deadline) await sleep(20);
    for (const a of aborts) a.abort();
    results.push({
      name: `watch delivery, ${WATCHERS} watchers x ${WATCH_EVENTS} creates p50 / p99`,
      value: `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))}`,
      target: "p99 < 50 ms",
      ok: lat.length === WATCHERS * WATCH_EVENTS && pct(lat, 99) < 50,
    });

    // lists
    const count = (await core.listPodForAllNamespaces()).items.length;
    // the sandbox's share: the HTTPS response of all pods, to its last byte, as any client receives it
    const cluster = kc.getCurrentCluster();
    const ca = Buffer.from(cluster?.caData ?? "", "base64");
    const token = kc.getCurrentUser()?.token ?? "";
    const raw = (p: string) =>
      new Promise<void>((resolve, reject) => {
        const u = new URL(p, cluster?.server);
        https
          .get(
            { host: u.hostname, port: u.port, path: u.pathname + u.search, ca, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } },
            (res) => {
              res.on("data", () => undefined);
              res.on("end", () => resolve());
              res.on("error", reject);
            },
          )
          .on("error", reject);
      });
    // small lists first: the multi-megabyte ones leave garbage the client would collect during the next series
    const one = await timed(() => core.listNamespacedPod({ namespace: "team-7" }), SMALL_RUNS);
    const byLabel = await timed(() => core.listPodForAllNamespaces({ labelSelector: "app=svc-7,tier=web" }), SMALL_RUNS);
    const allRaw = await timed(() => raw("/api/v1/pods"));
    const all = await timed(() => core.listPodForAllNamespaces());
    const labelled = (await core.listPodForAllNamespaces({ labelSelector: "app=svc-7,tier=web" })).items.length;
    results.push({
      name: `list all pods (${count}), HTTPS response to last byte p50 / p95`,
      value: `${ms(pct(allRaw, 50))} / ${ms(pct(allRaw, 95))}`,
      target: "p50 < 200 ms",
      ok: pct(allRaw, 50) < 200,
    });
    results.push({
      name: "list all pods, client-node listPodForAllNamespaces p50 / p95",
      value: `${ms(pct(all, 50))} / ${ms(pct(all, 95))}`,
      note: "incl. client-node's JSON.parse + typed deserialisation of ~9 MB",
    });
    results.push({
      name: "list one namespace (25 pods) p50 / p95",
      value: `${ms(pct(one, 50))} / ${ms(pct(one, 95))}`,
      target: "p50 < 10 ms",
      ok: pct(one, 50) < 10,
    });
    results.push({
      name: `list by label, all namespaces (${labelled} pods) p50 / p95`,
      value: `${ms(pct(byLabel, 50))} / ${ms(pct(byLabel, 95))}`,
      note: "label index, then sort and filter",
    });

    // memory of the sandbox process
    child.send({ cmd: "memory" });
    const mem = await next<Memory>("memory");
    results.push({ name: "sandbox process memory after GC (heap used / rss)", value: `${mb(mem.heapUsed)} / ${mb(mem.rss)}` });

    // rollout of 100 deployments at zero kubelet delay
    await core.createNamespace({ body: { metadata: { name: "rollout" } } });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: DEPLOYMENTS }, (_, i) =>
        apps.createNamespacedDeployment({
          namespace: "rollout",
          body: {
            metadata: { name: `web-${i}` },
            spec: {
              replicas: 3,
              selector: { matchLabels: { app: `web-${i}` } },
              template: { metadata: { labels: { app: `web-${i}` } }, spec: { containers: [{ name: "app", image: "nginx:1.27" }] } },
            },
          },
        }),
      ),
    );
    for (;;) {
      const list = await apps.listNamespacedDeployment({ namespace: "rollout" });
      const done = list.items.filter(
        (d) =>
          d.status?.availableReplicas === 3 &&
          d.status.updatedReplicas === 3 &&
          d.status.conditions?.some((c) => c.type === "Progressing" && c.reason === "NewReplicaSetAvailable"),
      ).length;
      if (done === DEPLOYMENTS) break;
      if (performance.now() - t0 > 60_000) throw new Error(`rollouts not complete after 60 s (${done}/${DEPLOYMENTS})`);
      await sleep(25);
    }
    results.push({ name: `rollout ${DEPLOYMENTS} Deployments x 3 replicas (to NewReplicaSetAvailable)`, value: ms(performance.now() - t0) });
  } finally {
    child.send({ cmd: "stop" });
    await new Promise((r) => child.once("exit", r));
  }

  results.push({ name: "machine load average (1 min) at the end", value: os.loadavg()[0].toFixed(2), note: `${os.cpus().length} CPUs` });
  const w = Math.max(...results.map((r) => r.name.length));
  console.log("\nWharf sandbox benchmark (client-node over HTTPS, sandbox in its own process)");
  console.log("targets: list latencies by their median (p95 shown too), watch delivery by its p99");
  console.log("=".repeat(w + 42));
  for (const r of results)
    console.log(`${r.name.padEnd(w)}  ${r.value.padEnd(22)}  ${r.target ? `${r.target.padEnd(12)} ${r.ok ? "PASS" : "FAIL"}` : (r.note ?? "")}`);
  const failed = results.filter((r) => r.ok === false);
  if (failed.length) {
    console.log(`\n${failed.length} target(s) missed`);
    process.exitCode = 1;
  } else console.log("\nall targets met");
}

(process.argv.includes("--server") ? server() : client()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
