/**
 * At onboarding, a project's configuration starts from its template: the
 * template's default config file (manifest `defaultConfig`) is rendered with
 * the project's values and its keys become the first release of every
 * service's `application` namespace, in every environment the project has.
 * A plan contributor adds the step to onboarding; the step is idempotent (a
 * namespace that has a release already is left alone).
 */
import { z } from "zod";
import { parse as parseEnv } from "dotenv";
import { parseDocument } from "yaml";
import { db } from "@/lib/db/client";
import { systemCtx } from "@/lib/context";
import { unsafeLoadTemplateCatalog } from "@/lib/templates/gallery";
import { renderTemplate } from "@/lib/templates/render";
import { defineStepKind, definePlanContributor } from "@/lib/provisioning/registry";
import { LIMITS, parsePropertiesText, type ConfigEntry } from "./formats";
import { ensureApplication } from "./namespaces";
import { createConfigRelease, latestMainRelease } from "./publish";
import { ensureSet, resolveRef, storedItems } from "./store";

/** Scalars of a document as dotted keys (`server.port`), as Spring and Apollo users write them; lists as `a[0]`. */
export function flatten(value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (value === null || value === undefined) {
    if (prefix) out[prefix] = "";
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = String(value);
  return out;
}

/** The default config file's keys, whatever its format; comments of `.properties` and `.env` are kept where they sit above a key. */
export function entriesOfDefaultConfig(path: string, text: string): ConfigEntry[] {
  let pairs: Record<string, string>;
  if (path.endsWith(".properties")) {
    const parsed = parsePropertiesText(text);
    if (!parsed.ok) throw new Error(`${path}: ${parsed.problems.map((p) => `line ${p.line}: ${p.message}`).join("; ")}`);
    return parsed.entries;
  } else if (path.endsWith(".env")) pairs = parseEnv(text);
  else if (path.endsWith(".json")) pairs = flatten(JSON.parse(text));
  else pairs = flatten(parseDocument(text).toJS());
  return Object.entries(pairs)
    .slice(0, LIMITS.items)
    .map(([key, value]) => ({ key, value, comment: `from ${path}`, secret: false }));
}

export const configSeedStep = defineStepKind({
  kind: "config-seed",
  label: "Configuration",
  needsCluster: false,
  spec: z.object({ templateId: z.string(), params: z.record(z.string(), z.unknown()).default({}) }),
  async run({ templateId, params }, { projectId }) {
    if (!projectId) throw new Error("The project of this step no longer exists.");
    const project = await db().project.findUniqueOrThrow({
      where: { id: projectId },
      include: {
        team: { select: { slug: true } },
        owner: { select: { name: true, email: true } },
        services: { select: { id: true, slug: true } },
        environments: { select: { kind: true } },
      },
    });
    const template = (await unsafeLoadTemplateCatalog()).templates.find((t) => t.id === templateId);
    if (!template) throw new Error(`The template "${templateId}" is no longer in the gallery.`);
    const path = template.manifest.defaultConfig;
    if (!path) return { seeded: 0, reason: "the template has no default config" };
    const files = renderTemplate(template, {
      project: { slug: project.slug, name: project.name, description: project.description, team: project.team.slug, owner: project.owner, tier: project.tier },
      params,
    });
    const file = files.find((f) => f.path === path);
    if (!file) throw new Error(`The template's default config ${path} was not generated.`);
    const entries = entriesOfDefaultConfig(path, file.content);
    const ctx = systemCtx(`config-seed-${projectId}`);
    let seeded = 0;
    for (const service of project.services) {
      const ns = await ensureApplication(service.id);
      for (const { kind } of project.environments) {
        const ref = await resolveRef({ namespaceId: ns.id, serviceId: service.id, environment: kind, cluster: "default" });
        seeded += await db().$transaction(async (tx) => {
          const set = await ensureSet(tx, ref);
          await tx.$queryRaw`select id from "ConfigSet" where id = ${set.id} for update`;
          // Idempotent: a namespace with a release or a draft of its own is someone's work, not ours to replace.
          if ((await latestMainRelease(tx, set.id)) || (await storedItems(tx, set.id)).length) return 0;
          await tx.configItem.createMany({ data: entries.map((e, position) => ({ setId: set.id, key: e.key, value: e.value, comment: e.comment, position })) });
          await tx.configSet.update({ where: { id: set.id }, data: { draftVersion: { increment: 1 } } });
          await createConfigRelease(tx, ctx, ref, set.id, entries, { comment: `Defaults of the ${template.manifest.name} template`, via: "onboarding" });
          return 1;
        });
      }
    }
    return { seeded, keys: entries.length, from: path };
  },
});

export const configSeedContributor = definePlanContributor({
  name: "config-seed",
  runKinds: ["onboarding"],
  contribute: (input) =>
    input.project.templateId && input.services.length && input.environments.length
      ? [
          {
            key: "config-seed",
            kind: "config-seed",
            title: `Configuration of ${input.project.slug} from its template`,
            target: `config center: ${input.services.map((s) => `${input.project.slug}.${s.slug}`).join(", ")} application, ${input.environments.map((e) => e.kind).join(", ")}`,
            spec: { templateId: input.project.templateId, params: input.params },
            maxAttempts: 5,
          },
        ]
      : [],
});
