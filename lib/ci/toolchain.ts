/**
 * How a project is tested in CI, from its template: `templates/<id>/ci.yaml`
 * beside `template.yaml`. Its test steps are Tekton v1 steps, taken as the
 * template wrote them: the generated Task is validated as a whole
 * (./tekton.ts), so a broken step is refused at its resource and field path
 * ("Task test: spec.steps[1].image"), not here.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { unsafeLoadTemplateCatalog, type TemplateDirs } from "@/lib/templates/gallery";

export const COVERAGE_FORMATS = ["jacoco-csv", "lcov", "cobertura"] as const;

export const ZToolchain = z
  .object({
    language: z.string().min(1),
    test: z
      .object({
        /** Tekton v1 steps (checked as part of the generated Task). */
        steps: z.array(z.unknown()).min(1, { message: "a toolchain runs at least one test step" }),
        reports: z
          .object({
            /** A folder of JUnit XML files, relative to the service's folder. */
            junit: z.string().min(1),
            coverage: z
              .object({ format: z.enum(COVERAGE_FORMATS), path: z.string().min(1) })
              .strict()
              .optional(),
          })
          .strict(),
      })
      .strict(),
    jenkins: z.object({ buildImage: z.string().min(1), testCommand: z.string().min(1) }).strict(),
  })
  .strict();
export type TToolchain = z.output<typeof ZToolchain>;

/** For a project whose template has no ci.yaml (or that has no template): `make test`, reports under reports/. */
export const GENERIC_TOOLCHAIN: TToolchain = {
  language: "generic",
  test: {
    steps: [
      {
        name: "test",
        image: "buildpack-deps:bookworm",
        script: "#!/bin/sh\nset -eu\nmake test\n",
      },
    ],
    reports: { junit: "reports" },
  },
  jenkins: { buildImage: "buildpack-deps:bookworm", testCommand: "make test" },
};

/** Parses a ci.yaml text; throws with the file's field paths when it is not a toolchain. */
export function parseToolchain(text: string, source = "ci.yaml"): TToolchain {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new Error(`${source} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = ZToolchain.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}

/**
 * The toolchain of a project: its template's ci.yaml, else that of a template
 * of the same language, else the generic one. A template with a broken
 * ci.yaml throws (regeneration must not silently fall back).
 */
export async function loadToolchain(project: { templateId: string; language: string }, dirs?: TemplateDirs): Promise<TToolchain> {
  const { templates } = await unsafeLoadTemplateCatalog(dirs);
  const own = templates.find((t) => t.id === project.templateId);
  const candidates = [own, ...templates.filter((t) => t !== own && project.language && t.manifest.language === project.language)].filter(
    (t): t is NonNullable<typeof t> => Boolean(t),
  );
  for (const t of candidates) {
    const file = path.join(t.dir, "ci.yaml");
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch {
      continue;
    }
    return parseToolchain(text, `templates/${t.id}/ci.yaml`);
  }
  return GENERIC_TOOLCHAIN;
}
