/**
 * The application spec of a service (the app-layer abstraction, in the
 * spirit of OAM or Score): image, replicas, resources, ports, environment,
 * config references, probes, autoscaling, spread, disruption budget,
 * priority, graceful shutdown and rollout, plus per-environment overrides.
 * One zod schema validates the form, the YAML editor and the API. Its fields
 * are those of the project's `wharf.yaml` (ZWharfService), so a generated
 * project's spec is its first version.
 */
import { z } from "zod";
import { parseDocument } from "yaml";
import { toYaml } from "@/lib/yaml";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { ZWharfService, ZWharfResources, refineConfigRefs, type TWharfService } from "@/lib/templates/wharf-spec";

const S = ZWharfService.shape;

const ZOverride = z
  .object({
    // Without their defaults: an override that leaves a field out inherits it (zod 4 applies a default even inside .optional()).
    replicas: S.replicas.unwrap().optional(),
    resources: ZWharfResources.optional(),
    env: S.env.unwrap().optional(),
    autoscaling: S.autoscaling,
  })
  .strict();

/** What a service promises: at most this share of 5xx answers, and 99% of requests answered within this many seconds. */
export const ZObjectives = z
  .object({
    errorRatio: z
      .number({ message: "must be a number between 0 and 1, e.g. 0.01 for 1% of requests" })
      .gt(0, { message: "must be above 0 (e.g. 0.01 for 1% of requests)" })
      .lt(1, { message: "must be below 1 (a share of requests: 0.01 is 1%)" })
      .optional(),
    latencyP99Seconds: z
      .number({ message: "must be a number of seconds, e.g. 0.5" })
      .gt(0, { message: "must be above 0 seconds" })
      .max(60, { message: "must be at most 60 seconds" })
      .optional(),
  })
  .strict();

/** Objectives of a spec that sets none: 1% errors, p99 under half a second. */
export const DEFAULT_OBJECTIVES = { errorRatio: 0.01, latencyP99Seconds: 0.5 } as const;

export function objectivesOf(spec: { objectives?: z.output<typeof ZObjectives> }): { errorRatio: number; latencyP99Seconds: number } {
  return {
    errorRatio: spec.objectives?.errorRatio ?? DEFAULT_OBJECTIVES.errorRatio,
    latencyP99Seconds: spec.objectives?.latencyP99Seconds ?? DEFAULT_OBJECTIVES.latencyP99Seconds,
  };
}

/**
 * `rollout.rollbackOnAlert`: roll a release back to the last good one when a critical (or, with severity "warning",
 * any from warning up) incident linked to it opens within `withinMinutes` of its start (lib/alerting/rollback.ts).
 * Unset: never.
 */
export const ZRollbackOnAlert = z
  .object({
    enabled: z.boolean().default(false),
    withinMinutes: z
      .number({ message: "must be a number of minutes" })
      .int({ message: "must be a whole number of minutes" })
      .min(1, { message: "at least 1 minute" })
      .max(1440, { message: "at most 1440 minutes (a day)" })
      .default(30),
    severity: z.enum(["critical", "warning"], { message: 'must be "critical" or "warning"' }).default("critical"),
  })
  .strict();

export const ZAppSpec = z
  .object({
    image: z
      .object({
        repository: z
          .string()
          .trim()
          .min(1, { message: "Enter the image repository, e.g. registry.example.com/team/app" })
          .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
            message: "must be an image repository (lowercase, no tag), e.g. registry.example.com/team/app",
          }),
      })
      .strict(),
    replicas: S.replicas,
    command: S.command,
    args: S.args,
    ports: S.ports,
    resources: ZWharfResources,
    env: S.env,
    /** Config-center namespaces delivered to the pods as files or environment variables (docs/config.md). */
    config: S.config,
    configReload: S.configReload,
    probes: S.probes,
    autoscaling: S.autoscaling,
    /** Spread replicas across nodes and zones (topology spread constraints). */
    spread: z
      .object({ acrossNodes: z.boolean().default(true), acrossZones: z.boolean().default(true) })
      .strict()
      .default({ acrossNodes: true, acrossZones: true }),
    /** Keeps at least this many replicas up during voluntary disruptions (a PodDisruptionBudget); 0 = none. */
    minAvailable: z.number().int().min(0).default(1),
    priorityClassName: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a PriorityClass name" })
      .max(253)
      .optional(),
    strategy: S.strategy,
    lifecycle: S.lifecycle,
    terminationGracePeriodSeconds: S.terminationGracePeriodSeconds,
    nodeSelector: S.nodeSelector,
    tolerations: S.tolerations,
    rollout: z
      .object({
        /** A rollout that has not progressed for this long is failed (Deployment progressDeadlineSeconds). */
        progressDeadlineSeconds: z.number().int().min(10).max(3600).default(120),
        /**
         * A new pod counts as available only after it has been ready this long (Deployment minReadySeconds), so
         * an image that starts, passes readiness and then crashes stalls the rollout instead of completing it.
         */
        minReadySeconds: z.number().int().min(0).max(600).default(10),
        /** Roll back to the last good release automatically when a rollout fails. */
        autoRollback: z.boolean().default(false),
        /**
         * Roll a release back to the last good one when a critical (or, with severity "warning", any) incident linked
         * to it opens within `withinMinutes` of its start (lib/alerting/rollback.ts). Unset: never.
         */
        rollbackOnAlert: ZRollbackOnAlert.optional(),
      })
      .strict()
      .default({ progressDeadlineSeconds: 120, minReadySeconds: 10, autoRollback: false }),
    overrides: z.partialRecord(z.enum(ENVIRONMENTS), ZOverride).default({}),
    /** Service objectives the generated alert rules hold the service to (lib/monitoring/rules.ts); unset fields take DEFAULT_OBJECTIVES. */
    objectives: ZObjectives.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    refineConfigRefs(s, ctx);
    if (s.terminationGracePeriodSeconds <= s.lifecycle.preStopDelaySeconds && s.lifecycle.preStopDelaySeconds > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["terminationGracePeriodSeconds"],
        message: "must be longer than lifecycle.preStopDelaySeconds, or the app is killed before it can shut down",
      });
    }
    if (s.rollout.minReadySeconds >= s.rollout.progressDeadlineSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["rollout", "minReadySeconds"],
        message: "must be shorter than rollout.progressDeadlineSeconds, or every rollout fails its deadline",
      });
    }
    const names = new Set<string>();
    s.ports.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: "custom", path: ["ports", i, "name"], message: `"${p.name}" is used twice` });
      names.add(p.name);
    });
    const replicas = s.autoscaling?.enabled ? s.autoscaling.minReplicas : s.replicas;
    if (s.minAvailable > 0 && s.minAvailable >= Math.max(replicas, 1) && replicas > 1) {
      ctx.addIssue({ code: "custom", path: ["minAvailable"], message: `must be below the replica count (${replicas}), or no node could ever be drained` });
    }
  });

export type TAppSpec = z.output<typeof ZAppSpec>;
export type TAppSpecInput = z.input<typeof ZAppSpec>;
import type { EnvKind } from "@/lib/catalog/environments";
export type { EnvKind };

/** The spec as it applies to one environment: its overrides merged in. */
export function resolveSpec(spec: TAppSpec, env: EnvKind): Omit<TAppSpec, "overrides"> {
  const { overrides, ...base } = spec;
  const o = overrides[env];
  if (!o) return base;
  return {
    ...base,
    replicas: o.replicas ?? base.replicas,
    resources: o.resources ?? base.resources,
    env: o.env ? [...base.env.filter((e) => !o.env!.some((x) => x.name === e.name)), ...o.env] : base.env,
    autoscaling: o.autoscaling ?? base.autoscaling,
  };
}

/** A service of wharf.yaml becomes the first version of its spec. */
export function specFromWharfService(s: TWharfService): TAppSpec {
  return ZAppSpec.parse({
    image: { repository: s.image.repository },
    replicas: s.replicas,
    command: s.command,
    args: s.args,
    ports: s.ports,
    resources: s.resources,
    env: s.env,
    config: s.config,
    configReload: s.configReload,
    probes: s.probes,
    autoscaling: s.autoscaling,
    strategy: s.strategy,
    lifecycle: s.lifecycle,
    terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
    nodeSelector: s.nodeSelector,
    tolerations: s.tolerations,
    minAvailable: (s.autoscaling?.minReplicas ?? s.replicas) > 1 ? 1 : 0,
  });
}

/** A sensible spec for a service created without a template (the editor's starting point). */
export function defaultSpec(service: { slug: string; kind: string }, projectSlug: string): TAppSpec {
  const web = service.kind === "api" || service.kind === "web";
  return ZAppSpec.parse({
    image: { repository: `registry.wharf.local/${projectSlug}/${service.slug}` },
    replicas: web ? 2 : 1,
    ports: web ? [{ name: "http", containerPort: 8080 }] : [],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    probes: web ? { liveness: { httpGet: { path: "/healthz", port: "http" } }, readiness: { httpGet: { path: "/readyz", port: "http" } } } : {},
    lifecycle: { preStopDelaySeconds: web ? 5 : 0 },
    minAvailable: web ? 1 : 0,
  });
}

export function specToYaml(spec: TAppSpecInput): string {
  return toYaml(spec);
}

export interface SpecProblem {
  message: string;
  path: string;
  /** 1-based line in the YAML text, when the problem can be placed. */
  line?: number;
}

/** Parses the YAML editor's text; every problem names its path and line. */
export function parseSpecYaml(text: string): { ok: true; spec: TAppSpec } | { ok: false; problems: SpecProblem[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    return { ok: false, problems: doc.errors.map((e) => ({ message: e.message.split("\n")[0]!, path: "", line: e.linePos?.[0]?.line })) };
  }
  const parsed = ZAppSpec.safeParse(doc.toJS());
  if (parsed.success) return { ok: true, spec: parsed.data };
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : text.slice(0, offset).split("\n").length);
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => {
      // The deepest node of the path that exists in the document carries the line.
      let node: unknown;
      for (let n = i.path.length; n >= 0 && !node; n--) node = doc.getIn(i.path.slice(0, n) as (string | number)[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      return { message: i.message, path: i.path.join("."), line: lineOf(range?.[0]) };
    }),
  };
}
