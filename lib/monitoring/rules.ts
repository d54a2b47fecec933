/**
 * Alert rules as code: a project's rules are generated from its services'
 * specs (their objectives, their autoscaler) and its environments, then
 * changed by what people stored (a generated rule switched off, its
 * threshold or `for`; extra rules maintainers wrote). One model, deployed
 * two ways (lib/monitoring/rules-deploy.ts): a rule file for the Prometheus
 * Wharf runs, and a PrometheusRule object per environment on each cluster.
 *
 * Everything here is pure: no database, no cluster, no Prometheus.
 */
import { z } from "zod";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import type { EnvKind } from "@/lib/catalog/environments";
import { objectivesOf, resolveSpec, type TAppSpec } from "@/lib/deploy/spec";
import { namespaceName } from "@/lib/provisioning/manifests";
import { ZPromql } from "./project";
import { withMatcher } from "./promql";

export const RULE_KINDS = ["error_ratio", "latency_p99", "crash_looping", "pods_not_ready", "autoscaler_at_max", "quota_high"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What each kind is, how its threshold reads, and its defaults (the error-ratio and latency thresholds come from the service's objectives). */
export const RULE_KIND_INFO: Record<
  RuleKind,
  { alert: string; label: string; unit: "ratio" | "seconds" | "count"; threshold: number; for: string; severity: Severity; perService: boolean }
> = {
  error_ratio: {
    alert: "WharfErrorRatioHigh",
    label: "Error ratio above objective",
    unit: "ratio",
    threshold: 0.01,
    for: "5m",
    severity: "critical",
    perService: true,
  },
  latency_p99: {
    alert: "WharfLatencyP99High",
    label: "Latency p99 above objective",
    unit: "seconds",
    threshold: 0.5,
    for: "5m",
    severity: "warning",
    perService: true,
  },
  crash_looping: {
    alert: "WharfCrashLooping",
    label: "Crash looping (restarts in 10 min above)",
    unit: "count",
    threshold: 2,
    for: "1m",
    severity: "critical",
    perService: true,
  },
  pods_not_ready: {
    alert: "WharfPodsNotReady",
    label: "Containers not ready above",
    unit: "count",
    threshold: 0,
    for: "5m",
    severity: "warning",
    perService: true,
  },
  autoscaler_at_max: {
    alert: "WharfAutoscalerAtMax",
    label: "Autoscaler at its maximum (share of max replicas)",
    unit: "ratio",
    threshold: 1,
    for: "15m",
    severity: "warning",
    perService: true,
  },
  quota_high: {
    alert: "WharfQuotaHigh",
    label: "Namespace quota used above",
    unit: "ratio",
    threshold: 0.9,
    for: "15m",
    severity: "warning",
    perService: false,
  },
};

const ZDuration = z
  .string()
  .trim()
  .regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, { message: "must be a Prometheus duration, e.g. 30s, 5m or 1h" })
  .max(20, { message: "must be a Prometheus duration, e.g. 30s, 5m or 1h" });

/** What a person changed on one generated rule; absent fields keep the generated value. */
export const ZRuleOverride = z
  .object({
    enabled: z.boolean().default(true),
    threshold: z.number({ message: "must be a number" }).finite({ message: "must be a number" }).min(0, { message: "must be 0 or more" }).optional(),
    for: ZDuration.optional(),
  })
  .strict();
export type TRuleOverride = z.output<typeof ZRuleOverride>;

/** A rule a maintainer added: PromQL of their own, confined to the project's namespaces when generated. */
export const ZExtraRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: "must be lowercase letters, digits and -" }),
    alert: z
      .string()
      .trim()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an alert name: letters, digits and _, starting with a letter, e.g. CheckoutQueueBacklog" })
      .max(100, { message: "must be at most 100 characters" }),
    expr: ZPromql.pipe(z.string().trim().min(1, { message: "Enter a PromQL expression, e.g. sum(rate(http_requests_total[5m])) < 1" })),
    for: ZDuration.default("5m"),
    severity: z.enum(SEVERITIES).default("warning"),
    summary: z
      .string()
      .max(300, { message: "must be at most 300 characters" })
      // Prometheus expands {{ }} templates in annotations; a half-written one makes promtool refuse the file, so only plain text here.
      .refine((s) => !/[{}]/.test(s), { message: "must be plain text (no { or }): the alert's labels are added by Wharf" })
      .default(""),
    /** The environments it applies to; empty = all of the project's. */
    environments: z.array(z.enum(ENVIRONMENTS)).default([]),
    enabled: z.boolean().default(true),
    /** Its incident opens only from the Nth firing (label `wharf_min_occurrences`, read by lib/alerting/incidents.ts). */
    minOccurrences: z
      .number({ message: "must be a number of firings" })
      .int({ message: "must be a whole number" })
      .min(1, { message: "at least 1" })
      .max(100, { message: "at most 100" })
      .optional(),
  })
  .strict();
export type TExtraRule = z.output<typeof ZExtraRule>;

export const ZRuleSettings = z
  .object({
    /** Keyed by generated rule key (`<kind>/<service>/<environment>`, or `quota_high/-/<environment>`). */
    rules: z.record(z.string().max(200), ZRuleOverride).default({}),
    extra: z
      .array(ZExtraRule)
      .max(50, { message: "at most 50 extra rules per project" })
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((r, i) => {
          if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `"${r.id}" is used twice` });
          seen.add(r.id);
        });
      })
      .default([]),
  })
  .strict();
export type TRuleSettings = z.output<typeof ZRuleSettings>;
export type TRuleSettingsInput = z.input<typeof ZRuleSettings>;

export interface RuleProject {
  slug: string;
  team: string;
  environments: EnvKind[];
  /** Each service with its current spec (null: no spec yet, the defaults apply). */
  services: { slug: string; spec: TAppSpec | null }[];
}

/** One rule as the rules page shows it and as both deployments write it. */
export interface GeneratedRule {
  key: string;
  kind: RuleKind | "extra";
  environment: EnvKind;
  service: string | null;
  alert: string;
  label: string;
  unit: "ratio" | "seconds" | "count" | null;
  /** The threshold in effect, and the generated one (from the spec or the kind's default). */
  threshold: number | null;
  defaultThreshold: number | null;
  for: string;
  defaultFor: string;
  enabled: boolean;
  severity: Severity;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const ruleKey = (kind: RuleKind, service: string | null, env: EnvKind) => `${kind}/${service ?? "-"}/${env}`;

/** Pods of a Deployment named after the service (`<service>-<replicaset hash>-<suffix>`), not of a service whose name starts the same. */
function podsOf(service: string) {
  return `pod=~"${service}-[a-z0-9]+-[a-z0-9]+"`;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function exprOf(kind: RuleKind, ns: string, service: string | null, t: number): string {
  const sel = `namespace="${ns}"${service ? `, ${podsOf(service)}` : ""}`;
  switch (kind) {
    case "error_ratio":
      return (
        `sum by (cluster, namespace) (rate(http_requests_total{${sel}, code=~"5.."}[5m]))\n` +
        `  / sum by (cluster, namespace) (rate(http_requests_total{${sel}}[5m])) > ${num(t)}`
      );
    case "latency_p99":
      return `histogram_quantile(0.99, sum by (cluster, namespace, le) (rate(http_request_duration_seconds_bucket{${sel}}[5m]))) > ${num(t)}`;
    case "crash_looping":
      return `sum by (cluster, namespace, pod) (increase(kube_pod_container_status_restarts_total{${sel}}[10m])) > ${num(t)}`;
    case "pods_not_ready":
      return `count by (cluster, namespace) (kube_pod_container_status_ready{${sel}} == 0) > ${num(t)}`;
    case "autoscaler_at_max":
      return (
        `kube_horizontalpodautoscaler_status_current_replicas{namespace="${ns}", horizontalpodautoscaler="${service}"}\n` +
        `  / kube_horizontalpodautoscaler_spec_max_replicas{namespace="${ns}", horizontalpodautoscaler="${service}"} >= ${num(t)}`
      );
    case "quota_high":
      return (
        `max by (cluster, namespace, resource) (kube_resourcequota{namespace="${ns}", type="used"})\n` +
        `  / (max by (cluster, namespace, resource) (kube_resourcequota{namespace="${ns}", type="hard"}) > 0) > ${num(t)}`
      );
  }
}

function describe(kind: RuleKind, service: string | null, ns: string, t: number): { summary: string; description: string } {
  const who = service ? `${service} in ${ns}` : ns;
  const pct = (v: number) => `${num(v * 100)}%`;
  switch (kind) {
    case "error_ratio":
      return {
        summary: `${who}: more than ${pct(t)} of requests fail`,
        description: `The share of 5xx answers of ${who} has been above its objective (${pct(t)}) for the rule's duration.`,
      };
    case "latency_p99":
      return { summary: `${who}: p99 latency above ${num(t)} s`, description: `99% of requests of ${who} should be answered within ${num(t)} s.` };
    case "crash_looping":
      return { summary: `${who}: containers keep restarting`, description: `A pod of ${who} restarted more than ${num(t)} times in 10 minutes.` };
    case "pods_not_ready":
      return { summary: `${who}: containers not ready`, description: `More than ${num(t)} containers of ${who} have been failing their readiness check.` };
    case "autoscaler_at_max":
      return {
        summary: `${who}: autoscaler at its maximum`,
        description: `The autoscaler of ${who} runs ${pct(t)} of its maximum replicas or more: it cannot add capacity. Raise the maximum or the quota.`,
      };
    case "quota_high":
      return { summary: `${ns}: quota above ${pct(t)}`, description: `A resource of ${ns}'s quota is more than ${pct(t)} used: new pods may be refused.` };
  }
}

/** The project's rules per environment: every kind for every service, the quota per environment, and the extra rules. */
export function generateRules(project: RuleProject, settings: TRuleSettings, opts: { baseUrl?: string } = {}): GeneratedRule[] {
  const dashboard = `${(opts.baseUrl ?? "").replace(/\/$/, "")}/projects/${project.slug}/monitoring`;
  const out: GeneratedRule[] = [];
  const common = (env: EnvKind, service: string | null, severity: Severity) => ({
    project: project.slug,
    ...(service ? { service } : {}),
    environment: env,
    severity,
    team: project.team,
  });
  for (const env of project.environments) {
    const ns = namespaceName(project.slug, env);
    const add = (kind: RuleKind, service: string | null, defaultThreshold: number) => {
      const info = RULE_KIND_INFO[kind];
      const key = ruleKey(kind, service, env);
      const o = settings.rules[key];
      const threshold = o?.threshold ?? defaultThreshold;
      const text = describe(kind, service, ns, threshold);
      out.push({
        key,
        kind,
        environment: env,
        service,
        alert: info.alert,
        label: info.label,
        unit: info.unit,
        threshold,
        defaultThreshold,
        for: o?.for ?? info.for,
        defaultFor: info.for,
        enabled: o?.enabled ?? true,
        severity: info.severity,
        expr: exprOf(kind, ns, service, threshold),
        labels: { ...common(env, service, info.severity), wharf_rule: kind },
        annotations: { ...text, runbook_url: dashboard, dashboard },
      });
    };
    for (const s of project.services) {
      const spec = s.spec ? resolveSpec(s.spec, env) : null;
      const objectives = objectivesOf(s.spec ?? {});
      add("error_ratio", s.slug, objectives.errorRatio);
      add("latency_p99", s.slug, objectives.latencyP99Seconds);
      add("crash_looping", s.slug, RULE_KIND_INFO.crash_looping.threshold);
      add("pods_not_ready", s.slug, RULE_KIND_INFO.pods_not_ready.threshold);
      if (spec?.autoscaling?.enabled) add("autoscaler_at_max", s.slug, RULE_KIND_INFO.autoscaler_at_max.threshold);
    }
    add("quota_high", null, RULE_KIND_INFO.quota_high.threshold);
    for (const x of settings.extra) {
      if (x.environments.length && !x.environments.includes(env)) continue;
      out.push({
        key: `extra/${x.id}/${env}`,
        kind: "extra",
        environment: env,
        service: null,
        alert: x.alert,
        label: x.summary || x.alert,
        unit: null,
        threshold: null,
        defaultThreshold: null,
        for: x.for,
        defaultFor: x.for,
        enabled: x.enabled,
        severity: x.severity,
        // What a maintainer writes reads their project's namespace of this environment only.
        expr: withMatcher(x.expr, `namespace="${ns}"`),
        labels: {
          ...common(env, null, x.severity),
          wharf_rule: `extra:${x.id}`,
          ...(x.minOccurrences && x.minOccurrences > 1 ? { wharf_min_occurrences: String(x.minOccurrences) } : {}),
        },
        annotations: {
          summary: x.summary || `${x.alert} in ${ns}`,
          description: `An extra rule of ${project.slug}: ${x.expr}`,
          runbook_url: dashboard,
          dashboard,
        },
      });
    }
  }
  return out;
}

/** Prometheus' rule group format: one group per environment, the enabled rules only. */
export interface RuleGroup {
  name: string;
  rules: { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export function groupName(slug: string, env: EnvKind) {
  return `wharf:${slug}:${env}`;
}

export function ruleGroups(slug: string, rules: GeneratedRule[], environments?: EnvKind[]): RuleGroup[] {
  const envs = environments ?? [...new Set(rules.map((r) => r.environment))];
  return envs.map((env) => ({
    name: groupName(slug, env),
    rules: rules
      .filter((r) => r.environment === env && r.enabled)
      .map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: r.labels, annotations: r.annotations })),
  }));
}

/** The rule file of a project for the Prometheus Wharf runs (`<rules dir>/<slug>.yml`). */
export function ruleFileText(slug: string, rules: GeneratedRule[], environments: EnvKind[]): string {
  return `# Generated by Wharf for project ${slug}: edit the rules on /projects/${slug}/monitoring/rules, not here.\n${ruleGroupsYaml(ruleGroups(slug, rules, environments))}`;
}

/**
 * Rule groups as YAML, written directly (a general YAML serializer took 10 ms
 * a project, most of the time of 1,000 projects): every string double-quoted
 * as JSON writes it (a JSON string is a valid YAML double-quoted scalar), a
 * multi-line expression as a literal block. Checked by promtool in the tests.
 */
export function ruleGroupsYaml(groups: RuleGroup[]): string {
  const q = (v: string) => JSON.stringify(v);
  const map = (m: Record<string, string>, indent: string) =>
    Object.entries(m)
      .map(([k, v]) => `${indent}${q(k)}: ${q(v)}\n`)
      .join("");
  let out = groups.length ? "groups:\n" : "groups: []\n";
  for (const g of groups) {
    out += `  - name: ${q(g.name)}\n`;
    if (!g.rules.length) {
      out += "    rules: []\n";
      continue;
    }
    out += "    rules:\n";
    for (const r of g.rules) {
      out += `      - alert: ${q(r.alert)}\n`;
      // A literal block keeps a multi-line expression readable; its lines never end in spaces (generated or trimmed).
      out +=
        r.expr.includes("\n") && !/[ \t]$/m.test(r.expr) && !r.expr.startsWith(" ")
          ? `        expr: |-\n${r.expr
              .split("\n")
              .map((l) => `          ${l}`)
              .join("\n")}\n`
          : `        expr: ${q(r.expr)}\n`;
      out += `        for: ${q(r.for)}\n`;
      out += `        labels:\n${map(r.labels, "          ")}`;
      out += `        annotations:\n${map(r.annotations, "          ")}`;
    }
  }
  return out;
}

/** The PrometheusRule of one environment, for clusters with prometheus-operator. */
export function prometheusRuleObject(slug: string, env: EnvKind, rules: GeneratedRule[]) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: `wharf-${slug}`,
      namespace: namespaceName(slug, env),
      labels: { "app.kubernetes.io/managed-by": "wharf", "wharf.dev/project": slug, "wharf.dev/environment": env },
    },
    spec: { groups: ruleGroups(slug, rules, [env]) },
  };
}
