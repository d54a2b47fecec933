/**
 * The template gallery: the built-in templates (`templates/` in the app) and
 * an admin's own (`WHARF_TEMPLATES_DIR`), each checked by rendering it with
 * sample values. Read from disk on every call (a few dozen small files), so
 * every web instance and worker sees a new template at once, no reload step.
 */
import path from "node:path";
import { AppError, isAppError } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { can, platform } from "@/lib/access/policy";
import { env } from "@/lib/env";
import { loadTemplateDirectory, type InvalidTemplate, type Template, type TemplateSource } from "./load";
import { renderTemplate, type TRenderValues } from "./render";
import { parseWharfSpec } from "./wharf-spec";

export type { Template, InvalidTemplate, TemplateFile } from "./load";

/** Where templates are read from. Defaults: `<cwd>/templates` and `WHARF_TEMPLATES_DIR`. */
export interface TemplateDirs {
  builtin: string;
  extra?: string;
}

export function defaultTemplateDirs(): TemplateDirs {
  const extra = env().WHARF_TEMPLATES_DIR;
  // Read at run time from the working directory (the app's root under `next start` and the worker), not traced into the build.
  const cwd = process.cwd();
  return {
    builtin: path.resolve(/* turbopackIgnore: true */ cwd, "templates"),
    extra: extra ? path.resolve(/* turbopackIgnore: true */ cwd, extra) : undefined,
  };
}

/** The values the gallery previews a template with (and the checks render it with). */
export function sampleRenderValues(template: Pick<Template, "manifest">, overrides: { gpu?: boolean } = {}): TRenderValues {
  const params: Record<string, unknown> = {};
  for (const p of template.manifest.parameters) {
    if (p.default !== undefined) params[p.name] = p.default;
    else if (p.required) params[p.name] = p.type === "enum" ? p.options![0] : p.type === "boolean" ? false : p.type === "integer" ? (p.min ?? 1) : "example";
  }
  if (overrides.gpu !== undefined && template.manifest.gpu) params.gpu = overrides.gpu;
  return {
    project: {
      slug: "hello-world",
      name: "Hello World",
      description: "A sample project to preview the template.",
      team: "platform",
      owner: { name: "Dana Developer", email: "dana@example.com" },
      tier: "standard",
      repositoryUrl: "https://wharf.example.com/git/hello-world.git",
    },
    params,
  };
}

/** Problems found by rendering a template with sample values (both flavours when it has a GPU one). */
export function checkTemplate(template: Template): string[] {
  const flavours = template.manifest.gpu ? [false, true] : [undefined];
  const errors: string[] = [];
  for (const gpu of flavours) {
    const label = gpu === undefined ? "" : gpu ? " (GPU flavour)" : " (CPU flavour)";
    try {
      const files = renderTemplate(template, sampleRenderValues(template, { gpu }));
      const spec = files.find((f) => f.path === "wharf.yaml");
      if (!spec) errors.push(`files/ renders no wharf.yaml${label}; every project needs its application spec`);
      else {
        const parsed = parseWharfSpec(spec.content);
        if (!parsed.ok) errors.push(...parsed.errors.map((e) => `wharf.yaml${label}: ${e}`));
      }
    } catch (e) {
      if (isAppError(e)) {
        const fields = Object.entries(e.fieldErrors ?? {}).map(([k, m]) => `${k}: ${m.join(", ")}`);
        errors.push(`${e.userMessage}${label}${fields.length ? ` (${fields.join("; ")})` : ""}`);
      } else errors.push(`rendering failed${label}: ${(e as Error).message}`);
    }
  }
  return errors;
}

export interface TemplateCatalog {
  templates: Template[];
  invalid: InvalidTemplate[];
}

/** Loads and checks every template, unauthorized: for callers that already decided (and tests). */
export async function unsafeLoadTemplateCatalog(dirs: TemplateDirs = defaultTemplateDirs()): Promise<TemplateCatalog> {
  const sources: [string, TemplateSource][] = [[dirs.builtin, "builtin"]];
  if (dirs.extra) sources.push([dirs.extra, "extra"]);
  const results = (await Promise.all(sources.map(([dir, source]) => loadTemplateDirectory(dir, source)))).flat();
  const templates: Template[] = [];
  const invalid: InvalidTemplate[] = [];
  const byId = new Map<string, Template>();
  for (const r of results) {
    if (!r.ok) {
      invalid.push(r.invalid);
      continue;
    }
    const t = r.template;
    const taken = byId.get(t.id);
    if (taken) {
      invalid.push({ id: t.id, source: t.source, dir: t.dir, name: t.manifest.name, errors: [`the id "${t.id}" is already used by ${taken.dir}`] });
      continue;
    }
    const errors = checkTemplate(t);
    if (errors.length) invalid.push({ id: t.id, source: t.source, dir: t.dir, name: t.manifest.name, errors });
    else {
      byId.set(t.id, t);
      templates.push(t);
    }
  }
  templates.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  return { templates, invalid };
}

/**
 * The gallery: every usable template, plus the broken ones with their reasons
 * for those who manage templates (admins); others get `invalid: []`.
 */
export async function listTemplates(ctx: Ctx, dirs?: TemplateDirs): Promise<TemplateCatalog> {
  authorize(ctx, "template.read", platform);
  const catalog = await unsafeLoadTemplateCatalog(dirs);
  return { templates: catalog.templates, invalid: can(ctx.actor, "template.manage", platform) ? catalog.invalid : [] };
}

/** One usable template by id. NOT_FOUND when there is none; PRECONDITION_FAILED (with the reasons) when it is broken. */
export async function getTemplate(ctx: Ctx, id: string, dirs?: TemplateDirs): Promise<Template> {
  authorize(ctx, "template.read", platform);
  const catalog = await unsafeLoadTemplateCatalog(dirs);
  const found = catalog.templates.find((t) => t.id === id);
  if (found) return found;
  const broken = catalog.invalid.find((t) => t.id === id);
  if (broken) {
    throw new AppError("PRECONDITION_FAILED", `The template "${broken.name ?? id}" is broken and cannot be used; an admin has to fix it.`, {
      message: `template ${id} (${broken.dir}) is invalid: ${broken.errors.join("; ")}`,
    });
  }
  throw new AppError("NOT_FOUND", `There is no template "${id}".`);
}
