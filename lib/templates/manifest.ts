/**
 * The manifest of a project template (`templates/<id>/template.yaml`): what
 * the gallery shows, the parameters the wizard asks for, the services the
 * project starts with and their default resources. Validated with zod so a
 * template folder an admin drops in is checked before anyone can use it.
 */
import { z } from "zod";
import { DNS1123_LABEL, SERVICE_KINDS } from "@/lib/catalog/schemas";
import { ZCpuQuantity, ZMemoryQuantity } from "./wharf-spec";

export const TEMPLATE_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Parameter names are JavaScript identifiers: templates read them as `it.params.<name>`. */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const PARAMETER_TYPES = ["string", "boolean", "enum", "integer"] as const;

export const ZTemplateParameter = z
  .object({
    name: z.string().regex(PARAM_NAME, { message: "must be an identifier (letters, digits, _), e.g. groupId" }),
    label: z.string().min(1, { message: "is required: the form label" }),
    description: z.string().default(""),
    type: z.enum(PARAMETER_TYPES, { message: `must be one of ${PARAMETER_TYPES.join(", ")}` }),
    default: z.union([z.string(), z.boolean(), z.number()]).optional(),
    required: z.boolean().default(false),
    /** The choices of an `enum` parameter. */
    options: z.array(z.string().min(1)).optional(),
    /** A regular expression a `string` value must match (whole value). */
    pattern: z.string().optional(),
    /** What to tell the user when `pattern` does not match, e.g. "a Java package such as com.example". */
    patternMessage: z.string().optional(),
    /** Bounds of an `integer` parameter. */
    min: z.number().int().optional(),
    max: z.number().int().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.type === "enum" && !p.options?.length) ctx.addIssue({ code: "custom", path: ["options"], message: "an enum parameter needs options" });
    if (p.type !== "enum" && p.options) ctx.addIssue({ code: "custom", path: ["options"], message: "only enum parameters have options" });
    if (p.pattern !== undefined) {
      if (p.type !== "string") ctx.addIssue({ code: "custom", path: ["pattern"], message: "only string parameters have a pattern" });
      try {
        new RegExp(p.pattern);
      } catch (e) {
        ctx.addIssue({ code: "custom", path: ["pattern"], message: `is not a valid regular expression: ${(e as Error).message}` });
      }
    }
    if ((p.min !== undefined || p.max !== undefined) && p.type !== "integer") {
      ctx.addIssue({ code: "custom", path: ["min"], message: "only integer parameters have min/max" });
    }
  });

export const ZTemplateService = z
  .object({
    slug: z.string().regex(DNS1123_LABEL, { message: "must be a DNS label (lowercase letters, digits, '-')" }).max(40),
    kind: z.enum(SERVICE_KINDS, { message: `must be one of ${SERVICE_KINDS.join(", ")}` }),
    /** The container port; api and web services need one. */
    port: z.number().int().min(1).max(65535).optional(),
    description: z.string().default(""),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.kind === "api" || s.kind === "web") && s.port === undefined) {
      ctx.addIssue({ code: "custom", path: ["port"], message: `an ${s.kind} service needs a port` });
    }
  });

const ZResourceBlock = z.object({ cpu: ZCpuQuantity, memory: ZMemoryQuantity }).strict();

const ZProbePath = z.string().startsWith("/", { message: "must be an HTTP path starting with /" });

export const ZTemplateResources = z
  .object({
    replicas: z.number().int().min(0).max(100).default(2),
    requests: ZResourceBlock,
    limits: ZResourceBlock,
    /** GPUs per replica when the GPU flavour is chosen (manifest `gpu: true`). */
    gpus: z.number().int().min(1).max(16).default(1),
    probes: z
      .object({
        /** Defaults to the service's port. */
        port: z.number().int().min(1).max(65535).optional(),
        liveness: ZProbePath,
        readiness: ZProbePath,
        /** Defaults to the liveness path. */
        startup: ZProbePath.optional(),
        /** Seconds the startup probe allows for the first start (slow JVMs need more). */
        startupSeconds: z.number().int().min(1).max(900).default(60),
      })
      .strict(),
    autoscaling: z
      .object({
        minReplicas: z.number().int().min(1).default(2),
        maxReplicas: z.number().int().min(1).default(5),
        targetCPUUtilizationPercentage: z.number().int().min(1).max(100).default(75),
      })
      .strict()
      .refine((a) => a.minReplicas <= a.maxReplicas, { message: "minReplicas must not exceed maxReplicas", path: ["maxReplicas"] })
      .default({ minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 75 }),
    /** Seconds the pod keeps serving after it is removed from endpoints, before SIGTERM. */
    preStopDelaySeconds: z.number().int().min(0).max(120).default(5),
    terminationGracePeriodSeconds: z.number().int().min(1).max(600).default(30),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.terminationGracePeriodSeconds <= r.preStopDelaySeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["terminationGracePeriodSeconds"],
        message: "must be longer than preStopDelaySeconds: the app needs time to shut down after the delay",
      });
    }
  });

export const ZTemplateManifest = z
  .object({
    id: z.string().regex(TEMPLATE_ID, { message: "must be lowercase letters, digits and '-' (the folder name)" }),
    name: z.string().min(1, { message: "is required" }),
    description: z.string().min(1, { message: "is required: one or two sentences for the gallery" }),
    language: z.string().min(1, { message: "is required, e.g. java" }),
    framework: z.string().min(1, { message: "is required, e.g. spring-boot" }),
    /** The template's own version, shown in the gallery and recorded in wharf.yaml. */
    version: z.string().default("1"),
    tags: z.array(z.string().min(1)).default([]),
    /** A lucide icon name in kebab-case, e.g. `coffee`, `server`, `brain-circuit`. */
    icon: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: "must be a lucide icon name in kebab-case, e.g. coffee" })
      .default("box"),
    /** Whether a GPU flavour may be chosen; such a template has a boolean parameter `gpu`. */
    gpu: z.boolean().default(false),
    parameters: z.array(ZTemplateParameter).default([]),
    services: z.array(ZTemplateService).min(1, { message: "a template creates at least one service" }),
    resources: ZTemplateResources,
    /**
     * Path placeholders `__name__` computed from the values, each an eta
     * template, e.g. `packagePath: "<%= it.params.groupId.replaceAll('.', '/') %>"`.
     */
    pathVariables: z.record(z.string().regex(PARAM_NAME, { message: "must be an identifier" }), z.string()).default({}),
    /** Files rendered only when a boolean parameter is true (`gpu`) or false (`!gpu`), by path glob. */
    conditionalFiles: z
      .record(z.string(), z.string().regex(/^!?[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be a boolean parameter name, or !name" }))
      .default({}),
    /** Path globs copied as they are, not rendered (files that contain `<%` themselves). */
    verbatim: z.array(z.string()).default([]),
    /** Path globs rendered with the executable bit (besides files that have it in the template). */
    executable: z.array(z.string()).default([]),
    /**
     * The generated file holding the service's default configuration
     * (`.json`, `.yaml`/`.yml`, `.env` or `.properties`): at onboarding its
     * keys become the first release of each service's `application`
     * namespace in the config center, in every environment.
     */
    defaultConfig: z
      .string()
      .regex(/^[A-Za-z0-9_.\/-]+\.(json|ya?ml|env|properties)$/, {
        message: "must be a generated file's path ending in .json, .yaml, .yml, .env or .properties",
      })
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const names = new Set<string>();
    m.parameters.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: "custom", path: ["parameters", i, "name"], message: `"${p.name}" is declared twice` });
      names.add(p.name);
    });
    const slugs = new Set<string>();
    m.services.forEach((s, i) => {
      if (slugs.has(s.slug)) ctx.addIssue({ code: "custom", path: ["services", i, "slug"], message: `"${s.slug}" is declared twice` });
      slugs.add(s.slug);
    });
    const gpuParam = m.parameters.find((p) => p.name === "gpu");
    if (m.gpu && gpuParam?.type !== "boolean") {
      ctx.addIssue({ code: "custom", path: ["parameters"], message: "a template with gpu: true declares a boolean parameter named gpu (the flavour switch)" });
    }
    if (!m.gpu && gpuParam) {
      ctx.addIssue({ code: "custom", path: ["gpu"], message: "set gpu: true to offer a gpu parameter" });
    }
    for (const [glob, cond] of Object.entries(m.conditionalFiles)) {
      const p = m.parameters.find((x) => x.name === cond.replace(/^!/, ""));
      if (p?.type !== "boolean") {
        ctx.addIssue({ code: "custom", path: ["conditionalFiles", glob], message: `"${cond}" must name a boolean parameter` });
      }
    }
    for (const name of Object.keys(m.pathVariables)) {
      if (BUILTIN_PATH_VARIABLES.includes(name)) {
        ctx.addIssue({ code: "custom", path: ["pathVariables", name], message: `"${name}" is built in and cannot be redefined` });
      }
    }
  });

/** `__slug__` and `__team__` are always available in paths; so is every string/enum parameter by name. */
export const BUILTIN_PATH_VARIABLES = ["slug", "team"];

export type TTemplateManifest = z.output<typeof ZTemplateManifest>;
export type TTemplateParameter = z.output<typeof ZTemplateParameter>;
export type TTemplateService = z.output<typeof ZTemplateService>;
export type TTemplateResources = z.output<typeof ZTemplateResources>;

const BOOLEAN_STRINGS: Record<string, boolean> = { true: true, false: false, on: true, off: false, "1": true, "0": false, yes: true, no: false };

/** "Required" when the value is missing, `msg` when it has the wrong type. */
const missingOr = (msg: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? "Required" : msg) });

/** The zod schema of one parameter's value, with messages for people filling the form. */
function valueSchema(p: TTemplateParameter): z.ZodType {
  switch (p.type) {
    case "boolean":
      return z.preprocess(
        (v) => (typeof v === "string" && v.toLowerCase() in BOOLEAN_STRINGS ? BOOLEAN_STRINGS[v.toLowerCase()] : v),
        z.boolean(missingOr("Choose yes or no")),
      );
    case "integer": {
      let s = z.number(missingOr("Enter a whole number")).int({ message: "Enter a whole number" });
      if (p.min !== undefined) s = s.min(p.min, { message: `At least ${p.min}` });
      if (p.max !== undefined) s = s.max(p.max, { message: `At most ${p.max}` });
      return z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), s);
    }
    case "enum":
      return z.enum(p.options as [string, ...string[]], missingOr(`Choose one of: ${p.options!.join(", ")}`));
    case "string": {
      let s = z.string(missingOr("Enter a text value")).trim().max(200, { message: "At most 200 characters" });
      if (p.required) s = s.min(1, { message: `Enter ${p.label.toLowerCase()}` });
      if (p.pattern) {
        const re = new RegExp(`^(?:${p.pattern})$`);
        s = s.refine((v) => v === "" || re.test(v), { message: p.patternMessage ?? `Must match ${p.pattern}` });
      }
      return s;
    }
  }
}

/**
 * The zod schema of a template's parameter values, built from its manifest:
 * unknown names are refused, missing values take their default, required
 * ones without a default are reported on their own field.
 */
export function buildParamsSchema(manifest: Pick<TTemplateManifest, "parameters">) {
  const shape: Record<string, z.ZodType> = {};
  for (const p of manifest.parameters) {
    const base = valueSchema(p);
    shape[p.name] = z.preprocess(
      (v) => (v === undefined || v === null || (v === "" && p.type !== "string") ? p.default : v),
      p.required || p.default !== undefined ? base : base.optional(),
    );
  }
  return z.object(shape).strict();
}

export type TParamValues = Record<string, string | number | boolean | undefined>;
