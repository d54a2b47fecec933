/**
 * The generator: a template plus the values of one project -> the files of
 * its first commit. Pure and deterministic (no clock, no randomness, no I/O):
 * the same template and values always give the same files in the same order,
 * which is what lets a retried job publish the same commit.
 */
import path from "node:path";
import { Eta } from "eta";
import { z } from "zod";
import { AppError, fieldErrorsFromZod, isAppError } from "@/lib/errors";
import { SERVICE_KINDS, TIERS, ZProjectSlug, ZServiceSlug, ZTeamSlug } from "@/lib/catalog/schemas";
import { BUILTIN_PATH_VARIABLES, buildParamsSchema, type TParamValues, type TTemplateManifest } from "./manifest";
import { GPU_RESOURCE } from "./wharf-spec";
import type { Template } from "./load";
import { defaultEscape, escapeHelpers, escapeModeFor, type EscapeMode } from "./escape";

/** Where images are pushed when the caller does not say (the platform's registry in production). */
export const DEFAULT_IMAGE_REGISTRY = "registry.wharf.local";

export const ZRenderValues = z.object({
  project: z.object({
    slug: ZProjectSlug,
    // Not zName: a row older than that rule must still render. Whatever it holds is escaped where it is printed.
    name: z.string().trim().min(1, { message: "Enter a name" }).max(100),
    description: z.string().max(2000).default(""),
    /** The team's slug. */
    team: ZTeamSlug,
    owner: z.object({ name: z.string().trim().min(1, { message: "Enter the owner's name" }), email: z.email({ message: "Enter an e-mail address" }) }),
    tier: z.enum(TIERS).default("standard"),
    /** Where the code will live (see `repositoryCloneUrl` in lib/git); may be empty. */
    repositoryUrl: z.string().default(""),
  }),
  /** The project's services; the template's own when omitted. */
  services: z
    .array(z.object({ slug: ZServiceSlug, kind: z.enum(SERVICE_KINDS), port: z.number().int().min(1).max(65535).optional() }))
    .min(1, { message: "Add at least one service" })
    .optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** The image registry host (and path prefix) images are pushed to. */
  registry: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: "must be a registry host such as registry.example.com" })
    .default(DEFAULT_IMAGE_REGISTRY),
});

export type TRenderValues = z.input<typeof ZRenderValues>;

/** One file of the generated repository. */
export interface RenderedFile {
  path: string;
  content: string;
  executable: boolean;
}

/** A service as templates see it: its slug, kind and port plus the template's default resources. */
export interface RenderService {
  slug: string;
  kind: (typeof SERVICE_KINDS)[number];
  port?: number;
  /** The port probes call (the service's, else the template's probe port). */
  probePort: number;
  replicas: number;
  resources: { requests: Record<string, string | number>; limits: Record<string, string | number> };
  probes: { liveness: string; readiness: string; startup: string; startupFailureThreshold: number };
  autoscaling: TTemplateManifest["resources"]["autoscaling"];
  preStopDelaySeconds: number;
  terminationGracePeriodSeconds: number;
}

const JAVA_RESERVED = new Set(
  "abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null var record yield".split(
    " ",
  ),
);

/** The slug in the spellings code needs: `payments-api` -> PaymentsApi, paymentsApi, payments_api, paymentsapi. */
export function namesOf(slug: string) {
  const words = slug.split("-").filter(Boolean);
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  let pkg = words.join("");
  if (/^\d/.test(pkg)) pkg = `p${pkg}`;
  if (JAVA_RESERVED.has(pkg)) pkg = `${pkg}app`;
  return {
    kebab: slug,
    pascal: words.map(cap).join(""),
    camel: words.map((w, i) => (i === 0 ? w : cap(w))).join(""),
    snake: words.join("_"),
    constant: words.join("_").toUpperCase(),
    /** A valid Java package segment / Python module name. */
    package: pkg,
  };
}

/** Globs over template paths: `*` within a segment, `**` across segments. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const matchesAny = (globs: string[], p: string) => globs.some((g) => globToRegExp(g).test(p));

// autoTrim off: `<%= x %>` at a line's end must keep its newline (YAML!); control lines end with `-%>`.
// autoEscape on, with the escaping of the file's kind (lib/templates/escape.ts): `<%= x %>` can never
// break a line or a comment; the it.* helpers return text already escaped for its place.
const etas = new Map<EscapeMode, Eta>();
function etaFor(mode: EscapeMode): Eta {
  let eta = etas.get(mode);
  if (!eta) {
    eta = new Eta({ autoEscape: true, escapeFunction: defaultEscape(mode), autoTrim: false, cache: false, useWith: false, varName: "it", debug: true });
    etas.set(mode, eta);
  }
  return eta;
}

function templateError(template: Template, file: string, e: unknown): AppError {
  // A value an it.* helper refused (it.word, it.javaPackage) is the user's to fix, not the template's.
  if (isAppError(e)) return e;
  if (isAppError((e as { cause?: unknown })?.cause)) return (e as { cause: AppError }).cause;
  const reason = (e as Error).message?.split("\n")[0] ?? String(e);
  return new AppError("PRECONDITION_FAILED", `The template "${template.manifest.name}" cannot be rendered: ${file}: ${reason}`, { cause: e });
}

const PLACEHOLDER = /__([A-Za-z][A-Za-z0-9]*)__/g;

/** Validated params, with every field error under `params.<name>`. */
export function validateParams(manifest: TTemplateManifest, raw: Record<string, unknown>): TParamValues {
  const parsed = buildParamsSchema(manifest).safeParse(raw);
  if (!parsed.success) {
    throw new AppError("INVALID_INPUT", "Some template parameters need attention.", {
      fieldErrors: fieldErrorsFromZod(
        parsed.error.issues.flatMap((i) =>
          i.code === "unrecognized_keys"
            ? i.keys.map((key) => ({ path: ["params", key], message: `"${key}" is not a parameter of the ${manifest.name} template` }))
            : [{ path: ["params", ...i.path], message: i.message }],
        ),
      ),
    });
  }
  return parsed.data as TParamValues;
}

function buildServices(
  manifest: TTemplateManifest,
  requested: { slug: string; kind: RenderService["kind"]; port?: number }[] | undefined,
  gpu: boolean,
): RenderService[] {
  const r = manifest.resources;
  const defaultPort = r.probes.port ?? manifest.services.find((s) => s.port)?.port ?? 8080;
  const list = requested ?? manifest.services;
  const seen = new Set<string>();
  const fieldErrors: Record<string, string[]> = {};
  const services = list.map((s, i): RenderService => {
    if (seen.has(s.slug)) fieldErrors[`services.${i}.slug`] = [`"${s.slug}" is used twice`];
    seen.add(s.slug);
    const port = s.port ?? (s.kind === "api" || s.kind === "web" ? (manifest.services.find((m) => m.slug === s.slug)?.port ?? defaultPort) : undefined);
    const gpuRes: Record<string, number> = gpu ? { [GPU_RESOURCE]: r.gpus } : {};
    return {
      slug: s.slug,
      kind: s.kind,
      port,
      probePort: port ?? defaultPort,
      replicas: r.replicas,
      resources: { requests: { ...r.requests }, limits: { ...r.limits, ...gpuRes } },
      probes: {
        liveness: r.probes.liveness,
        readiness: r.probes.readiness,
        startup: r.probes.startup ?? r.probes.liveness,
        // The startup probe polls every 5 s: this many failures make up the template's startup budget.
        startupFailureThreshold: Math.ceil(r.probes.startupSeconds / 5),
      },
      autoscaling: { ...r.autoscaling },
      preStopDelaySeconds: r.preStopDelaySeconds,
      terminationGracePeriodSeconds: r.terminationGracePeriodSeconds,
    };
  });
  if (Object.keys(fieldErrors).length) throw new AppError("INVALID_INPUT", "Some services need attention.", { fieldErrors });
  return services;
}

/** A path is kept inside the repository: relative, no `..`, no `.git`, no empty segments, no control characters. */
function safePath(p: string): string | null {
  if (p.startsWith("/") || p.includes("\\") || /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(p)) return null;
  const norm = path.posix.normalize(p);
  const segments = norm.split("/");
  if (norm !== p || segments.some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git")) return null;
  return norm;
}

/**
 * Renders every file of `template` for one project. Throws INVALID_INPUT with
 * field errors (`project.slug`, `params.groupId`, ...) for bad values, and
 * PRECONDITION_FAILED naming the file when the template itself is broken.
 */
export function renderTemplate(template: Template, values: TRenderValues): RenderedFile[] {
  const parsed = ZRenderValues.safeParse(values);
  if (!parsed.success) {
    throw new AppError("INVALID_INPUT", "Some fields need attention.", { fieldErrors: fieldErrorsFromZod(parsed.error.issues) });
  }
  const v = parsed.data;
  const manifest = template.manifest;
  const params = validateParams(manifest, v.params);
  const gpu = manifest.gpu && params.gpu === true;
  const services = buildServices(manifest, v.services, gpu);
  const it = {
    project: v.project,
    services,
    params,
    gpu,
    names: namesOf(v.project.slug),
    image: { registry: v.registry, repository: `${v.registry}/${v.project.team}/${v.project.slug}` },
    template: { id: manifest.id, name: manifest.name, version: manifest.version, language: manifest.language, framework: manifest.framework },
    resources: manifest.resources,
    /** Escaping per language: it.yamlString, it.groovyString, it.shellWord, ... (it.q is it.yamlString). */
    ...escapeHelpers(params),
  };

  const pathVars: Record<string, string> = { slug: v.project.slug, team: v.project.team };
  for (const [name, value] of Object.entries(params)) if (typeof value === "string") pathVars[name] = value;
  for (const [name, source] of Object.entries(manifest.pathVariables)) {
    try {
      pathVars[name] = etaFor("line").renderString(source, it).trim();
    } catch (e) {
      throw templateError(template, `pathVariables.${name}`, e);
    }
  }
  for (const name of BUILTIN_PATH_VARIABLES) pathVars[name] = name === "slug" ? v.project.slug : v.project.team;

  const out = new Map<string, RenderedFile>();
  for (const file of template.files) {
    const logical = file.path.replace(/\.eta$/, "");
    const condition = Object.entries(manifest.conditionalFiles).find(([glob]) => globToRegExp(glob).test(logical))?.[1];
    if (condition) {
      const wanted = !condition.startsWith("!");
      if ((params[condition.replace(/^!/, "")] === true) !== wanted) continue;
    }
    const target = safePath(logical.replace(PLACEHOLDER, (whole, name: string) => pathVars[name] ?? whole));
    if (!target) {
      throw new AppError("INVALID_INPUT", `The file ${logical} would be written outside the repository with these values.`, {
        fieldErrors: { params: [`These values give the path "${logical}" an unsafe form (absolute, "..", .git, or control characters)`] },
      });
    }
    let content = file.content;
    if (!matchesAny(manifest.verbatim, logical)) {
      try {
        content = etaFor(escapeModeFor(target)).renderString(file.content, it);
      } catch (e) {
        throw templateError(template, file.path, e);
      }
    }
    if (out.has(target)) throw templateError(template, file.path, new Error(`renders to ${target}, which another file renders to as well`));
    out.set(target, { path: target, content, executable: file.executable || matchesAny(manifest.executable, logical) });
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
