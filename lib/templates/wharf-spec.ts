/**
 * `wharf.yaml`: the application spec every generated project carries at its
 * root (apiVersion `wharf.dev/v1`, kind `Application`). The deploy feature
 * turns it into Kubernetes objects; the generator's tests prove every
 * template renders one that parses. Shape and defaults are Kubernetes' where
 * Kubernetes has a name for the thing.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DNS1123_LABEL, SERVICE_KINDS, TIERS } from "@/lib/catalog/schemas";

const CPU = /^(\d+(\.\d+)?|\.\d+)m?$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/;

/** A CPU quantity: `250m`, `0.5`, `2` (YAML numbers are accepted and kept as strings). */
export const ZCpuQuantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(CPU, { message: "must be a CPU quantity such as 250m, 0.5 or 2" }));

/** A memory quantity: `512Mi`, `1Gi`, `1000000`. */
export const ZMemoryQuantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(MEMORY, { message: "must be a memory quantity such as 256Mi or 1Gi" }));

/** Millicores of a valid CPU quantity. */
export function cpuMillis(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

const MEMORY_FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Bytes of a valid memory quantity. */
export function memoryBytes(q: string): number {
  const m = /^([\d.]+)([A-Za-z]*)$/.exec(q);
  return m ? Number(m[1]) * (MEMORY_FACTORS[m[2]] ?? NaN) : NaN;
}

/** Extended resources such as `nvidia.com/gpu`: whole numbers. */
const EXTENDED_RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

const ZResourceList = z
  .object({ cpu: ZCpuQuantity, memory: ZMemoryQuantity })
  .catchall(z.number().int().min(0))
  .superRefine((r, ctx) => {
    for (const key of Object.keys(r)) {
      if (key !== "cpu" && key !== "memory" && !EXTENDED_RESOURCE.test(key)) {
        ctx.addIssue({ code: "custom", path: [key], message: "is not a resource: use cpu, memory or an extended resource such as nvidia.com/gpu" });
      }
    }
  });

export const GPU_RESOURCE = "nvidia.com/gpu";

export const ZWharfResources = z
  .object({ requests: ZResourceList, limits: ZResourceList })
  .strict()
  .superRefine((r, ctx) => {
    if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu)) {
      ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: `must not exceed the limit (${r.limits.cpu})` });
    }
    if (memoryBytes(r.requests.memory) > memoryBytes(r.limits.memory)) {
      ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: `must not exceed the limit (${r.limits.memory})` });
    }
    // Kubernetes: extended resources are set in limits; a request, when given, equals the limit.
    for (const [key, value] of Object.entries(r.requests)) {
      if (key === "cpu" || key === "memory") continue;
      if (r.limits[key] !== value) {
        ctx.addIssue({ code: "custom", path: ["requests", key], message: `must equal limits.${key} (extended resources cannot be overcommitted)` });
      }
    }
  });

const ZPort = z.number().int().min(1).max(65535);

const ZProbe = z
  .object({
    httpGet: z
      .object({ path: z.string().startsWith("/"), port: z.union([ZPort, z.string().min(1)]) })
      .strict()
      .optional(),
    tcpSocket: z
      .object({ port: z.union([ZPort, z.string().min(1)]) })
      .strict()
      .optional(),
    exec: z
      .object({ command: z.array(z.string()).min(1) })
      .strict()
      .optional(),
    initialDelaySeconds: z.number().int().min(0).default(0),
    periodSeconds: z.number().int().min(1).default(10),
    timeoutSeconds: z.number().int().min(1).default(1),
    failureThreshold: z.number().int().min(1).default(3),
    successThreshold: z.number().int().min(1).default(1),
  })
  .strict()
  .refine((p) => [p.httpGet, p.tcpSocket, p.exec].filter(Boolean).length === 1, {
    message: "must have exactly one of httpGet, tcpSocket or exec",
  });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export const CONFIG_RELOAD = ["rollout", "hot"] as const;
/** Where config files are mounted when an entry names no mountPath and asks for no environment variables. */
export const DEFAULT_CONFIG_MOUNT = "/etc/config";

/** A config namespace the service's pods receive: as files in a directory, and/or (properties) as environment variables. */
export const ZConfigRef = z
  .object({
    name: z
      .string({ message: "Name a config namespace of the service, e.g. application or app.yaml" })
      .trim()
      .min(1, { message: "Name a config namespace of the service, e.g. application or app.yaml" })
      .max(128, { message: "must be at most 128 characters" }),
    mountPath: z
      .string()
      .regex(/^\/[^\0:]*$/, { message: "must be an absolute directory in the container, e.g. /etc/config" })
      .refine((p) => p !== "/" && !p.split("/").includes(".."), { message: "must be a directory below /, without '..', e.g. /etc/config" })
      .optional(),
    /** Each key of a properties namespace as an environment variable (`timeout.ms` becomes TIMEOUT_MS). */
    env: z.boolean().optional(),
  })
  .strict();
export type TConfigRef = z.output<typeof ZConfigRef>;

/** The checks across config entries: each namespace once, and environment variables only where pods restart to read them. */
export function refineConfigRefs(s: { config: TConfigRef[]; configReload: (typeof CONFIG_RELOAD)[number] }, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  s.config.forEach((c, i) => {
    if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["config", i, "name"], message: `"${c.name}" is listed twice: list each namespace once` });
    seen.add(c.name);
    if (c.env && s.configReload === "hot") {
      ctx.addIssue({
        code: "custom",
        path: ["config", i, "env"],
        message: 'environment variables only change when pods restart: mount the namespace as files (mountPath) or use configReload: "rollout"',
      });
    }
  });
}
/** IANA service names as Kubernetes port names take them. */
const PORT_NAME = /^(?=.{1,15}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PERCENT_OR_INT = z.union([z.number().int().min(0), z.string().regex(/^\d{1,3}%$/, { message: "must be a number or a percentage such as 25%" })]);

export const ZWharfService = z
  .object({
    name: z.string().regex(DNS1123_LABEL, { message: "must be a DNS label (lowercase letters, digits, '-')" }).max(40),
    kind: z.enum(SERVICE_KINDS),
    image: z.object({ repository: z.string().min(1), tag: z.string().min(1).default("latest") }).strict(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    ports: z
      .array(
        z
          .object({
            name: z.string().regex(PORT_NAME, { message: "must be a port name: at most 15 lowercase letters, digits, '-'" }),
            containerPort: ZPort,
            protocol: z.enum(["TCP", "UDP"]).default("TCP"),
          })
          .strict(),
      )
      .default([]),
    replicas: z.number().int().min(0).default(1),
    resources: ZWharfResources,
    env: z.array(z.object({ name: z.string().regex(ENV_NAME, { message: "must be an environment variable name" }), value: z.string() }).strict()).default([]),
    /**
     * Config-center namespaces of the service delivered to Kubernetes (docs/config.md, "Kubernetes delivery"):
     * files at `mountPath` (default /etc/config) and, for properties namespaces, `env: true` for one
     * environment variable per key. Without entries, config reaches the service through the Apollo protocol only.
     */
    config: z.array(ZConfigRef).default([]),
    /** How a config publish reaches running pods: a new release that rolls them (default), or files updated in place. */
    configReload: z.enum(CONFIG_RELOAD, { message: 'must be "rollout" (a publish rolls the pods) or "hot" (files change in place)' }).default("rollout"),
    probes: z.object({ liveness: ZProbe.optional(), readiness: ZProbe.optional(), startup: ZProbe.optional() }).strict().default({}),
    autoscaling: z
      .object({
        enabled: z.boolean().default(true),
        minReplicas: z.number().int().min(1),
        maxReplicas: z.number().int().min(1),
        targetCPUUtilizationPercentage: z.number().int().min(1).max(100),
      })
      .strict()
      .refine((a) => a.minReplicas <= a.maxReplicas, { message: "minReplicas must not exceed maxReplicas", path: ["maxReplicas"] })
      .optional(),
    strategy: z
      .discriminatedUnion("type", [
        z
          .object({
            type: z.literal("RollingUpdate"),
            rollingUpdate: z.object({ maxUnavailable: PERCENT_OR_INT, maxSurge: PERCENT_OR_INT }).strict(),
          })
          .strict(),
        z.object({ type: z.literal("Recreate") }).strict(),
      ])
      .default({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } }),
    lifecycle: z
      .object({ preStopDelaySeconds: z.number().int().min(0).max(600).default(0) })
      .strict()
      .default({ preStopDelaySeconds: 0 }),
    terminationGracePeriodSeconds: z.number().int().min(0).max(3600).default(30),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z
      .array(
        z
          .object({
            key: z.string().optional(),
            operator: z.enum(["Exists", "Equal"]).optional(),
            value: z.string().optional(),
            effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
          })
          .strict(),
      )
      .optional(),
    /** Cron schedule of a `job` service; without it the job runs once per release. */
    schedule: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    refineConfigRefs(s, ctx);
    if ((s.kind === "api" || s.kind === "web") && s.ports.length === 0) {
      ctx.addIssue({ code: "custom", path: ["ports"], message: `an ${s.kind} service needs at least one port` });
    }
    if (s.schedule && s.kind !== "job") ctx.addIssue({ code: "custom", path: ["schedule"], message: "only job services have a schedule" });
    if (s.terminationGracePeriodSeconds <= s.lifecycle.preStopDelaySeconds && s.lifecycle.preStopDelaySeconds > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["terminationGracePeriodSeconds"],
        message: "must be longer than lifecycle.preStopDelaySeconds, or the app is killed before it can shut down",
      });
    }
    const portNames = new Set<string>();
    s.ports.forEach((p, i) => {
      if (portNames.has(p.name)) ctx.addIssue({ code: "custom", path: ["ports", i, "name"], message: `"${p.name}" is used twice` });
      portNames.add(p.name);
    });
  });

/** The application spec (`wharf.yaml`). */
export const ZWharfSpec = z
  .object({
    apiVersion: z.literal("wharf.dev/v1", { message: 'must be "wharf.dev/v1"' }),
    kind: z.literal("Application", { message: 'must be "Application"' }),
    metadata: z
      .object({
        name: z.string().regex(DNS1123_LABEL, { message: "must be the project slug" }).max(40),
        team: z.string().regex(DNS1123_LABEL, { message: "must be the team slug" }),
        owner: z.email().optional(),
        tier: z.enum(TIERS).default("standard"),
        /** Which template generated the project, and its version. */
        template: z.object({ id: z.string(), version: z.string() }).strict().optional(),
        labels: z.record(z.string(), z.string()).default({}),
      })
      .strict(),
    spec: z
      .object({
        services: z.array(ZWharfService).min(1, { message: "an application has at least one service" }),
      })
      .strict()
      .superRefine((spec, ctx) => {
        const names = new Set<string>();
        spec.services.forEach((s, i) => {
          if (names.has(s.name)) ctx.addIssue({ code: "custom", path: ["services", i, "name"], message: `"${s.name}" is declared twice` });
          names.add(s.name);
        });
      }),
  })
  .strict();

export type TWharfSpec = z.output<typeof ZWharfSpec>;
export type TWharfService = z.output<typeof ZWharfService>;

/** Parses wharf.yaml text; problems come back as `path: message` lines, never thrown. */
export function parseWharfSpec(text: string): { ok: true; spec: TWharfSpec } | { ok: false; errors: string[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    return { ok: false, errors: [`not valid YAML: ${(e as Error).message}`] };
  }
  const parsed = ZWharfSpec.safeParse(raw);
  if (parsed.success) return { ok: true, spec: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`) };
}
