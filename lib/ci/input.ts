/** What the generator reads, loaded from the catalog: a project's metadata, CI settings, toolchain; and the build cluster. */
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { repositoryCloneUrl } from "@/lib/git/store";
import type { TemplateDirs } from "@/lib/templates/gallery";
import type { CiInput } from "./generate";
import { ciSettingsOf } from "./settings";
import { loadToolchain, type TToolchain } from "./toolchain";

type Client = Tx | ReturnType<typeof db>;

const PROJECT_SELECT = {
  id: true,
  slug: true,
  name: true,
  repositoryUrl: true,
  templateId: true,
  language: true,
  lifecycle: true,
  team: { select: { slug: true } },
  services: { select: { slug: true, kind: true }, orderBy: { slug: "asc" } },
  environments: { select: { kind: true, clusters: { select: { cluster: { select: { id: true, name: true, builds: true } } } } } },
  ciSettings: { select: { settings: true } },
} as const;

type ProjectRow = NonNullable<Awaited<ReturnType<typeof loadRows>>>[number];

function loadRows(client: Client, where: { id: string } | { all: true }) {
  return client.project.findMany({
    where: "id" in where ? { id: where.id } : { lifecycle: { not: "archived" } },
    select: PROJECT_SELECT,
    orderBy: { slug: "asc" },
  });
}

function toInput(p: ProjectRow, toolchain: TToolchain): CiInput {
  return {
    project: {
      slug: p.slug,
      name: p.name,
      team: p.team.slug,
      repositoryUrl: p.repositoryUrl || repositoryCloneUrl({ slug: p.slug, team: p.team.slug }),
      templateId: p.templateId,
      language: p.language,
    },
    services: p.services,
    environments: p.environments.map((e) => e.kind),
    settings: ciSettingsOf(p.ciSettings?.settings),
    toolchain,
  };
}

/**
 * The build cluster of a project: a cluster marked for builds among those its
 * environments run on (the first by name), else the first cluster marked for
 * builds. Projects on different build clusters are planned and applied
 * independently, so one that does not answer holds up its projects only.
 */
function buildClusterOf(p: ProjectRow, builds: { id: string; name: string }[]) {
  const own = p.environments
    .flatMap((e) => e.clusters.map((c) => c.cluster))
    .filter((c) => c.builds)
    .sort((a, b) => a.name.localeCompare(b.name))[0];
  return own ? { id: own.id, name: own.name } : (builds[0] ?? null);
}

export interface LoadedCiInput {
  projectId: string;
  slug: string;
  buildCluster: { id: string; name: string } | null;
  input?: CiInput;
  /** Why the input could not be made (a template's ci.yaml that does not parse). */
  error?: string;
}

/**
 * The generator's input for one project or all (archived projects have no
 * CI), with each project's build cluster. A toolchain that cannot be read is
 * that project's error, not the others'.
 */
export async function loadCiInputs(where: { id: string } | { all: true }, opts: { client?: Client; dirs?: TemplateDirs } = {}): Promise<LoadedCiInput[]> {
  const client = opts.client ?? db();
  const rows = await loadRows(client, where);
  if ("id" in where && !rows.length) throw new AppError("NOT_FOUND", "This project no longer exists.");
  const builds = await client.cluster.findMany({ where: { builds: true }, orderBy: { name: "asc" }, select: { id: true, name: true } });
  const toolchains = new Map<string, Promise<TToolchain>>();
  return Promise.all(
    rows.map(async (p) => {
      const key = `${p.templateId}\u0000${p.language}`;
      if (!toolchains.has(key)) toolchains.set(key, loadToolchain(p, opts.dirs));
      const base = { projectId: p.id, slug: p.slug, buildCluster: buildClusterOf(p, builds) };
      try {
        return { ...base, input: toInput(p, await toolchains.get(key)!) };
      } catch (e) {
        return { ...base, error: (e as Error).message };
      }
    }),
  );
}

/** The build cluster: the first cluster marked for builds, by name; null when none is. */
export async function findBuildCluster(client: Client = db()): Promise<{ id: string; name: string } | null> {
  return client.cluster.findFirst({ where: { builds: true }, orderBy: { name: "asc" }, select: { id: true, name: true } });
}

/** The build cluster of one project (see buildClusterOf), or null when no cluster is marked for builds. */
export async function findProjectBuildCluster(projectId: string, client: Client = db()): Promise<{ id: string; name: string } | null> {
  const [p] = await loadRows(client, { id: projectId });
  if (!p) return null;
  const builds = await client.cluster.findMany({ where: { builds: true }, orderBy: { name: "asc" }, select: { id: true, name: true } });
  return buildClusterOf(p, builds);
}
