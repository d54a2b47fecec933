/**
 * What the CI pages read: a project's generated pipeline grouped per service
 * with each resource's YAML and how it compares with the build cluster, the
 * regeneration run that followed an apply, the webhook endpoints, and the
 * seed job's view of every project. Reads only: changes go through
 * regenerate.ts, settings-store.ts and webhooks.ts.
 */
import { can, platform, projectResource } from "@/lib/access/policy";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";
import { toYaml } from "@/lib/yaml";
import { refOf } from "./applied";
import { generateCi, type GeneratedObject } from "./generate";
import { loadCiInputs } from "./input";
import { CI_RUN_KIND, hasChanges, planRegeneration, type PlannedObject, type ProjectRegenerationPlan } from "./regenerate";
import { WEBHOOK_PROVIDERS, type WebhookProvider } from "./webhooks";

/** How one generated resource compares with the build cluster; `unknown` when the cluster could not be compared. */
export type ResourceState = "added" | "changed" | "unchanged" | "unknown";

export interface PipelineResource extends PlannedObject {
  yaml: string;
  state: ResourceState;
  /** The unified diff, applied to generated, when changed. */
  diff?: string;
}

/** Resources of one service (its Pipeline), or the project's shared ones (namespace, account, Tasks): `service` null. */
export interface PipelineGroup {
  service: string | null;
  resources: PipelineResource[];
}

export interface RegenerationRunView {
  id: string;
  status: string;
  createdAt: Date;
  finishedAt: Date | null;
  steps: { id: string; title: string; target: string; status: string; lastError: string; clusterName: string | null }[];
}

async function projectBySlug(slug: string) {
  const project = await db().project.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } });
  if (!project) throw new AppError("NOT_FOUND", `There is no project "${slug}".`);
  return project;
}

function serviceOf(o: GeneratedObject): string | null {
  return o.kind === "Pipeline" ? (o.metadata.labels?.["wharf.dev/service"] ?? o.metadata.name) : null;
}

function groupResources(objects: readonly GeneratedObject[], plan: ProjectRegenerationPlan): PipelineGroup[] {
  const added = new Set(plan.added.map((a) => a.ref));
  const changed = new Map(plan.changed.map((c) => [c.ref, c.diff]));
  const unchanged = new Set(plan.unchanged.map((u) => u.ref));
  const groups = new Map<string | null, PipelineResource[]>([[null, []]]);
  for (const o of objects) {
    const ref = refOf(o);
    const state: ResourceState = added.has(ref) ? "added" : changed.has(ref) ? "changed" : unchanged.has(ref) ? "unchanged" : "unknown";
    const service = serviceOf(o);
    const list = groups.get(service) ?? [];
    list.push({ ref, kind: o.kind, name: o.metadata.name, yaml: toYaml(o), state, diff: changed.get(ref) });
    groups.set(service, list);
  }
  return [...groups].map(([service, resources]) => ({ service, resources }));
}

/** The latest regeneration run of a project (or the one named, when it is the project's). */
export async function findRegenerationRun(projectId: string, runId?: string): Promise<RegenerationRunView | null> {
  const run = await db().provisioningRun.findFirst({
    where: { projectId, kind: CI_RUN_KIND, ...(runId ? { id: runId } : {}) },
    orderBy: { createdAt: "desc" },
    include: { steps: { orderBy: { position: "asc" }, include: { cluster: { select: { name: true } } } } },
  });
  if (!run) return null;
  return {
    id: run.id,
    status: run.status,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    steps: run.steps.map((s) => ({
      id: s.id,
      title: s.title,
      target: s.target,
      status: s.status,
      lastError: s.lastError,
      clusterName: s.cluster?.name ?? null,
    })),
  };
}

/**
 * The Pipeline tab of a project (`ci.pipeline.read`): per service, each
 * generated resource as YAML and how it compares with the build cluster,
 * what regenerating would remove, the Jenkins files, the regeneration run
 * (`runId`, or the latest) and what the actor may do.
 */
export async function getPipelinePage(ctx: Ctx, slug: string, opts: { runId?: string } = {}) {
  const project = await projectBySlug(slug);
  const resource = projectResource(project.id);
  authorize(ctx, "ci.pipeline.read", resource);
  const [[plan], [loaded], run] = await Promise.all([
    planRegeneration(ctx, { projectId: project.id }),
    loadCiInputs({ id: project.id }),
    findRegenerationRun(project.id, opts.runId),
  ]);
  let objects: GeneratedObject[] = [];
  if (plan!.status !== "invalid" && loaded?.input) {
    try {
      objects = generateCi(loaded.input).objects;
    } catch (e) {
      // The plan said it generates; a change in between is shown as the plan's status on the next read.
      if (!isAppError(e)) throw e;
    }
  }
  return {
    project,
    plan: plan!,
    hasChanges: plan!.status === "ready" && hasChanges(plan!),
    groups: objects.length ? groupResources(objects, plan!) : [],
    run,
    rights: {
      regenerate: can(ctx.actor, "ci.pipeline.regenerate", resource),
      editSettings: can(ctx.actor, "ci.settings.edit", resource),
    },
  };
}

/** The project behind a CI settings page (`ci.settings.edit`), with its webhook endpoints and when its secret was made. */
export async function getCiSettingsPage(ctx: Ctx, slug: string) {
  const project = await projectBySlug(slug);
  authorize(ctx, "ci.settings.edit", projectResource(project.id));
  const webhook = await db().ciWebhookSecret.findUnique({ where: { projectId: project.id }, select: { createdAt: true } });
  return { project, webhooks: webhookEndpoints(project.slug), webhookSecretCreatedAt: webhook?.createdAt ?? null };
}

/** Where each provider posts a project's push events. */
export function webhookEndpoints(slug: string): { provider: WebhookProvider; url: string }[] {
  const base = (env().NEXTAUTH_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  return WEBHOOK_PROVIDERS.map((provider) => ({ provider, url: `${base}/api/ci/webhooks/${provider}/${slug}` }));
}

/**
 * The seed job page (`ci.regenerate.all`): every project's plan, those with
 * something to do first, the build clusters, and each project's latest
 * regeneration run.
 */
export async function getSeedJobPage(ctx: Ctx) {
  authorize(ctx, "ci.regenerate.all", platform);
  const [plans, clusters] = await Promise.all([
    planRegeneration(ctx, { all: true }),
    db().cluster.findMany({
      where: { builds: true },
      orderBy: { name: "asc" },
      select: { id: true, name: true, region: true, status: true, statusReason: true, lastCheckedAt: true },
    }),
  ]);
  const rank = (p: ProjectRegenerationPlan) => (p.status !== "ready" ? 0 : hasChanges(p) ? 1 : 2);
  const sorted = [...plans].sort((a, b) => rank(a) - rank(b) || a.slug.localeCompare(b.slug));
  return { plans: sorted, buildClusters: clusters, buildCluster: clusters[0] ?? null };
}
