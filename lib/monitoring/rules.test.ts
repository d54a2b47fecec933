/**
 * Alert rule generation: every kind per service and environment, thresholds
 * from the service's objectives, people's changes, extra rules confined to
 * the project's namespace; the generated file of a representative project
 * is checked by the real `promtool check rules`, and `promtool test rules`
 * proves the error-ratio and quota alerts fire from given series (and stay
 * quiet below their thresholds).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ZAppSpec, type TAppSpec } from "@/lib/deploy/spec";
import { generateRules, prometheusRuleObject, ruleFileText, ruleGroups, ZRuleSettings, type RuleProject, type TRuleSettingsInput } from "./rules";
import { checkRuleText, PROMTOOL, writeRuleFile } from "./rules-files";

const spec = (patch: Record<string, unknown> = {}): TAppSpec =>
  ZAppSpec.parse({
    image: { repository: "registry.wharf.local/shop/api" },
    replicas: 2,
    ports: [{ name: "http", containerPort: 8080 }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    ...patch,
  });

/** A project with every rule kind: an autoscaled API with its own objectives, a worker with the defaults, two environments. */
const shop: RuleProject = {
  slug: "shop",
  team: "payments",
  environments: ["dev", "prod"],
  services: [
    {
      slug: "api",
      spec: spec({
        objectives: { errorRatio: 0.02, latencyP99Seconds: 0.8 },
        autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
      }),
    },
    { slug: "worker", spec: null },
  ],
};
const settings = (s: TRuleSettingsInput = {}) => ZRuleSettings.parse(s);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-rules-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("generating a project's rules", () => {
  it("gives each service error ratio, latency p99, crash looping and pods not ready per environment, autoscaler at max when it autoscales, and the quota per environment", () => {
    const rules = generateRules(shop, settings(), { baseUrl: "https://wharf.example.com" });
    const keys = rules.map((r) => r.key);
    for (const env of ["dev", "prod"])
      expect(keys).toEqual(
        expect.arrayContaining([
          `error_ratio/api/${env}`,
          `latency_p99/api/${env}`,
          `crash_looping/api/${env}`,
          `pods_not_ready/api/${env}`,
          `autoscaler_at_max/api/${env}`,
          `error_ratio/worker/${env}`,
          `crash_looping/worker/${env}`,
          `quota_high/-/${env}`,
        ]),
      );
    expect(keys).not.toContain("autoscaler_at_max/worker/dev");
    expect(rules).toHaveLength(2 * (5 + 4 + 1));
    const api = rules.find((r) => r.key === "error_ratio/api/prod")!;
    expect(api.threshold).toBe(0.02);
    expect(api.expr).toContain('http_requests_total{namespace="shop-prod", pod=~"api-[a-z0-9]+-[a-z0-9]+", code=~"5.."}');
    expect(api.expr).toMatch(/> 0\.02$/);
    expect(api.labels).toEqual({ project: "shop", service: "api", environment: "prod", severity: "critical", team: "payments", wharf_rule: "error_ratio" });
    expect(api.annotations.runbook_url).toBe("https://wharf.example.com/projects/shop/monitoring");
    expect(api.annotations.summary).toBe("api in shop-prod: more than 2% of requests fail");
    expect(rules.find((r) => r.key === "latency_p99/api/dev")!.threshold).toBe(0.8);
    // the worker has no spec: the global objectives
    expect(rules.find((r) => r.key === "error_ratio/worker/dev")!.threshold).toBe(0.01);
    expect(rules.find((r) => r.key === "latency_p99/worker/dev")!.threshold).toBe(0.5);
    const quota = rules.find((r) => r.key === "quota_high/-/prod")!;
    expect(quota.labels).not.toHaveProperty("service");
    expect(quota.expr).toContain('kube_resourcequota{namespace="shop-prod", type="used"}');
  });

  it("takes a person's threshold and duration, and leaves a switched-off rule out of the file and the PrometheusRule", () => {
    const rules = generateRules(
      shop,
      settings({ rules: { "error_ratio/api/prod": { threshold: 0.05, for: "10m" }, "crash_looping/worker/prod": { enabled: false } } }),
    );
    const api = rules.find((r) => r.key === "error_ratio/api/prod")!;
    expect([api.threshold, api.defaultThreshold, api.for, api.defaultFor]).toEqual([0.05, 0.02, "10m", "5m"]);
    expect(api.expr).toMatch(/> 0\.05$/);
    const file = parse(ruleFileText("shop", rules, shop.environments)) as {
      groups: { name: string; rules: { alert: string; labels: { service?: string } }[] }[];
    };
    expect(file.groups.map((g) => g.name)).toEqual(["wharf:shop:dev", "wharf:shop:prod"]);
    // the file says exactly what the model says (written without a general YAML serializer, for speed)
    expect(file).toEqual({ groups: ruleGroups("shop", rules, shop.environments) });
    const prod = file.groups[1].rules;
    expect(prod.some((r) => r.alert === "WharfCrashLooping" && r.labels.service === "worker")).toBe(false);
    expect(file.groups[0].rules.some((r) => r.alert === "WharfCrashLooping" && r.labels.service === "worker")).toBe(true);
    const object = prometheusRuleObject("shop", "prod", rules);
    expect(object.metadata).toMatchObject({ name: "wharf-shop", namespace: "shop-prod" });
    expect(object.spec.groups).toHaveLength(1);
    expect(object.spec.groups[0].rules).toHaveLength(prod.length);
  });

  it("confines an extra rule's PromQL to the project's namespace of each environment it applies to", () => {
    const rules = generateRules(
      shop,
      settings({ extra: [{ id: "queue", alert: "QueueBacklog", expr: "sum(queue_depth) > 100", environments: ["prod"], summary: "Orders pile up" }] }),
    );
    const extra = rules.filter((r) => r.kind === "extra");
    expect(extra.map((r) => r.key)).toEqual(["extra/queue/prod"]);
    expect(extra[0].expr).toBe('sum(queue_depth{namespace="shop-prod"}) > 100');
    expect(extra[0].labels).toMatchObject({ project: "shop", environment: "prod", severity: "warning", team: "payments" });
  });

  it("refuses bad PromQL in an extra rule at its field, with the position", () => {
    const r = ZRuleSettings.safeParse({ extra: [{ id: "bad", alert: "Bad", expr: "sum(rate(http_requests_total[5m])" }] });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0];
    expect(issue.path).toEqual(["extra", 0, "expr"]);
    expect(issue.message).toMatch(/line 1, column \d+/);
    const name = ZRuleSettings.safeParse({ extra: [{ id: "x", alert: "has space", expr: "up" }] });
    expect(name.error!.issues[0]).toMatchObject({ path: ["extra", 0, "alert"], message: expect.stringContaining("must be an alert name") });
    const duration = ZRuleSettings.safeParse({ rules: { "error_ratio/api/prod": { for: "five minutes" } } });
    expect(duration.error!.issues[0].message).toBe("must be a Prometheus duration, e.g. 30s, 5m or 1h");
  });
});

describe("promtool", () => {
  it("accepts the generated rule file of a project with every rule kind and an extra rule", async () => {
    const rules = generateRules(shop, settings({ extra: [{ id: "queue", alert: "QueueBacklog", expr: "sum(queue_depth) > 100" }] }));
    const check = await checkRuleText(ruleFileText("shop", rules, shop.environments), "shop.yml");
    expect(check).toEqual({ ok: true });
  });

  it("refuses a file whose extra rule uses a function this Prometheus does not know, and writeRuleFile leaves nothing in the folder", async () => {
    const rules = generateRules(shop, settings({ extra: [{ id: "mad", alert: "Mad", expr: "mad_over_time(up[5m]) > 1" }] }));
    const written = await writeRuleFile(tmp, "shop", ruleFileText("shop", rules, shop.environments));
    expect(written.ok).toBe(false);
    if (!written.ok)
      expect(written.reason).toMatch(
        /^shop\.yml: \d+:\d+: group "wharf:shop:dev", rule \d+, "Mad": could not parse expression: .*unknown function with name "mad_over_time"/,
      );
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it("fires the error-ratio alert from series above the objective, not below (promtool test rules)", () => {
    const project: RuleProject = {
      slug: "shop",
      team: "payments",
      environments: ["prod"],
      services: [{ slug: "api", spec: spec({ objectives: { errorRatio: 0.1 } }) }],
    };
    const rules = generateRules(project, settings({ rules: { "error_ratio/api/prod": { for: "2m" }, "quota_high/-/prod": { for: "5m" } } }));
    const file = path.join(tmp, "fire.yml");
    fs.writeFileSync(file, ruleFileText("shop", rules, ["prod"]));
    const pod = 'namespace="shop-prod", pod="api-7d9f8-x2k4q", cluster="east"';
    const quietPod = 'namespace="shop-prod", pod="api-7d9f8-q9z8w", cluster="west"';
    const test = {
      rule_files: [file],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            // east: 100 requests a minute, 30 of them 500s (30% > 10%); west: 100 a minute, 5 of them 500s (5%)
            { series: `http_requests_total{${pod}, code="200"}`, values: "0+70x15" },
            { series: `http_requests_total{${pod}, code="500"}`, values: "0+30x15" },
            { series: `http_requests_total{${quietPod}, code="200"}`, values: "0+95x15" },
            { series: `http_requests_total{${quietPod}, code="500"}`, values: "0+5x15" },
            { series: `kube_resourcequota{namespace="shop-prod", resourcequota="q", resource="pods", type="hard", cluster="east"}`, values: "10x15" },
            { series: `kube_resourcequota{namespace="shop-prod", resourcequota="q", resource="pods", type="used", cluster="east"}`, values: "6x5 10x10" },
          ],
          alert_rule_test: [
            { eval_time: "1m", alertname: "WharfErrorRatioHigh", exp_alerts: [] },
            {
              eval_time: "10m",
              alertname: "WharfErrorRatioHigh",
              exp_alerts: [
                {
                  exp_labels: {
                    cluster: "east",
                    namespace: "shop-prod",
                    project: "shop",
                    service: "api",
                    environment: "prod",
                    severity: "critical",
                    team: "payments",
                    wharf_rule: "error_ratio",
                  },
                  exp_annotations: rules.find((r) => r.key === "error_ratio/api/prod")!.annotations,
                },
              ],
            },
            { eval_time: "5m", alertname: "WharfQuotaHigh", exp_alerts: [] },
            {
              eval_time: "14m",
              alertname: "WharfQuotaHigh",
              exp_alerts: [
                {
                  exp_labels: {
                    cluster: "east",
                    namespace: "shop-prod",
                    resource: "pods",
                    project: "shop",
                    environment: "prod",
                    severity: "warning",
                    team: "payments",
                    wharf_rule: "quota_high",
                  },
                  exp_annotations: rules.find((r) => r.key === "quota_high/-/prod")!.annotations,
                },
              ],
            },
          ],
        },
      ],
    };
    const testFile = path.join(tmp, "fire.test.yml");
    // the quota is full from minute 6: pending, then firing 5 minutes later
    fs.writeFileSync(testFile, JSON.stringify(test));
    const run = () => {
      try {
        return execFileSync(PROMTOOL, ["test", "rules", testFile], { encoding: "utf8", stdio: "pipe" });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        return `FAILED ${err.stdout ?? ""} ${err.stderr ?? ""}`;
      }
    };
    expect(run()).toContain("SUCCESS");
  });
});
