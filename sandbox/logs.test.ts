/**
 * What the log center needs from container logs beyond the basics of
 * observability.test.ts: the `errors` and `latency` tags (logs and /metrics
 * agree), one line per request at the rps annotation's rate, over-long lines
 * on demand, timestamps that only grow and are the same in every read, and
 * the per-container byte bound of the kubelet's log rotation.
 */
import https from "node:https";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, eventually, FAST_SIMULATION, kubeConfigFor, request, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

let sb: TestSandbox;
const NS = "logs";
const LOG_MAX_BYTES = 200_000;

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "logs" }], simulation: { ...FAST_SIMULATION, logMaxBytes: LOG_MAX_BYTES } });
  const core = kubeConfigFor(sb.clusters[0]).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  const pods: [string, string, Record<string, string>][] = [
    ["failing", "ghcr.io/acme/cart-node:2.1.0-errors", { "sandbox.wharf.dev/rps": "100" }],
    ["sluggish", "ghcr.io/acme/cart-node:2.1.0-latency", { "sandbox.wharf.dev/rps": "200" }],
    ["steady", "ghcr.io/acme/billing:3.1.0", { "sandbox.wharf.dev/rps": "50" }],
    ["wide", "ghcr.io/acme/cart-node:2.1.0", { "sandbox.wharf.dev/log-long-line-bytes": "70000" }],
    ["chatty", "ghcr.io/acme/billing:3.1.0", { "sandbox.wharf.dev/rps": "1500" }],
  ];
  for (const [name, image, annotations] of pods) {
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name, labels: { app: name }, annotations }, spec: { containers: [{ name: "app", image }] } },
    });
  }
  await eventually(
    async () =>
      (await core.listNamespacedPod({ namespace: NS })).items.every((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")),
    10_000,
    "every pod ready",
  );
}, 60_000);

afterAll(async () => {
  await sb?.stop();
});

const log = async (name: string, query = "") =>
  (await request(sb.clusters[0], "GET", `/api/v1/namespaces/${NS}/pods/${name}/log${query ? `?${query}` : ""}`)).text;
const lines = (text: string) => text.split("\n").filter((l) => l !== "");
const json = (text: string) => lines(text).flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as Record<string, unknown>] : []));
const requestsOf = (text: string) => json(text).filter((l) => l.msg === "request completed");

/** The pod's samples of one metric on the cluster's /metrics, by label set. */
async function metric(name: string, pod: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const text = (await request(sb.clusters[0], "GET", "/metrics")).text;
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    if (labels.pod === pod) out.push({ labels, value: m[3] === "+Inf" ? Infinity : Number(m[3]) });
  }
  return out;
}

describe("failure tags for the log center and monitoring", () => {
  it("an `errors` image stays ready while a third or more of its requests fail, each 5xx logged as an ERROR with its stack trace, as /metrics counts them", async () => {
    const text = await eventually(
      async () => {
        const t = await log("failing");
        return requestsOf(t).length >= 150 && t;
      },
      10_000,
      "150 requests in the log",
    );
    const requests = requestsOf(text);
    const failed = requests.filter((r) => (r.res as { statusCode: number }).statusCode >= 500);
    expect(failed.length / requests.length).toBeGreaterThan(0.25);
    expect(failed.length / requests.length).toBeLessThan(0.55);
    // every failed request is preceded by its ERROR line (pino level 50) and a stack trace
    const errors = json(text).filter((l) => l.level === 50 && String(l.msg).startsWith("request failed: "));
    expect(errors).toHaveLength(failed.length);
    const all = lines(text);
    const firstError = all.findIndex((l) => l.includes('"msg":"request failed: '));
    expect(all[firstError + 1]).toMatch(/^Error: /);
    expect(all[firstError + 2]).toMatch(/^ {4}at /);

    const total = await metric("http_requests_total", "failing");
    const sum = (xs: { value: number }[]) => xs.reduce((n, s) => n + s.value, 0);
    const share = sum(total.filter((s) => s.labels.code.startsWith("5"))) / sum(total);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.5);
    expect((await metric("kube_pod_container_status_ready", "failing"))[0]?.value).toBe(1);
  });

  it("a `latency` image answers with a p99 of seconds, in its log lines and in its /metrics histogram", async () => {
    const requests = requestsOf(
      await eventually(
        async () => {
          const t = await log("sluggish");
          return requestsOf(t).length >= 300 && t;
        },
        10_000,
        "300 requests in the log",
      ),
    );
    const ms = requests.map((r) => Number(r.responseTime)).sort((a, b) => a - b);
    expect(ms[Math.floor(ms.length * 0.99)]).toBeGreaterThan(2000);
    expect(ms[Math.floor(ms.length * 0.5)]).toBeLessThan(1500);

    const buckets = await metric("http_request_duration_seconds_bucket", "sluggish");
    const at = (le: string) => buckets.find((b) => b.labels.le === le)?.value ?? NaN;
    expect(at("2.5") / at("+Inf")).toBeLessThan(0.99); // p99 above 2.5 s
    expect(at("10") / at("+Inf")).toBeGreaterThan(0.95);
  });
});

describe("volume, order and bounds", () => {
  it("the rps annotation writes one line per request, in increasing timestamps, the same in a follow as in a later read", async () => {
    const c = sb.clusters[0];
    const url = new URL(`/api/v1/namespaces/${NS}/pods/steady/log?follow=true&tailLines=0&timestamps=true`, c.server);
    let followed = "";
    const req = https.get(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, ca: c.caPem, headers: { Authorization: `Bearer ${adminToken(c)}` } },
      (res) => {
        res.on("data", (d: Buffer) => (followed += d.toString()));
        res.on("error", () => undefined);
      },
    );
    req.on("error", () => undefined);
    await eventually(() => lines(followed).length >= 60, 10_000, "60 followed lines");
    req.destroy();
    const got = lines(followed).slice(0, 60);

    const read = lines(await log("steady", "timestamps=true"));
    for (const l of got) expect(read).toContain(l);
    const stamps = read.map((l) => l.slice(0, 30));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i] > stamps[i - 1], `${stamps[i - 1]} then ${stamps[i]}`).toBe(true);

    // about 50 requests a second (the hourly swell is +-30%): count whole seconds well inside the log
    const requestTimes = read.filter((l) => l.includes('msg="request handled"')).map((l) => Date.parse(l.slice(0, 30)));
    const to = Math.floor(requestTimes.at(-1)! / 1000) * 1000;
    const from = Math.max(Math.ceil(requestTimes[0] / 1000) * 1000, to - 5000);
    const perSecond = requestTimes.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
    expect(perSecond).toBeGreaterThan(30);
    expect(perSecond).toBeLessThan(70);
  });

  it("the long-line annotation makes the container write lines of exactly that many bytes", async () => {
    const long = await eventually(async () => lines(await log("wide")).find((l) => Buffer.byteLength(l) > 60_000), 5000, "a long line");
    expect(Buffer.byteLength(long)).toBe(70_000);
    expect(JSON.parse(long)).toMatchObject({ level: 30, msg: expect.stringMatching(/^response body logged: 0123456789abc/) });
  });

  it("a container's log keeps only its newest bytes, as the kubelet's rotation does", async () => {
    const text = await eventually(
      async () => {
        const t = await log("chatty");
        return Buffer.byteLength(t) > LOG_MAX_BYTES * 0.9 && t;
      },
      10_000,
      "a full log",
    );
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(LOG_MAX_BYTES);
    expect(text).not.toContain("starting billing"); // the startup block has been rotated away
    const tail = lines(await log("chatty", "tailLines=5"));
    expect(tail).toHaveLength(5);
  });
});
