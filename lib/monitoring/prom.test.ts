/**
 * The PromQL client against the test run's real Prometheus (test/global-setup.ts),
 * which scrapes this file's real sandbox clusters over HTTPS; and failures as
 * values from sources that time out, refuse, or answer something else.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxForThisFile } from "@/test/sandbox";
import { scrapeForThisFile, testMonitoring } from "@/test/monitoring";
import { eventually, FAST_SIMULATION, kubeConfigFor } from "@/sandbox/testing/helpers";
import { checkRuleFile, PROMTOOL_BIN } from "@/scripts/lib/monitoring-servers";
import { alerts, query, queryClusters, queryRange, ready, reload, rules, type ClusterSource, type PromSource } from "./prom";

const CLUSTERS = [
  { name: "prom-east", region: "us-east" },
  { name: "prom-west", region: "us-west" },
];
const box = sandboxForThisFile({ clusters: CLUSTERS, simulation: FAST_SIMULATION });
scrapeForThisFile(() => box.sandbox.clusters);

let prometheus: PromSource;
/** A TCP server that accepts connections and never answers: a Prometheus that hangs. */
let silent: net.Server;
let silentUrl = "";
const sockets: net.Socket[] = [];
const ruleFiles: string[] = [];

beforeAll(async () => {
  prometheus = { id: "global", url: testMonitoring().prometheusUrl, managed: true };
  for (const cluster of box.sandbox.clusters) {
    const kc = kubeConfigFor(cluster);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "shop-dev" } } });
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: "shop-dev",
      body: {
        metadata: { name: "api", annotations: { "sandbox.wharf.dev/rps": "30" } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "api" } },
          template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "app", image: "registry.wharf.local/shop/api:v1" }] } },
        },
      },
    });
  }
  silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const f of ruleFiles) fs.rmSync(f, { force: true });
  if (ruleFiles.length) await reload(prometheus);
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent?.close(r));
});

const byLabel = (cluster: string): ClusterSource => ({ cluster, source: prometheus, byLabel: true });

describe("Prometheus scrapes the sandbox clusters", () => {
  it("reads each cluster's request rate as its own series, labelled with the cluster's name", async () => {
    const result = await eventually(
      async () => {
        const r = await queryClusters(
          CLUSTERS.map((c) => byLabel(c.name)),
          'sum by (cluster) (rate(http_requests_total{namespace="shop-dev"}[1m]))',
        );
        return r.every((c) => c.ok && c.series.length === 1 && Number(c.series[0].values[0][1]) > 0) && r;
      },
      40_000,
      "a request rate from both clusters",
    );
    expect(result.map((c) => c.cluster)).toEqual(["prom-east", "prom-west"]);
    for (const c of result) {
      if (!c.ok) throw new Error(c.reason);
      expect(c.series[0].metric).toEqual({ cluster: c.cluster });
    }
  });

  it("has CPU, memory, latency histograms, restarts and replica counts with namespace, pod and deployment labels", async () => {
    const series = async (promql: string) => {
      const r = await query(prometheus, promql);
      if (!r.ok || r.data.resultType !== "vector") throw new Error(r.ok ? r.data.resultType : r.reason);
      return r.data.result;
    };
    const cpu = await series('rate(container_cpu_usage_seconds_total{cluster="prom-east", namespace="shop-dev"}[1m])');
    expect(cpu.length).toBe(2);
    expect(cpu[0].metric).toMatchObject({ cluster: "prom-east", namespace: "shop-dev", container: "app" });
    expect(cpu[0].metric.pod).toMatch(/^api-/);
    expect((await series('container_memory_working_set_bytes{cluster="prom-west", namespace="shop-dev"}')).length).toBe(2);
    const p95 = await series('histogram_quantile(0.95, sum by (cluster, le) (rate(http_request_duration_seconds_bucket{namespace="shop-dev"}[1m])))');
    expect(p95.map((s) => s.metric.cluster).sort()).toEqual(["prom-east", "prom-west"]);
    expect(await series('kube_pod_container_status_restarts_total{namespace="shop-dev"}')).toHaveLength(4);
    const replicas = await series('kube_deployment_spec_replicas{namespace="shop-dev", deployment="api"}');
    expect(replicas.map((s) => [s.metric.cluster, s.value[1]]).sort()).toEqual([
      ["prom-east", "2"],
      ["prom-west", "2"],
    ]);
  });

  it("answers a range query with points over the range", async () => {
    const end = new Date();
    const r = await queryRange(prometheus, 'sum by (cluster) (kube_deployment_status_replicas_available{namespace="shop-dev"})', {
      start: new Date(end.getTime() - 60_000),
      end,
      stepSeconds: 5,
    });
    if (!r.ok) throw new Error(r.reason);
    expect(r.data.result.map((s) => s.metric.cluster).sort()).toEqual(["prom-east", "prom-west"]);
    expect(r.data.result[0].values.length).toBeGreaterThan(0);
  });

  it("sends its alerts to the run's Alertmanager and is ready", async () => {
    expect((await ready(prometheus)).ok).toBe(true);
    const res = await fetch(`${prometheus.url}/api/v1/alertmanagers`);
    const body = (await res.json()) as { data: { activeAlertmanagers: { url: string }[] } };
    expect(body.data.activeAlertmanagers.map((a) => a.url)).toEqual([`${testMonitoring().alertmanagerUrl}/api/v2/alerts`]);
    const a = await alerts(prometheus);
    expect(a.ok && Array.isArray(a.data.alerts)).toBe(true);
  });
});

describe("rule files", () => {
  it("loads a rule file written to the rules directory once Prometheus is reloaded", async () => {
    const file = path.join(testMonitoring().rulesDir, `prom-test-${process.pid}.yml`);
    const text = [
      "groups:",
      "  - name: prom-test-shop",
      "    rules:",
      "      - alert: ShopHighErrorRatio",
      '        expr: sum(rate(http_requests_total{namespace="shop-dev", code=~"5.."}[1m])) / sum(rate(http_requests_total{namespace="shop-dev"}[1m])) > 0.5',
      "        for: 1m",
      "        labels: { severity: page }",
      "",
    ].join("\n");
    const staging = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wharf-rules-")), "shop.yml");
    fs.writeFileSync(staging, text);
    expect(checkRuleFile(staging)).toBeNull();
    fs.renameSync(staging, file);
    ruleFiles.push(file);
    const reloaded = await reload(prometheus);
    expect(reloaded).toMatchObject({ ok: true });
    const loaded = await rules(prometheus);
    if (!loaded.ok) throw new Error(loaded.reason);
    const group = loaded.data.groups.find((g) => g.name === "prom-test-shop");
    expect(group?.file).toBe(file);
    expect(group?.rules.map((r) => [r.name, r.type])).toEqual([["ShopHighErrorRatio", "alerting"]]);
  });

  it("promtool check rules refuses a rule whose expression does not parse, saying where", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-rules-"));
    const file = path.join(dir, "bad.yml");
    fs.writeFileSync(
      file,
      ["groups:", "  - name: bad", "    rules:", "      - alert: Broken", "        expr: sum(rate(http_requests_total[1m])", ""].join("\n"),
    );
    const problem = checkRuleFile(file);
    expect(problem).toContain("FAILED");
    expect(problem).toMatch(/1:\d+: parse error/);
    expect(PROMTOOL_BIN).toBe("/usr/bin/promtool");
  });
});

describe("failures are values naming the source", () => {
  it("a source that does not answer within its bound", async () => {
    const source: PromSource = { id: "cluster:slow", url: silentUrl, managed: false };
    const r = await query(source, "up", { timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, source: "cluster:slow", reason: `Prometheus at ${silentUrl} did not answer within 0.3 s` });
  });

  it("a source that refuses the connection", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await query({ id: "global", url: `http://127.0.0.1:${port}`, managed: true }, "up");
    expect(r).toMatchObject({ ok: false, reason: `Prometheus at http://127.0.0.1:${port} refused the connection: is it running?` });
  });

  it("a query Prometheus cannot parse comes back as bad_data with the position", async () => {
    const r = await query(prometheus, "sum(rate(up[1m])");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/^bad_data: .*1:\d+: parse error/);
  });

  it("a URL that is not the Prometheus API", async () => {
    const r = await query({ id: "global", url: `${prometheus.url}/graph`, managed: true }, "up");
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.reason).toContain("not the Prometheus API");
  });

  it("one source down marks its own cluster only", async () => {
    const r = await queryClusters(
      [byLabel("prom-east"), { cluster: "prom-west", source: { id: "cluster:prom-west", url: silentUrl, managed: false }, byLabel: false }],
      'sum by (cluster) (kube_deployment_spec_replicas{namespace="shop-dev"})',
      { timeoutMs: 400 },
    );
    expect(r[0]).toMatchObject({ cluster: "prom-east", ok: true });
    expect(r[1]).toMatchObject({
      cluster: "prom-west",
      ok: false,
      source: "cluster:prom-west",
      reason: `Prometheus at ${silentUrl} did not answer within 0.4 s`,
    });
  });

  it("a cluster's own Prometheus only gets queries: no rule reads or reloads", async () => {
    const own: PromSource = { id: "cluster:prom-west", url: prometheus.url, managed: false };
    expect(await reload(own)).toMatchObject({ ok: false, reason: expect.stringContaining("Wharf only sends it queries") });
    expect(await rules(own)).toMatchObject({ ok: false });
    expect((await query(own, "vector(1)")).ok).toBe(true);
  });
});
