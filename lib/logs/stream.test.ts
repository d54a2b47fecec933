/**
 * A viewer's tail of a service deployed on both sandbox clusters, through
 * the route handlers as the browser calls them: merged order, filters, what
 * is opened (the hub's own counts), refusals, resume, slow viewers, pods
 * joining and ending, a cluster stopping mid-tail, bounded reads, downloads.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { AppsV1Api, CoreV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { applyObjects } from "@/lib/kube/apply";
import { connectCluster } from "@/lib/kube/connection";
import { selectorLabels } from "@/lib/deploy/render";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { GET as streamRoute } from "@/app/api/logs/stream/route";
import { GET as downloadRoute } from "@/app/api/logs/download/route";
import { upstreamHub } from "./upstream";
import { logReader } from "./reader";
import { openLogStream } from "./stream";
import { ZLogQuery } from "./protocol";
import { loadActor } from "@/lib/access/actor";
import type { LogLine, LogSourceEvent } from "./protocol";

// Streams close as soon as their last viewer leaves, so each test sees only what it opened.
process.env.WHARF_LOG_IDLE_CLOSE_MS = "0";
process.env.WHARF_CLUSTER_TIMEOUT_MS = "1500";
// A small queue per viewer, so a viewer that does not read falls behind within a second.
process.env.WHARF_LOG_VIEWER_MAX_LINES = "50";
process.env.WHARF_LOG_VIEWER_MAX_BYTES = "16384";

// Crashing containers live 0.75-2 s and back off 5 s (time scale 0.5): long enough to log, quick to restart.
const env = sandboxForThisFile({ simulation: { ...FAST_SIMULATION, timeScale: 0.5, terminationDelayMs: 2_000 } });

let owner: Ctx;
let viewer: Ctx;
let outsider: Ctx;
let serviceId = "";
let errorServiceId = "";
let statefulServiceId = "";
const clusterIds: Record<string, string> = {};
const SLUG = "logshop";

function deployment(name: string, image: string, replicas: number): KubernetesObject[] {
  const labels = selectorLabels({ project: { slug: SLUG }, service: { slug: name } });
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: `${SLUG}-dev`, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { "sandbox.wharf.dev/rps": "20" } },
          spec: { containers: [{ name: "app", image }] },
        },
      },
    } as KubernetesObject,
  ];
}

async function runningPods(clusterId: string, name: string, count: number) {
  const conn = await connectCluster(clusterId);
  return until(
    async () => {
      const pods = await conn.api(CoreV1Api).listNamespacedPod({ namespace: `${SLUG}-dev`, labelSelector: `app.kubernetes.io/name=${name}` });
      const running = pods.items.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
      return running.length === count ? running.map((p) => p.metadata!.name!) : null;
    },
    20_000,
    `${count} running ${name} pods`,
  );
}

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  for (const c of env.sandbox.clusters) {
    clusterIds[c.name] = (
      await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })
    ).id;
  }
  const ownerUser = await makeUser("developer", "logs owner");
  const viewerUser = await makeUser("developer", "logs viewer");
  const outsiderUser = await makeUser("developer", "logs outsider");
  const p = await makeProject({ owner: ownerUser, slug: SLUG, lifecycle: "active", members: [[viewerUser, "viewer"]] });
  await makeProject({ owner: outsiderUser, slug: "elsewhere" });
  [owner, viewer, outsider] = await Promise.all([ctxFor(ownerUser), ctxFor(viewerUser), ctxFor(outsiderUser)]);
  const ids = Object.values(clusterIds);
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds: ids });
  await setEnvironment(admin, { projectId: p.id, kind: "prod", clusterIds: ids });
  serviceId = (await db().service.create({ data: { projectId: p.id, slug: "web", name: "web", kind: "web" } })).id;
  errorServiceId = (await db().service.create({ data: { projectId: p.id, slug: "errs", name: "errs", kind: "web" } })).id;
  statefulServiceId = (await db().service.create({ data: { projectId: p.id, slug: "db", name: "db", kind: "web" } })).id;
  for (const id of ids) {
    const conn = await connectCluster(id);
    await applyObjects(conn, [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: `${SLUG}-dev` } } as KubernetesObject,
      ...deployment("web", "registry.example.com/logshop/web-node:v1", 2),
      // "crash": many requests fail, and each instance ends with its fatal error: errors to filter for, and previous instances.
      ...deployment("errs", "registry.example.com/logshop/errs-node:crash", 1),
    ]);
  }
  // A StatefulSet on one cluster: its pod comes back under the same name.
  const dbLabels = selectorLabels({ project: { slug: SLUG }, service: { slug: "db" } });
  await applyObjects(await connectCluster(clusterIds["sandbox-east"]!), [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: `${SLUG}-dev`, labels: dbLabels },
      spec: {
        serviceName: "db",
        replicas: 1,
        selector: { matchLabels: dbLabels },
        template: { metadata: { labels: dbLabels }, spec: { containers: [{ name: "app", image: "registry.example.com/logshop/db-node:v1" }] } },
      },
    } as KubernetesObject,
  ]);
  // The first test reads each pod's history from before it opened the tail: every web pod has written a line.
  for (const id of ids) {
    const core = (await connectCluster(id)).api(CoreV1Api);
    for (const name of await runningPods(id, "web", 2)) {
      await until(async () => (await core.readNamespacedPodLog({ name, namespace: `${SLUG}-dev`, tailLines: 1 })).trim() !== "", 20_000, `a line from ${name}`);
    }
  }
}, 90_000);

type Sse = { event: string; data: unknown; id?: string };

/** The events of an open tail, read as the browser's EventSource reads them. */
class Tail {
  readonly events: Sse[] = [];
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private reading: Promise<void> | null = null;

  constructor(
    readonly res: Response,
    private readonly abort: AbortController,
  ) {
    this.reader = res.body!.getReader();
  }

  get lines(): LogLine[] {
    return this.events.filter((e) => e.event === "lines").flatMap((e) => (e.data as { lines: LogLine[] }).lines);
  }

  of(event: string) {
    return this.events.filter((e) => e.event === event);
  }

  /** Reads until `done(events so far)` holds. */
  async until(done: (t: Tail) => boolean, what: string, timeoutMs = 20_000) {
    const end = Date.now() + timeoutMs;
    while (!done(this)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${this.events.map((e) => e.event).join(", ")}`);
      await this.readOnce(end - Date.now());
    }
  }

  private async readOnce(ms: number) {
    this.reading ??= this.reader.read().then(({ value, done }) => {
      this.reading = null;
      if (done) throw new Error("the stream ended");
      this.buffer += this.decoder.decode(value, { stream: true });
      let i: number;
      while ((i = this.buffer.indexOf("\n\n")) >= 0) {
        const block = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        const e: Partial<Sse> = {};
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) e.event = line.slice(7);
          else if (line.startsWith("data: ")) e.data = JSON.parse(line.slice(6));
          else if (line.startsWith("id: ")) e.id = line.slice(4);
        }
        if (e.event) this.events.push(e as Sse);
      }
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.reading, new Promise((r) => (timer = setTimeout(r, Math.max(ms, 0))))]);
    clearTimeout(timer);
  }

  close() {
    this.abort.abort();
    void this.reader.cancel().catch(() => {});
  }
}

const open: Tail[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) t.close();
  // Every upstream closes with its last viewer (idle close 0).
  await until(
    async () =>
      upstreamHub()
        .stats()
        .every((s) => s.open === 0),
    10_000,
    "upstream streams to close",
  );
});

async function request(route: typeof streamRoute, ctx: Ctx, params: Record<string, string>, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const url = `http://localhost${route === streamRoute ? "/api/logs/stream" : "/api/logs/download"}?${new URLSearchParams({ env: "dev", ...params })}`;
  const res = await route.withActor(async () => ctx.actor)(new NextRequest(url, { headers, signal: abort.signal }), { params: Promise.resolve({}) });
  return { res, abort };
}

async function tail(ctx: Ctx, params: Record<string, string>, headers: Record<string, string> = {}) {
  const { res, abort } = await request(streamRoute, ctx, { service: serviceId, ...params }, headers);
  expect(res.status, await (res.status === 200 ? "" : res.clone().text())).toBe(200);
  const t = new Tail(res, abort);
  open.push(t);
  return t;
}

const byTime = (a: LogLine, b: LogLine) => a.ms - b.ms || (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0);
/**
 * Merged by timestamp: where the stream passes from one source to another, time does not go back. (Within a
 * source the order is the container's own, which the sandbox does not always keep in time: a stack trace's lines
 * are stamped just after their error, possibly after the next request.)
 */
function expectMerged(lines: LogLine[]) {
  for (let i = 1; i < lines.length; i++) {
    const [a, b] = [lines[i - 1]!, lines[i]!];
    if (sourceOf(a) !== sourceOf(b)) expect(byTime(a, b), `${a.ts} ${sourceOf(a)} before ${b.ts} ${sourceOf(b)}`).toBeLessThanOrEqual(0);
  }
}
const sourceOf = (l: Pick<LogLine, "cluster" | "pod" | "container" | "previous">) => `${l.cluster}/${l.pod}/${l.container}${l.previous ? "/previous" : ""}`;
const openOn = (name: string) =>
  upstreamHub()
    .stats()
    .find((s) => s.clusterId === clusterIds[name])?.open ?? 0;

describe("a live tail of a service on two clusters", () => {
  it("merges the lines of every pod on both clusters in timestamp order, each tagged with its cluster, pod and container", async () => {
    const opened = Date.now();
    const t = await tail(owner, { tail: "30" });
    await t.until((x) => x.of("live").length > 0, "the history");
    const hello = t.of("hello")[0]!.data as { sources: { cluster: string; pod: string }[]; clusters: { cluster: string }[] };
    expect(hello.clusters.map((c) => c.cluster)).toEqual(["sandbox-east", "sandbox-west"]);
    expect(new Set(hello.sources.map((s) => s.cluster))).toEqual(new Set(["sandbox-east", "sandbox-west"]));
    expect(hello.sources).toHaveLength(4);
    const history = t.lines;
    const perSource = new Map<string, number>();
    // At most 30 lines a source had written before the tail was opened; lines written while the history is
    // gathered from four sources (slower under load) come on top, as they would live.
    for (const l of history) if (l.ms < opened) perSource.set(sourceOf(l), (perSource.get(sourceOf(l)) ?? 0) + 1);
    // A source whose first read outlives the cluster timeout (1.5 s here, reached on a loaded machine) does not
    // hold the others: the viewer is told it is unreachable and its lines follow when it answers. Every source
    // is in the history or was reported so, never silently missing.
    const reported = new Set(
      t
        .of("source")
        .map((e) => e.data as LogSourceEvent)
        .filter((e) => e.state === "unreachable")
        .map(sourceOf),
    );
    expect(new Set([...perSource.keys(), ...reported]).size, `history from ${[...perSource.keys()].join(", ")}`).toBe(4);
    expect(perSource.size).toBeGreaterThanOrEqual(1);
    expect(Math.max(...perSource.values())).toBeLessThanOrEqual(30);
    expectMerged(history);
    expect(new Set(history.map((l) => l.cluster))).toEqual(new Set(["sandbox-east", "sandbox-west"]));
    for (const l of history) {
      expect(l.pod).toMatch(/^web-/);
      expect(l.container).toBe("app");
      expect(l.clusterId).toBe(clusterIds[l.cluster]);
    }
    // Live lines keep coming from both clusters.
    await t.until((x) => new Set(x.lines.slice(history.length).map((l) => l.cluster)).size === 2, "live lines from both clusters");
    expect(openOn("sandbox-east")).toBe(2);
    expect(openOn("sandbox-west")).toBe(2);
  });

  it("keeps only error lines when asked for errors, the crashed instances' included", async () => {
    const t = await tail(owner, { service: errorServiceId, level: "error", since: "3600", previous: "1" });
    await t.until((x) => x.lines.length >= 3 && x.lines.some((l) => l.previous), "error lines, some from a crashed instance", 40_000);
    expect(new Set(t.lines.map((l) => l.level))).toEqual(new Set(["error"]));
    expect(t.lines.every((l) => l.pod.startsWith("errs-"))).toBe(true);
  });

  it("keeps lines matching include and drops those matching exclude", async () => {
    const t = await tail(owner, { include: "(?i)post|put|delete", exclude: "users", tail: "100" });
    await t.until((x) => x.lines.length >= 5, "five matching lines");
    for (const l of t.lines) {
      expect(l.text).toMatch(/post|put|delete/i);
      expect(l.text).not.toMatch(/users/);
    }
  });

  it("opens nothing on a cluster the cluster filter leaves out", async () => {
    const t = await tail(owner, { cluster: clusterIds["sandbox-east"]!, tail: "5" });
    await t.until((x) => x.lines.length >= 20, "lines");
    expect(new Set(t.lines.map((l) => l.cluster))).toEqual(new Set(["sandbox-east"]));
    expect(openOn("sandbox-east")).toBe(2);
    expect(openOn("sandbox-west")).toBe(0);
  });

  it("opens only the pod the pod filter names", async () => {
    const [pod] = await runningPods(clusterIds["sandbox-west"]!, "web", 2);
    const t = await tail(owner, { pod: pod!, tail: "5" });
    await t.until((x) => x.lines.length >= 10, "lines");
    expect(new Set(t.lines.map((l) => l.pod))).toEqual(new Set([pod]));
    expect(openOn("sandbox-west")).toBe(1);
    expect(openOn("sandbox-east")).toBe(0);
  });
});

describe("refusals", () => {
  it("answers a pattern that does not compile, or a cursor it did not write, at the field, opening nothing", async () => {
    const { res } = await request(streamRoute, owner, { service: serviceId, include: "(unclosed" });
    // INVALID_INPUT: the project's answer to a field that needs fixing (lib/errors.ts).
    expect(res.status).toBe(422);
    const body = (await res.json()) as { fieldErrors?: Record<string, string[]> };
    expect(body.fieldErrors?.include?.[0]).toMatch(/Not a valid regular expression/);
    const cursor = await request(streamRoute, owner, { service: serviceId }, { "last-event-id": "not-a-cursor" });
    expect(cursor.res.status).toBe(422);
    expect(((await cursor.res.json()) as { fieldErrors?: Record<string, string[]> }).fieldErrors?.cursor?.[0]).toMatch(/not one this server wrote/);
    expect(
      upstreamHub()
        .stats()
        .reduce((n, s) => n + s.open, 0),
    ).toBe(0);
  });

  it("refuses a member of another project (404) and a project viewer in production (403), opening nothing", async () => {
    const other = await request(streamRoute, outsider, { service: serviceId });
    expect(other.res.status).toBe(404);
    const prod = await request(streamRoute, viewer, { service: serviceId, env: "prod" });
    expect(prod.res.status).toBe(403);
    const download = await request(downloadRoute, viewer, { service: serviceId, env: "prod" });
    expect(download.res.status).toBe(403);
    expect(
      upstreamHub()
        .stats()
        .reduce((n, s) => n + s.open, 0),
    ).toBe(0);
    // The same viewer reads dev.
    const dev = await tail(viewer, { tail: "1" });
    await dev.until((x) => x.lines.length > 0, "a dev line");
  });
});

describe("resuming and slow viewers", () => {
  it("resumes from a cursor with exactly the lines a continuous reader got after it", async () => {
    const a = await tail(owner, { tail: "10" });
    await a.until((x) => x.of("live").length > 0 && x.of("lines").length >= 3, "some batches");
    const marks = a.of("lines");
    const cut = marks[marks.length - 1]!;
    const seenBefore = a.lines.length;
    const b = await tail(owner, { tail: "10" }, { "last-event-id": cut.id! });
    await Promise.all([
      a.until((x) => x.lines.length >= seenBefore + 80, "more lines for the continuous reader"),
      b.until((x) => x.lines.length >= 80, "lines for the resumed reader"),
    ]);
    const after = a.lines.slice(seenBefore);
    const perSource = (ls: LogLine[]) => {
      const m = new Map<string, string[]>();
      for (const l of ls) m.set(sourceOf(l), [...(m.get(sourceOf(l)) ?? []), `${l.ts} ${l.text}`]);
      return m;
    };
    const continuous = perSource(after);
    const resumed = perSource(b.lines);
    expect([...resumed.keys()].sort()).toEqual([...continuous.keys()].sort());
    for (const [source, lines] of continuous) {
      const other = resumed.get(source)!;
      const n = Math.min(lines.length, other.length);
      expect(n, source).toBeGreaterThan(0);
      expect(other.slice(0, n), source).toEqual(lines.slice(0, n));
    }
  });

  it("gives a reading viewer a history longer than its queue whole, without dropping any", async () => {
    const t = await tail(owner, { since: "3600" });
    await t.until((x) => x.of("live").length > 0, "the history", 30_000);
    expect(t.of("dropped")).toEqual([]);
    // Far more than the 50 lines a viewer's queue holds here.
    expect(t.lines.length).toBeGreaterThan(150);
    expectMerged(t.lines);
  });

  it("tells a viewer that does not read how many lines it lost, while another viewer of the same pods gets every line", async () => {
    const slow = await tail(owner, { tail: "5" });
    const fast = await tail(owner, { tail: "5" });
    // The fast viewer reads for a while; the slow one reads nothing meanwhile.
    await fast.until((x) => x.lines.length >= 150, "lines for the reading viewer", 30_000);
    await slow.until((x) => x.of("dropped").length > 0, "the slow viewer's dropped event");
    const dropped = slow.of("dropped")[0]!.data as { count: number; message: string };
    expect(dropped.count).toBeGreaterThan(0);
    expect(dropped.message).toMatch(/fell behind/);
    expect(fast.of("dropped")).toEqual([]);
    await slow.until((x) => x.lines.length > 0, "lines after the drop");
    expect(openOn("sandbox-east") + openOn("sandbox-west")).toBe(4);
    // Every line: what the fast viewer got of each pod is that pod's log over the same time, read again as a window.
    const got = fast.lines;
    const from = new Date(Math.min(...got.map((l) => l.ms))).toISOString();
    const to = new Date(Math.max(...got.map((l) => l.ms)) + 1).toISOString();
    const window = await tail(owner, { sinceTime: from, until: to });
    await window.until((x) => x.of("end").length > 0, "the window's end");
    const bySource = (ls: LogLine[]) => {
      const m = new Map<string, string[]>();
      for (const l of ls) m.set(sourceOf(l), [...(m.get(sourceOf(l)) ?? []), `${l.ts} ${l.text}`]);
      return m;
    };
    const seen = bySource(got);
    const all = bySource(window.lines);
    for (const [source, lines] of seen) {
      const first = lines[0]!;
      const last = lines[lines.length - 1]!;
      expect(lines, source).toEqual(all.get(source)!.filter((l) => l >= first && l <= last));
    }
  });
});

describe("pods and clusters changing mid-tail", () => {
  it("shows a pod scaled up joining and a deleted pod ending", async () => {
    const east = clusterIds["sandbox-east"]!;
    const t = await tail(owner, { tail: "1", cluster: east });
    await t.until((x) => x.of("live").length > 0, "the history");
    const conn = await connectCluster(east);
    await conn.api(AppsV1Api).patchNamespacedDeploymentScale({
      name: "web",
      namespace: `${SLUG}-dev`,
      body: [{ op: "replace", path: "/spec/replicas", value: 3 }],
    });
    await t.until((x) => x.of("source").some((e) => (e.data as LogSourceEvent).state === "joined"), "a pod joining");
    const joined = (t.of("source").find((e) => (e.data as LogSourceEvent).state === "joined")!.data as LogSourceEvent).pod;
    await t.until((x) => x.lines.some((l) => l.pod === joined), "the new pod's lines");
    await conn.api(CoreV1Api).deleteNamespacedPod({ name: joined, namespace: `${SLUG}-dev` });
    await conn.api(AppsV1Api).patchNamespacedDeploymentScale({
      name: "web",
      namespace: `${SLUG}-dev`,
      body: [{ op: "replace", path: "/spec/replicas", value: 2 }],
    });
    await t.until(
      (x) => x.of("source").some((e) => (e.data as LogSourceEvent).state === "ended" && (e.data as LogSourceEvent).pod === joined),
      "the deleted pod ending",
    );
    await runningPods(east, "web", 2);
  });

  it("follows a StatefulSet's pod that comes back under the same name as a new source", async () => {
    const east = clusterIds["sandbox-east"]!;
    await runningPods(east, "db", 1);
    const t = await tail(owner, { service: statefulServiceId, tail: "1" });
    await t.until((x) => x.lines.some((l) => l.pod === "db-0"), "db-0's lines");
    const conn = await connectCluster(east);
    await conn.api(CoreV1Api).deleteNamespacedPod({ name: "db-0", namespace: `${SLUG}-dev` });
    const state = (e: Sse) => (e.data as LogSourceEvent).state;
    await t.until((x) => x.of("source").some((e) => state(e) === "ended"), "db-0 ending");
    const ended = t.events.findIndex((e) => e.event === "source" && state(e) === "ended");
    await t.until((x) => x.events.slice(ended).some((e) => e.event === "source" && state(e) === "joined"), "db-0 joining again", 30_000);
    const joined = t.events.findIndex((e, i) => i > ended && e.event === "source" && state(e) === "joined");
    await t.until(
      (x) => x.events.slice(joined).some((e) => e.event === "lines" && (e.data as { lines: LogLine[] }).lines.some((l) => l.pod === "db-0")),
      "the new db-0's lines",
      30_000,
    );
  });
});

describe("bounded reads", () => {
  it("reads a window (sinceTime, until) and ends", async () => {
    const until_ = new Date(Date.now() - 1_000);
    const since = new Date(until_.getTime() - 5_000);
    const t = await tail(owner, { sinceTime: since.toISOString(), until: until_.toISOString() });
    await t.until((x) => x.of("end").length > 0, "the end of the window");
    expect(t.lines.length).toBeGreaterThan(0);
    for (const l of t.lines) {
      expect(l.ms).toBeGreaterThanOrEqual(Math.floor(since.getTime() / 1000) * 1000);
      expect(l.ms).toBeLessThanOrEqual(until_.getTime());
    }
    expectMerged(t.lines);
  });

  it("downloads the filtered lines as a text file", async () => {
    const { res } = await request(downloadRoute, owner, { service: serviceId, tail: "50", include: "(?i)get" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="web-dev-\d{8}T\d{6}Z\.log"$/);
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    const logged = lines.filter((l) => !/^\S+ -- /.test(l));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) {
      const m = /^(\S+) (sandbox-(?:east|west))\/(web-\S+)\/app (.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![4]).toMatch(/get/i);
    }
  });
});

describe("the reader's right, checked while the tail runs", () => {
  it("stops sending lines to a member removed from the project", async () => {
    const user = await makeUser("developer", "logs leaver");
    const project = await db().project.findUniqueOrThrow({ where: { slug: SLUG } });
    await db().projectMember.create({ data: { projectId: project.id, userId: user.id, role: "developer" } });
    const ctx = await ctxFor(user);
    const abort = new AbortController();
    const body = await openLogStream({
      ctx,
      query: ZLogQuery.parse({ service: serviceId, env: "dev", tail: "1" }),
      reload: async () => {
        const actor = await loadActor(user.id);
        return actor ? { actor, requestId: "test" } : null;
      },
      reader: logReader(),
      signal: abort.signal,
      recheckMs: 200,
    });
    const t = new Tail(new Response(body), abort);
    open.push(t);
    await t.until((x) => x.lines.length > 0, "lines while a member");
    await db().projectMember.deleteMany({ where: { projectId: project.id, userId: user.id } });
    await t.until((x) => x.of("end").length > 0, "the end of the tail");
    expect(t.of("end")[0]!.data).toEqual({ reason: "You may no longer read these logs." });
    const end = t.events.findIndex((e) => e.event === "end");
    expect(t.events.slice(end + 1)).toEqual([]);
    await until(
      async () =>
        upstreamHub()
          .stats()
          .every((s) => s.open === 0),
      10_000,
      "its upstreams to close",
    );
  });
});

// Last: the pod watcher of the stopped cluster may still be reconnecting after it.
describe("a cluster stopping mid-tail", () => {
  it("marks a cluster that stops answering while the other's lines continue, and resumes its lines when it is back", async () => {
    const t = await tail(owner, { tail: "1" });
    await t.until((x) => x.of("live").length > 0, "the history");
    const west = env.sandbox.cluster("sandbox-west");
    await west.stop();
    try {
      await t.until((x) => x.of("cluster").some((e) => (e.data as { ok: boolean }).ok === false), "west marked unreachable");
      const down = t.events.findIndex((e) => e.event === "cluster" && (e.data as { ok: boolean }).ok === false);
      expect(t.events[down]!.data).toMatchObject({ cluster: "sandbox-west", ok: false });
      const linesAt = t.lines.length;
      await t.until((x) => x.lines.slice(linesAt).filter((l) => l.cluster === "sandbox-east").length >= 10, "east lines meanwhile");
    } finally {
      await west.start();
    }
    await t.until((x) => x.of("cluster").some((e) => (e.data as { ok: boolean }).ok === true), "west back", 30_000);
    const back = t.events.findIndex((e) => e.event === "cluster" && (e.data as { ok: boolean }).ok === true);
    await t.until(
      (x) =>
        x.events
          .slice(back)
          .filter((e) => e.event === "lines")
          .some((e) => (e.data as { lines: LogLine[] }).lines.some((l) => l.cluster === "sandbox-west")),
      "west lines again",
      30_000,
    );
  });
});
