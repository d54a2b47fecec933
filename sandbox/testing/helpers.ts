/**
 * Test helpers: start a real sandbox on free ports in a temp folder, build
 * client-node configs for it and make raw HTTPS requests. Nothing is mocked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { ApiException, KubeConfig } from "@kubernetes/client-node";
import { startSandbox, type Sandbox, type SandboxOptions, type SimulationOptions } from "../index.js";
import type { SandboxCluster } from "../server/cluster.js";

export interface TestSandbox extends Sandbox {
  dir: string;
  /** Stops the sandbox and removes its folder. */
  dispose(): Promise<void>;
}

export async function startTestSandbox(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-sandbox-test-"));
  const sb = await startSandbox({ stateDir: path.join(dir, "state"), kubeconfigPath: path.join(dir, "kubeconfig"), ...opts });
  return Object.assign(sb, {
    dir,
    async dispose() {
      await sb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export function kubeConfigFor(cluster: SandboxCluster, user?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(user ? cluster.kubeconfigFor(user) : cluster.kubeconfig);
  return kc;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary API JSON, read loosely by tests
  json: any;
}

/** A raw HTTPS request to a cluster as the admin (or with the given token / headers). */
export function request(
  cluster: SandboxCluster,
  method: string,
  urlPath: string,
  opts: { body?: unknown; headers?: Record<string, string | string[]>; token?: string | null; rawBody?: Buffer | string } = {},
): Promise<RawResponse> {
  const url = new URL(urlPath, cluster.server);
  const token = opts.token === undefined ? adminToken(cluster) : opts.token;
  const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        method,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        ca: cluster.caPem,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined ? { "Content-Type": "application/json" } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function adminToken(cluster: SandboxCluster): string {
  const m = /token: (\S+)/.exec(cluster.kubeconfig);
  if (!m) throw new Error("no token in kubeconfig");
  return m[1];
}

/** Awaits a rejected client-node call and returns its HTTP code and parsed Status body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Status (or other) JSON body, read loosely by tests
export async function apiError(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const raw: unknown = e.body;
      let body: unknown = raw;
      if (typeof raw === "string") {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      return { code: e.code, body };
    }
    throw e;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<Exclude<T, undefined | null | false | 0 | "">> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Exclude<T, undefined | null | false | 0 | "">;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Simulation knobs for tests: pods start in 20-60 ms, simulated container
 * durations run 50x faster (a 10 s crash back-off takes 200 ms, a `slow`
 * image is ready after ~0.5 s), the HPA syncs every 250 ms and scales down
 * after a 1.5 s stabilisation window.
 * Assertions on a Terminating pod still tolerate it being gone already.
 */
export const FAST_SIMULATION: SimulationOptions = {
  podStartDelayMs: [20, 60],
  timeScale: 0.02,
  terminationDelayMs: 10_000, // Terminating pods stay 100-200 ms: long enough to observe
  hpaSyncPeriodMs: 250,
  hpaDownscaleStabilizationMs: 1500,
  schedulerRetryMs: 300,
};
