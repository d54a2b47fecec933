/**
 * Regeneration, plan before apply (the seed job Job DSL never had a dry run
 * for): `planRegeneration` says per project what applying would add, change
 * (a unified diff of the YAML) and remove on the build cluster, read through
 * one bounded read; `applyRegeneration` applies what the person confirmed
 * (each project's plan digest), as a provisioning run per project whose
 * steps are retried, retryable by hand and audited. A project whose
 * metadata changed since its plan was shown is refused: plan again.
 */
import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import type { KubernetesObject } from "@kubernetes/client-node";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { projectOnto } from "@/lib/deploy/drift";
import { AppError, isAppError } from "@/lib/errors";
import { readCluster } from "@/lib/kube/fanout";
import { createRun } from "@/lib/provisioning/engine";
import { defineRunKind, type StepDraft } from "@/lib/provisioning/registry";
import { toYaml, toYamlDocuments } from "@/lib/yaml";
import { readAppliedCi, refOf, PRUNED_KINDS } from "./applied";
import { generateCi, type GeneratedCi, type GeneratedObject } from "./generate";
import { loadCiInputs } from "./input";
import type { CiInput } from "./generate";

export const CI_RUN_KIND = "ci_regenerate";

export const ciRegenerateRun = defineRunKind({ kind: CI_RUN_KIND, label: "Pipeline regeneration" });

export type RegenerationTarget = { projectId: string } | { all: true };

/** One object of a plan, as `Kind/namespace/name`. */
export interface PlannedObject {
  ref: string;
  kind: string;
  name: string;
}

export interface ProjectRegenerationPlan {
  projectId: string;
  slug: string;
  /**
   * ready: compared with the build cluster; unreachable: the build cluster did
   * not answer (or refused the read); invalid: the project's pipeline cannot be
   * generated (a template's broken CI steps); no-build-cluster: none is marked.
   */
  status: "ready" | "unreachable" | "invalid" | "no-build-cluster";
  /** Why the status is not ready, in a sentence. */
  reason?: string;
  /** For invalid: the resource and field path of each problem. */
  fieldErrors?: Record<string, string[]>;
  cluster: { id: string; name: string } | null;
  namespace: string;
  /** What the person confirms: applying is refused when the generated objects no longer have this digest. */
  digest: string;
  added: (PlannedObject & { yaml: string })[];
  changed: (PlannedObject & { diff: string })[];
  removed: PlannedObject[];
  unchanged: PlannedObject[];
  /** The Jenkins files, for Jenkins shops (settings.jenkins). */
  jenkins: GeneratedCi["jenkins"];
}

export function hasChanges(p: ProjectRegenerationPlan) {
  return p.added.length + p.changed.length + p.removed.length > 0;
}

function planned(o: KubernetesObject): PlannedObject {
  return { ref: refOf(o), kind: o.kind ?? "", name: o.metadata?.name ?? "" };
}

export function digestOf(objects: readonly GeneratedObject[]): string {
  return createHash("sha256")
    .update(toYamlDocuments([...objects]))
    .digest("hex")
    .slice(0, 16);
}

/** Added, changed (live projected onto what Wharf writes, so defaults and status are not noise) and removed. */
export function compareWithCluster(generated: GeneratedCi, live: readonly KubernetesObject[]) {
  const added: ProjectRegenerationPlan["added"] = [];
  const changed: ProjectRegenerationPlan["changed"] = [];
  const unchanged: PlannedObject[] = [];
  const byRef = new Map(live.map((o) => [refOf(o), o]));
  for (const want of generated.objects) {
    const ref = refOf(want);
    const have = byRef.get(ref);
    const after = toYaml(want);
    if (!have) {
      added.push({ ...planned(want), yaml: after });
      continue;
    }
    const before = toYaml(projectOnto(have, want));
    if (before === after) unchanged.push(planned(want));
    else changed.push({ ...planned(want), diff: createTwoFilesPatch(`${ref} (applied)`, `${ref} (generated)`, before, after, "", "", { context: 3 }) });
  }
  const wanted = new Set(generated.objects.map(refOf));
  const removed = live.filter((o) => PRUNED_KINDS.some((k) => k.kind === o.kind) && !wanted.has(refOf(o))).map(planned);
  return { added, changed, removed, unchanged };
}

function empty(projectId: string, slug: string, extra: Partial<ProjectRegenerationPlan> & Pick<ProjectRegenerationPlan, "status">): ProjectRegenerationPlan {
  return { projectId, slug, cluster: null, namespace: `${slug}-ci`, digest: "", added: [], changed: [], removed: [], unchanged: [], jenkins: null, ...extra };
}

function generateOrExplain(projectId: string, slug: string, input: CiInput | undefined, error: string | undefined) {
  if (!input) return { plan: empty(projectId, slug, { status: "invalid", reason: error ?? "The project's toolchain cannot be read." }) };
  try {
    return { generated: generateCi(input) };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { plan: empty(projectId, slug, { status: "invalid", reason: e.userMessage, fieldErrors: e.fieldErrors }) };
  }
}

function authorizeTarget(ctx: Ctx, target: RegenerationTarget, single: "ci.pipeline.read" | "ci.pipeline.regenerate") {
  if ("all" in target) authorize(ctx, "ci.regenerate.all", { kind: "platform" });
  else authorize(ctx, single, { kind: "project", projectId: target.projectId });
}

/**
 * What regenerating would change, per project: one project (`ci.pipeline.read`
 * on it) or all (`ci.regenerate.all`). The build cluster is read once, bounded
 * (WHARF_CLUSTER_READ_TIMEOUT_MS); when it does not answer, each of its
 * projects says so (nothing is claimed as added), and the others are planned.
 */
export async function planRegeneration(ctx: Ctx, target: RegenerationTarget): Promise<ProjectRegenerationPlan[]> {
  authorizeTarget(ctx, target, "ci.pipeline.read");
  const inputs = await loadCiInputs("all" in target ? { all: true } : { id: target.projectId });
  const single = "all" in target ? undefined : inputs[0]?.slug;
  // One bounded read per build cluster, all at once: one that does not answer marks its own projects only.
  const clusterIds = [...new Set(inputs.flatMap((i) => (i.buildCluster ? [i.buildCluster.id] : [])))];
  const reads = new Map(
    await Promise.all(
      clusterIds.map(
        async (id) => [id, await readCluster(id, `ci-applied:${single ?? "*"}`, (conn) => readAppliedCi(conn, { project: single }), { ttlMs: 0 })] as const,
      ),
    ),
  );
  return inputs.map(({ projectId, slug, input, error, buildCluster: build }) => {
    const { plan, generated } = generateOrExplain(projectId, slug, input, error);
    if (plan) return { ...plan, cluster: build };
    const base = { digest: digestOf(generated.objects), namespace: generated.namespace, jenkins: generated.jenkins, cluster: build };
    const read = build ? reads.get(build.id) : undefined;
    if (!build || !read) {
      return {
        ...empty(projectId, slug, { status: "no-build-cluster", reason: "No cluster is marked for builds: an admin marks one under Clusters." }),
        ...base,
      };
    }
    if (!read.ok)
      return { ...empty(projectId, slug, { status: "unreachable", reason: `The build cluster ${build.name} could not be read: ${read.error}` }), ...base };
    const live = read.value.filter((o) => o.metadata?.labels?.["wharf.dev/project"] === slug);
    return { projectId, slug, status: "ready", ...base, ...compareWithCluster(generated, live) };
  });
}

/** The steps of one project's regeneration on the build cluster: namespace and account, Tasks, Pipelines, then pruning. */
export function regenerationSteps(generated: GeneratedCi, project: string, cluster: { id: string; name: string }): StepDraft[] {
  const of = (...kinds: string[]) => generated.objects.filter((o) => kinds.includes(o.kind));
  const ns = generated.namespace;
  const on = { clusterId: cluster.id, clusterName: cluster.name };
  const names = (kind: string) =>
    of(kind)
      .map((o) => o.metadata.name)
      .join(", ");
  return [
    {
      key: "ci-namespace",
      kind: "ci-apply",
      title: `CI namespace ${ns}`,
      target: `Namespace ${ns}, ServiceAccount ${ns}/wharf-pipeline`,
      spec: { objects: of("Namespace", "ServiceAccount") },
      ...on,
    },
    {
      key: "ci-tasks",
      kind: "ci-apply",
      title: `Tasks of ${ns}`,
      target: `Tasks ${names("Task")}`,
      spec: { objects: of("Task") },
      dependsOn: ["ci-namespace"],
      ...on,
    },
    {
      key: "ci-pipelines",
      kind: "ci-apply",
      title: `Pipelines of ${ns}`,
      target: `Pipelines ${names("Pipeline")}`,
      spec: { objects: of("Pipeline") },
      dependsOn: ["ci-tasks"],
      ...on,
    },
    {
      key: "ci-prune",
      kind: "ci-prune",
      title: `Remove old Tasks and Pipelines of ${ns}`,
      target: `Tasks and Pipelines of ${ns} Wharf no longer generates`,
      spec: { project, keep: generated.objects.map(refOf) },
      dependsOn: ["ci-pipelines"],
      ...on,
    },
  ];
}

/**
 * Applies the regeneration the person confirmed: `confirm` maps each project
 * to the digest its plan showed. One provisioning run per project, created
 * with its audit event in one transaction. Refuses (CONFLICT) when a
 * project's generated objects changed since its plan, and (PRECONDITION_FAILED)
 * when no cluster is marked for builds or a project's pipeline is invalid.
 */
export async function applyRegeneration(
  ctx: Ctx,
  opts: { target: RegenerationTarget; confirm: Record<string, string> },
): Promise<{ projectId: string; slug: string; runId: string }[]> {
  authorizeTarget(ctx, opts.target, "ci.pipeline.regenerate");
  if ("projectId" in opts.target && Object.keys(opts.confirm).some((id) => id !== (opts.target as { projectId: string }).projectId)) {
    throw new AppError("FORBIDDEN", "You do not have permission to do this.", { message: "confirmation names projects outside the target" });
  }
  const wanted = new Set(Object.keys(opts.confirm));
  if (!wanted.size) return [];
  const inputs = (await loadCiInputs("all" in opts.target ? { all: true } : { id: opts.target.projectId })).filter((i) => wanted.has(i.projectId));
  if (inputs.length !== wanted.size) throw new AppError("NOT_FOUND", "A project of this plan no longer exists (or is archived): plan again.");
  const prepared = inputs.map(({ projectId, slug, input, error, buildCluster: build }) => {
    if (!build) throw new AppError("PRECONDITION_FAILED", "No cluster is marked for builds: an admin marks one under Clusters.");
    const { plan, generated } = generateOrExplain(projectId, slug, input, error);
    if (plan) throw new AppError("PRECONDITION_FAILED", `${slug}: ${plan.reason}`, { fieldErrors: plan.fieldErrors });
    if (digestOf(generated.objects) !== opts.confirm[projectId]) {
      throw new AppError("CONFLICT", `The pipelines of ${slug} changed since the plan was made (its metadata or template changed): plan again.`);
    }
    return { projectId, slug, generated, build };
  });
  const out: { projectId: string; slug: string; runId: string }[] = [];
  for (const p of prepared) {
    const runId = await db().$transaction(async (tx) => {
      const { runId } = await createRun(tx, {
        kind: CI_RUN_KIND,
        projectId: p.projectId,
        createdById: ctx.actor.kind === "user" ? ctx.actor.id : null,
        drafts: regenerationSteps(p.generated, p.slug, p.build),
      });
      await recordAudit(tx, ctx, {
        action: "ci.regenerate",
        target: { type: "project", id: p.projectId, label: p.slug },
        projectId: p.projectId,
        after: { runId, cluster: p.build.name, namespace: p.generated.namespace, digest: opts.confirm[p.projectId], objects: p.generated.objects.map(refOf) },
      });
      return runId;
    });
    out.push({ projectId: p.projectId, slug: p.slug, runId });
  }
  return out;
}

/** A project's generated CI as files, for a page (`ci.pipeline.read`): the Tekton objects as YAML and the Jenkins files. */
export async function getGeneratedPipeline(ctx: Ctx, projectId: string) {
  authorize(ctx, "ci.pipeline.read", { kind: "project", projectId });
  const [loaded] = await loadCiInputs({ id: projectId });
  const { plan, generated } = generateOrExplain(projectId, loaded!.slug, loaded!.input, loaded!.error);
  if (plan) return { ok: false as const, reason: plan.reason!, fieldErrors: plan.fieldErrors };
  return {
    ok: true as const,
    namespace: generated.namespace,
    tekton: toYamlDocuments(generated.objects),
    jenkins: generated.jenkins,
    digest: digestOf(generated.objects),
  };
}
