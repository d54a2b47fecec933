/**
 * The project's code: at onboarding the chosen template is rendered from the
 * project's metadata and published as a git repository (the portal's own
 * store, or the company's Git server). Publishing the same files again adds
 * no commit, so the step is safe to retry.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { unsafeLoadTemplateCatalog } from "@/lib/templates/gallery";
import { renderTemplate } from "@/lib/templates/render";
import { publishProjectRepository, repositoryCloneUrl } from "@/lib/git/store";
import { defineStepKind, definePlanContributor } from "./registry";

type Template = Awaited<ReturnType<typeof unsafeLoadTemplateCatalog>>["templates"][number];

/**
 * Renders a template from a project's metadata and publishes it as the project's repository (the onboarding step,
 * and the seed's CI demo). Publishing the same files again adds no commit.
 */
export async function publishTemplateRepository(
  project: {
    slug: string;
    name: string;
    description: string;
    tier: "critical" | "standard" | "experimental";
    team: { slug: string };
    owner: { name: string; email: string };
  },
  template: Template,
  params: Record<string, unknown> = {},
) {
  const repositoryUrl = repositoryCloneUrl({ slug: project.slug, team: project.team.slug });
  const files = renderTemplate(template, {
    project: {
      slug: project.slug,
      name: project.name,
      description: project.description,
      team: project.team.slug,
      owner: project.owner,
      tier: project.tier,
      repositoryUrl,
    },
    params,
  });
  const published = await publishProjectRepository({
    slug: project.slug,
    team: project.team.slug,
    files,
    author: { name: "Wharf", email: "noreply@wharf.dev" },
    message: `Generate ${project.name} from the ${template.manifest.name} template`,
  });
  return { published, files };
}

export const repositoryStep = defineStepKind({
  kind: "repository",
  label: "Repository",
  needsCluster: false,
  spec: z.object({ templateId: z.string(), params: z.record(z.string(), z.unknown()).default({}) }),
  async run({ templateId, params }, { projectId }) {
    if (!projectId) throw new Error("The project of this step no longer exists.");
    const project = await db().project.findUniqueOrThrow({
      where: { id: projectId },
      include: { team: { select: { slug: true } }, owner: { select: { name: true, email: true } } },
    });
    // The worker reads the catalog without an actor: the template was chosen and checked when the request was made.
    const template = (await unsafeLoadTemplateCatalog()).templates.find((t) => t.id === templateId);
    if (!template) throw new Error(`The template "${templateId}" is no longer in the gallery.`);
    const { published, files } = await publishTemplateRepository(project, template, params);
    if (project.repositoryUrl !== published.cloneUrl) await db().project.update({ where: { id: project.id }, data: { repositoryUrl: published.cloneUrl } });
    return { ...published, files: files.length };
  },
});

export const repositoryContributor = definePlanContributor({
  name: "repository",
  runKinds: ["onboarding"],
  contribute: (input) =>
    input.project.templateId
      ? [
          {
            key: "repository",
            kind: "repository",
            title: `Repository of ${input.project.slug}`,
            target: `git repository ${input.project.slug}.git`,
            spec: { templateId: input.project.templateId, params: input.params },
            maxAttempts: 5,
          },
        ]
      : [],
});
