/**
 * The upstream hub against a real (sandbox) cluster registered in the
 * catalog: one follow stream per container shared by its subscribers, tails
 * and resumes that match what kubectl reads (no line lost or repeated at the
 * seam between a read and the live stream), a cluster that stops answering,
 * a deleted pod, a crashed container's previous log and the per-cluster bound.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { registerCluster } from "@/lib/catalog/clusters";
import { connectCluster } from "@/lib/kube/connection";
import { metrics } from "@/lib/telemetry/metrics";
import { ctxFor, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { positionAfter } from "./lines";
import type { ContainerKey, RawLine, StartAt, UpstreamEvent } from "./types";
import { KubernetesUpstreamHub } from "./upstream";

const KUBECTL = `${process.env.WHARF_KUBECTL_DIR ?? "/usr/lib/google-cloud-sdk/bin"}/kubectl.1.33`;
const NS = "shop";
const env = sandboxForThisFile({ clusters: [{ name: "logs-east", region: "us-east" }], simulation: FAST_SIMULATION });
const core = () => {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster("logs-east").kubeconfig);
  return kc.makeApiClient(CoreV1Api);
};
let clusterId = "";
const hubs: KubernetesUpstreamHub[] = [];
const newHub = (opts: ConstructorParameters<typeof KubernetesUpstreamHub>[0] = {}) => {
  const hub = new KubernetesUpstreamHub({ idleCloseMs: 200, retryMs: [100, 500], ...opts });
  hubs.push(hub);
  return hub;
};
const key = (pod: string, extra: Partial<ContainerKey> = {}): ContainerKey => ({ clusterId, namespace: NS, pod, container: "app", ...extra });

async function runPod(name: string, image: string) {
  await core().createNamespacedPod({
    namespace: NS,
    body: { metadata: { name, annotations: { "sandbox.wharf.dev/rps": "40" } }, spec: { containers: [{ name: "app", image }] } },
  });
  await until(async () => (await core().readNamespacedPod({ name, namespace: NS })).status?.phase === "Running", 20_000, `${name} to run`);
}

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  const c = env.sandbox.cluster("logs-east");
  clusterId = (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id;
  await core().createNamespace({ body: { metadata: { name: NS } } });
  await Promise.all([
    runPod("web-1", "registry.example.com/shop/node-web:v1"),
    runPod("web-2", "registry.example.com/shop/spring-api:v1"),
    runPod("web-3", "registry.example.com/shop/fastapi:v1"),
    runPod("gone-1", "registry.example.com/shop/worker:v1"),
  ]);
});

afterAll(() => {
  for (const h of hubs) h.close();
});

/** kubectl logs --timestamps, as "<ts> <text>" lines. */
function kubectlLogs(pod: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      KUBECTL,
      ["logs", "-n", NS, pod, "-c", "app", "--timestamps", "--context", "logs-east", ...args],
      { env: { ...process.env, KUBECONFIG: env.sandbox.kubeconfigPath }, maxBuffer: 64 * 1024 * 1024, timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`kubectl logs failed: ${stderr || err.message}`)) : resolve(String(stdout).split("\n").filter(Boolean))),
    );
  });
}

const asKubectl = (l: RawLine) => `${l.ts} ${l.text}`;

/** A subscriber that records what it receives. */
function recorder() {
  const events: UpstreamEvent[] = [];
  const lines: RawLine[] = [];
  let liveAt = -1;
  const listener = (e: UpstreamEvent) => {
    events.push(e);
    if (e.kind === "lines") lines.push(...e.lines);
    if (e.kind === "live") liveAt = lines.length;
  };
  return {
    listener,
    events,
    lines,
    /** The lines received before "live" (the backlog asked for). */
    backlog: () => lines.slice(0, liveAt),
    isLive: () => liveAt >= 0,
    states: () => events.flatMap((e) => (e.kind === "state" ? [e.state] : [])),
    until: (what: string, fn: () => boolean, ms = 15_000) => until(async () => fn(), ms, what),
  };
}

function subscribe(hub: KubernetesUpstreamHub, k: ContainerKey, start: StartAt) {
  const r = recorder();
  const sub = hub.subscribe(k, start, r.listener);
  return { ...r, close: () => sub.close() };
}

/** Asserts `got` is exactly the run of `full` that ends with got's last line (nothing missing, nothing twice). */
function expectRunOf(full: string[], got: string[]) {
  expect(got.length).toBeGreaterThan(0);
  const end = full.indexOf(got[got.length - 1]);
  expect(end, "the last line received is in kubectl's read").toBeGreaterThanOrEqual(0);
  expect(got).toEqual(full.slice(end - got.length + 1, end + 1));
}

async function gaugeOf(cluster: string): Promise<number> {
  const m = await metrics().registry.getSingleMetric("wharf_log_upstream_streams")?.get();
  return m?.values.filter((v) => v.labels.cluster === cluster).reduce((n, v) => n + v.value, 0) ?? 0;
}

describe("one upstream per container, shared", () => {
  it("opens one stream for two subscribers of a container, gives the second the same lines, and closes it after the idle delay", async () => {
    const hub = newHub();
    const a = subscribe(hub, key("web-1"), { tail: 5 });
    await a.until("a's backlog and a live line", () => a.isLive() && a.lines.length > 6);
    const b = subscribe(hub, key("web-1"), { tail: 5 });
    await b.until("b's backlog", () => b.isLive());
    expect(hub.stats()).toEqual([{ clusterId, open: 1 }]);
    expect(await gaugeOf("logs-east")).toBe(1);
    const seen = b.lines.length;
    await b.until("two more live lines", () => b.lines.length >= seen + 2);
    // what b has is exactly the end of what a has: its backlog from the ring, then the same live lines
    await a.until("a to have b's last line", () => a.lines.includes(b.lines[b.lines.length - 1]));
    expectRunOf(a.lines.map(asKubectl), b.lines.map(asKubectl));
    expect(b.backlog()).toHaveLength(5);
    a.close();
    expect(hub.stats()).toEqual([{ clusterId, open: 1 }]);
    b.close();
    await until(async () => hub.stats().length === 0, 5_000, "the idle close");
    expect(await gaugeOf("logs-east")).toBe(0);
  });
});

describe("tails and resumes are the lines kubectl reads", () => {
  it("serves tail N from the ring and beyond it from one read, with no line twice at the seam", async () => {
    const hub = newHub({ ringLines: 5 });
    const first = subscribe(hub, key("web-2"), { tail: 3 });
    await first.until("live", () => first.isLive());
    // the next request to the cluster would fail: a tail served from the ring makes none
    const cluster = env.sandbox.cluster("logs-east");
    cluster.failNext(1, 503, "a request the ring should have saved");
    const fromRing = subscribe(hub, key("web-2"), { tail: 3 });
    await fromRing.until("the ring's tail", () => fromRing.isLive());
    expect(cluster.pendingFailures).toBe(1);
    cluster.failNext(0);
    const beyond = subscribe(hub, key("web-2"), { tail: 12 });
    await beyond.until("the read's tail", () => beyond.isLive());
    expect(beyond.backlog()).toHaveLength(12);
    expect(fromRing.backlog()).toHaveLength(3);
    const seen = beyond.lines.length;
    await beyond.until("live lines after the seam", () => beyond.lines.length >= seen + 3);
    // What was received, taken before kubectl reads (here and below): a line arriving during the read is newer than it.
    const [beyondGot, fromRingGot] = [beyond.lines.map(asKubectl), fromRing.lines.map(asKubectl)];
    const full = await kubectlLogs("web-2", ["--tail=400"]);
    expectRunOf(full, beyondGot);
    expectRunOf(full, fromRingGot);
    // a direct tail read ending at the same line gives the same lines
    const direct = full.slice(0, full.indexOf(asKubectl(beyond.backlog()[11])) + 1).slice(-12);
    expect(beyond.backlog().map(asKubectl)).toEqual(direct);
  });

  it("resumes after a Position with exactly the lines after it, from the ring and from a fresh stream", async () => {
    const full = await until(
      async () => {
        const read = await kubectlLogs("web-3", ["--tail=60"]);
        return read.length > 8 && read;
      },
      20_000,
      "a few lines",
    );
    const parse = (s: string) => ({ ts: s.slice(0, s.indexOf(" ")), text: s.slice(s.indexOf(" ") + 1) });
    const k = Math.floor(full.length / 2);
    const pos = positionAfter(null, full.slice(0, k + 1).map(parse))!;
    const fresh = subscribe(newHub(), key("web-3"), { after: pos });
    await fresh.until("live", () => fresh.isLive());
    const seen = fresh.lines.length;
    await fresh.until("live lines", () => fresh.lines.length >= seen + 2);
    const got = fresh.lines.map(asKubectl);
    const after = await kubectlLogs("web-3", ["--tail=200"]);
    expect(got[0]).toBe(full[k + 1]);
    expectRunOf(after, got);

    // the same from a hub whose ring holds the position
    const hub = newHub();
    const holder = subscribe(hub, key("web-3"), { tail: 40 });
    await holder.until("live", () => holder.isLive());
    const ringed = subscribe(hub, key("web-3"), { after: pos });
    await ringed.until("live", () => ringed.isLive());
    expect(ringed.lines[0] && asKubectl(ringed.lines[0])).toBe(full[k + 1]);
    const ringedGot = ringed.lines.map(asKubectl);
    expectRunOf(await kubectlLogs("web-3", ["--tail=200"]), ringedGot);
  });
});

describe("a tail since a time", () => {
  it("gives the lines from that time on, from a fresh stream and from a ring that holds them", async () => {
    const full = await until(
      async () => {
        const read = await kubectlLogs("web-1", ["--tail=80"]);
        return read.length > 8 && read;
      },
      20_000,
      "a few lines",
    );
    const pick = full[Math.floor(full.length / 2)];
    const sinceMs = Date.parse(pick.slice(0, 23) + "Z");
    const hub = newHub();
    const fresh = subscribe(hub, key("web-1"), { sinceMs });
    await fresh.until("live", () => fresh.isLive());
    const expected = full.filter((l) => Date.parse(l.slice(0, 23) + "Z") >= sinceMs);
    expect(fresh.backlog().map(asKubectl).slice(0, expected.length)).toEqual(expected);
    const ringed = subscribe(hub, key("web-1"), { sinceMs });
    await ringed.until("live", () => ringed.isLive());
    expect(ringed.backlog().map(asKubectl).slice(0, expected.length)).toEqual(expected);
    const ringedGot = ringed.lines.map(asKubectl);
    expectRunOf(await kubectlLogs("web-1", ["--tail=200"]), ringedGot);
  });
});

describe("faults and ends", () => {
  it("marks a cluster that stops answering, then resumes after it is back with no line lost or repeated", async () => {
    const hub = newHub();
    const s = subscribe(hub, key("web-1"), { tail: 5 });
    await s.until("live lines", () => s.isLive() && s.lines.length > 6);
    const cluster = env.sandbox.cluster("logs-east");
    await cluster.stop();
    try {
      await s.until("unreachable", () => s.states().includes("unreachable"));
    } finally {
      await cluster.start();
    }
    const state = s.events.find((e) => e.kind === "state" && e.state === "unreachable");
    expect(state).toMatchObject({ message: expect.stringContaining("logs-east") });
    await s.until("resumed", () => s.states().includes("resumed"));
    const seen = s.lines.length;
    await s.until("lines after the outage", () => s.lines.length >= seen + 3);
    const got = s.lines.map(asKubectl);
    expectRunOf(await kubectlLogs("web-1", ["--tail=400"]), got);
    expect(hub.stats()).toEqual([{ clusterId, open: 1 }]);
  });

  it("gives up on a cluster that does not answer within its timeout, says so, and streams once it answers", async () => {
    const hub = newHub({ connect: (id) => connectCluster(id, 400) });
    const cluster = env.sandbox.cluster("logs-east");
    cluster.setLatency(5_000);
    const s = subscribe(hub, key("web-3"), { tail: 2 });
    try {
      await s.until("unreachable", () => s.states().includes("unreachable"));
    } finally {
      cluster.setLatency(0);
    }
    expect(s.events.find((e) => e.kind === "state")).toMatchObject({ state: "unreachable", message: expect.stringContaining("No answer") });
    await s.until("resumed and live", () => s.states().includes("resumed") && s.isLive());
    expect(s.backlog()).toHaveLength(2);
  });

  it("ends the log of a pod deleted mid-stream and closes its stream", async () => {
    const hub = newHub();
    const s = subscribe(hub, key("gone-1"), { tail: 2 });
    await s.until("live", () => s.isLive());
    await core().deleteNamespacedPod({ name: "gone-1", namespace: NS });
    await s.until("ended", () => s.states().includes("ended"));
    expect(s.events.at(-1)).toMatchObject({ kind: "state", state: "ended", message: expect.stringMatching(/gone-1/) });
    expect(hub.stats()).toEqual([]);
  });

  it("gives a crashed container's previous log with its fatal lines, then ends", async () => {
    await core().createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: "crash-1" }, spec: { containers: [{ name: "app", image: "registry.example.com/shop/node-api:v1-crash" }] } },
    });
    await until(
      async () => ((await core().readNamespacedPod({ name: "crash-1", namespace: NS })).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      20_000,
      "a restart",
    );
    const hub = newHub();
    const s = subscribe(hub, key("crash-1", { previous: true }), { tail: 50 });
    await s.until("ended", () => s.states().includes("ended"));
    const texts = s.lines.map((l) => l.text);
    expect(texts).toContain("Error: connect ECONNREFUSED 10.96.44.12:5432");
    expect(s.lines.find((l) => l.text.startsWith("Error: connect"))?.level).toBe("error");
    expect(hub.stats()).toEqual([]);
  });

  it("refuses a stream over the cluster's bound with 'limit' and opens nothing for it", async () => {
    const hub = newHub({ perCluster: 1 });
    const a = subscribe(hub, key("web-1"), { tail: 1 });
    await a.until("live", () => a.isLive());
    const b = subscribe(hub, key("web-2"), { tail: 1 });
    await b.until("limit", () => b.states().includes("limit"));
    expect(b.lines).toEqual([]);
    expect(hub.stats()).toEqual([{ clusterId, open: 1 }]);
  });
});

describe("a crash-looping container", () => {
  it("is followed across its restarts: waiting while it backs off, then the new instance's lines in the same subscription", async () => {
    await core().createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: "loop-1" }, spec: { containers: [{ name: "app", image: "registry.example.com/shop/node-api:v2-crash" }] } },
    });
    const hub = newHub();
    const s = subscribe(hub, key("loop-1"), { tail: 100 });
    const fatal = () => s.lines.filter((l) => l.text === "Error: connect ECONNREFUSED 10.96.44.12:5432").length;
    await s.until("the fatal lines of two instances", () => fatal() >= 2, 25_000);
    // Between instances the hub says why the lines paused: "waiting" when it looked during the back-off,
    // "resumed" (with the restart) when the next instance was already running by then (a loaded machine).
    const pause = s.events.find((e) => e.kind === "state" && (e.state === "waiting" || e.state === "resumed"));
    expect(pause).toMatchObject({ message: expect.stringMatching(/waiting to start|restarted/) });
    // one stream for the container throughout, never ended
    expect(s.states()).not.toContain("ended");
    expect(hub.stats()).toEqual([{ clusterId, open: 1 }]);
    const texts = s.lines.map(asKubectl);
    expect(new Set(texts).size).toBe(texts.length);
  });
});
