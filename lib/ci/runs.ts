/**
 * CI runs: starting one (by hand, from a push to the portal's Git server or
 * from a webhook), cancelling and re-running, and reading the history. A run
 * is a row first (`CiRun`, status queued) created with its audit event and a
 * job in one transaction; the job creates the PipelineRun on the build
 * cluster (lib/ci/run-tasks.ts), never the request.
 */
import { z } from "zod";
import { projectResource, scopeOf } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { ZProjectSlug } from "@/lib/catalog/schemas";
import { authorize, type Ctx } from "@/lib/context";
import { db, type Tx } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { enqueue } from "@/lib/jobs/enqueue";
import { runGit } from "@/lib/git/cli";
import { portalRepositoryExists, portalRepositoryPath, repositoryCloneUrl } from "@/lib/git/store";
import { DEFAULT_IMAGE_REGISTRY } from "@/lib/templates/render";
import { currentImageRepository } from "@/lib/deploy/specs";
import { imageRepository } from "./generate";
import { ciSettingsOf, ruleFor } from "./settings";
import { announceRun, ciCancelRunTask, ciStartRunTask, projectQueue } from "./run-tasks";

/** A branch or tag name as git allows it (the subset Wharf accepts). */
export const ZRefName = z
  .string()
  .trim()
  .min(1, { message: "Enter a branch or tag" })
  .max(200)
  .regex(/^[A-Za-z0-9._/-]+$/, { message: "Letters, digits, '.', '_', '-' and '/' only" })
  .refine((v) => !v.includes("..") && !v.startsWith("/") && !v.endsWith("/") && !v.endsWith(".lock"), { message: "Not a valid branch or tag name" });

/** Params a person may set by hand; the others follow from the ref, the commit and the branch policy. */
const DERIVED_PARAMS = new Set(["git-url", "git-revision", "image", "build", "push"]);

export const ZStartRun = z
  .object({
    projectSlug: ZProjectSlug,
    service: z.string().trim().min(1).max(63),
    branch: ZRefName,
    refKind: z.enum(["branch", "tag"]).default("branch"),
    commit: z
      .string()
      .trim()
      .regex(/^[0-9a-f]{40}$/, { message: "A full commit SHA (40 hex digits)" })
      .optional(),
    params: z
      .record(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), z.string().max(4_000, { message: "A parameter's value has at most 4,000 characters" }), {
        error: (issue) =>
          issue.code === "invalid_key" ? "A parameter name is lower-case letters, digits and '-', starting with a letter (at most 63)" : undefined,
      })
      .default({})
      .refine((p) => Object.keys(p).every((k) => !DERIVED_PARAMS.has(k)), {
        message: "git-url, git-revision, image, build and push follow from the branch and its policy",
      }),
  })
  .strict();
export type TStartRun = z.input<typeof ZStartRun>;

const PROJECT_SELECT = {
  id: true,
  slug: true,
  repositoryUrl: true,
  team: { select: { slug: true } },
  services: { select: { id: true, slug: true }, orderBy: { slug: "asc" } },
  ciSettings: { select: { settings: true } },
} as const;
type RunProject = NonNullable<Awaited<ReturnType<typeof findRunProject>>>;

function findRunProject(where: { slug: string } | { id: string }) {
  return db().project.findUnique({ where, select: PROJECT_SELECT });
}

export interface NewRun {
  service: string;
  ref: string;
  refKind: "branch" | "tag";
  commit: string;
  message: string;
  author: string;
  trigger: "push" | "webhook" | "manual";
  extraParams?: Record<string, string>;
  requestedById?: string | null;
  rerunOfId?: string | null;
}

/** The tag an image of this run gets: the tag itself for tags, else the commit's first 12 digits (or the branch). */
function imageTag(run: NewRun): string {
  if (run.refKind === "tag") return run.ref.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128);
  if (run.commit) return run.commit.slice(0, 12);
  return run.ref.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128);
}

/**
 * The PipelineRun's params: the portal's clone URL, the revision, the message, the image and what the branch policy
 * builds. The image goes to `repository`, the service's own (its spec's), so GitFlow promotion deploys what was built.
 */
export function runParams(
  project: RunProject,
  run: NewRun,
  repository = imageRepository(DEFAULT_IMAGE_REGISTRY, project.slug, run.service),
): Record<string, string> {
  const rule = ruleFor(ciSettingsOf(project.ciSettings?.settings).branchPolicy, { kind: run.refKind, name: run.ref });
  return {
    ...run.extraParams,
    "git-url": project.repositoryUrl || repositoryCloneUrl({ slug: project.slug, team: project.team.slug }),
    "git-revision": run.commit || run.ref,
    "commit-message": run.extraParams?.["commit-message"] ?? run.message,
    image: `${repository}:${imageTag(run)}`,
    build: String(rule?.build ?? false),
    push: String(rule?.push ?? false),
  };
}

/** Does the branch policy run anything for this ref? Pushes and webhooks of refs no rule matches start nothing. */
export function refRuns(project: RunProject, ref: { kind: "branch" | "tag"; name: string }): boolean {
  return ruleFor(ciSettingsOf(project.ciSettings?.settings).branchPolicy, ref) !== null;
}

/** Creates the run, its audit event and the job that starts it, in the caller's transaction. Not authorized here: callers are. */
export async function createRunInTx(tx: Tx, ctx: Ctx, project: RunProject, run: NewRun) {
  const service = project.services.find((s) => s.slug === run.service);
  if (!service) {
    throw new AppError("INVALID_INPUT", "Some fields need attention.", {
      fieldErrors: { service: [`The project ${project.slug} has no service "${run.service}"`] },
    });
  }
  const params = runParams(project, run, await currentImageRepository(service.id));
  // Numbers count the project's runs; the project row is locked so two runs started at once get two numbers.
  await tx.$queryRaw`select id from "Project" where id = ${project.id} for update`;
  const number = ((await tx.ciRun.aggregate({ where: { projectId: project.id }, _max: { number: true } }))._max.number ?? 0) + 1;
  const created = await tx.ciRun.create({
    data: {
      projectId: project.id,
      number,
      service: run.service,
      ref: run.ref,
      refKind: run.refKind,
      commitSha: run.commit,
      message: run.message.slice(0, 10_000),
      author: run.author.slice(0, 300),
      trigger: run.trigger,
      requestedById: run.requestedById ?? null,
      rerunOfId: run.rerunOfId ?? null,
      params,
      reason: "Waiting for the worker to start it on the build cluster",
    },
    select: { id: true, number: true },
  });
  await recordAudit(tx, ctx, {
    action: "ci.run.start",
    target: { type: "ci_run", id: created.id, label: `${project.slug} run #${created.number} (${run.service} ${run.ref})` },
    projectId: project.id,
    after: { trigger: run.trigger, service: run.service, ref: run.ref, refKind: run.refKind, commit: run.commit, rerunOf: run.rerunOfId ?? undefined },
  });
  await enqueue(ciStartRunTask, { runId: created.id }, { queue: projectQueue(project.id), jobKey: `ci-start-${created.id}`, maxAttempts: 25 }, tx);
  return created;
}

/** Resolves what the portal's repository knows about a commit (or a ref's head), when it is there. */
export async function describePortalCommit(slug: string, revision: string): Promise<{ sha: string; message: string; author: string } | null> {
  if (!(await portalRepositoryExists(slug))) return null;
  const r = await runGit(["--git-dir", portalRepositoryPath(slug), "log", "-1", "--format=%H%x00%an <%ae>%x00%B", revision, "--"], { allowFailure: true });
  if (r.code !== 0) return null;
  const [sha = "", author = "", ...message] = r.stdout.split("\u0000");
  return { sha: sha.trim(), author, message: message.join("\u0000").trim() };
}

/** "Run" by hand (`ci.run.start`): one run of a service's pipeline for a branch or tag, at its head or a given commit. */
export async function startRun(ctx: Ctx, raw: TStartRun): Promise<{ id: string; number: number }> {
  const input = parseInput(ZStartRun, raw);
  const project = await findRunProject({ slug: input.projectSlug });
  if (!project) throw new AppError("NOT_FOUND", `There is no project "${input.projectSlug}".`);
  authorize(ctx, "ci.run.start", projectResource(project.id));
  const prefix = input.refKind === "tag" ? "refs/tags/" : "refs/heads/";
  const described = await describePortalCommit(project.slug, input.commit ?? `${prefix}${input.branch}`);
  if (input.commit && described && described.sha !== input.commit) throw new AppError("NOT_FOUND", `The commit ${input.commit} is not in the repository.`);
  return db().$transaction((tx) =>
    createRunInTx(tx, ctx, project, {
      service: input.service,
      ref: input.branch,
      refKind: input.refKind,
      commit: described?.sha ?? input.commit ?? "",
      message: described?.message ?? "",
      author: described?.author ?? "",
      trigger: "manual",
      extraParams: input.params,
      requestedById: ctx.actor.kind === "user" ? ctx.actor.id : null,
    }),
  );
}

/** Runs for each service of a project at one ref (push and webhook triggers); nothing when the branch policy has no rule for the ref. */
export async function startRunsForRef(
  ctx: Ctx,
  projectId: string,
  ref: { kind: "branch" | "tag"; name: string; commit: string; message: string; author: string },
  trigger: "push" | "webhook",
): Promise<{ id: string }[]> {
  const project = await findRunProject({ id: projectId });
  if (!project || !refRuns(project, ref)) return [];
  return db().$transaction(async (tx) => {
    const out: { id: string }[] = [];
    for (const s of project.services) {
      out.push(
        await createRunInTx(tx, ctx, project, {
          service: s.slug,
          ref: ref.name,
          refKind: ref.kind,
          commit: ref.commit,
          message: ref.message,
          author: ref.author,
          trigger,
          requestedById: ctx.actor.kind === "user" ? ctx.actor.id : null,
        }),
      );
    }
    return out;
  });
}

const ZRunId = z.object({ runId: z.string().min(1).max(40) }).strict();
const TERMINAL = ["succeeded", "failed", "cancelled"] as const;

async function runForAction(ctx: Ctx, runId: string, action: "ci.run.cancel" | "ci.run.start") {
  const run = await db().ciRun.findUnique({ where: { id: runId }, include: { project: { select: PROJECT_SELECT } } });
  if (!run || !scopeAllows(ctx, run.projectId)) throw new AppError("NOT_FOUND", "This run does not exist.");
  authorize(ctx, action, projectResource(run.projectId));
  return run;
}

function scopeAllows(ctx: Ctx, projectId: string) {
  const scope = scopeOf(ctx.actor, "ci.pipeline.read");
  return scope.all || scope.projectIds.includes(projectId);
}

/** Cancels a run (`ci.run.cancel`): a run without a PipelineRun ends at once, else the job sets spec.status Cancelled. */
export async function cancelRun(ctx: Ctx, raw: z.input<typeof ZRunId>): Promise<{ id: string; status: string }> {
  const { runId } = parseInput(ZRunId, raw);
  const run = await runForAction(ctx, runId, "ci.run.cancel");
  if ((TERMINAL as readonly string[]).includes(run.status)) return { id: run.id, status: run.status };
  const reason = `Cancelled by ${ctx.actor.kind === "user" ? ctx.actor.email : "Wharf"}`;
  return db().$transaction(async (tx) => {
    // A run not started on the cluster ends at once, unless the worker started it since it was read (then it is asked to stop).
    const noPipelineRun =
      run.status === "queued" &&
      !run.pipelineRunName &&
      (
        await tx.ciRun.updateMany({
          where: { id: run.id, status: "queued", pipelineRunName: "" },
          data: { status: "cancelled", reason, cancelRequested: true, finishedAt: new Date() },
        })
      ).count === 1;
    const updated = noPipelineRun
      ? { id: run.id, status: "cancelled" }
      : await tx.ciRun.update({ where: { id: run.id }, data: { cancelRequested: true, reason }, select: { id: true, status: true } });
    // Open run pages show the cancellation (or the request for it) at once.
    await announceRun(tx, run.id, updated.status);
    await recordAudit(tx, ctx, {
      action: "ci.run.cancel",
      target: { type: "ci_run", id: run.id, label: `${run.project.slug}/${run.service} ${run.ref}` },
      projectId: run.projectId,
      before: { status: run.status },
      after: { status: updated.status, cancelRequested: true },
    });
    if (!noPipelineRun) await enqueue(ciCancelRunTask, { runId: run.id }, { queue: projectQueue(run.projectId), jobKey: `ci-cancel-${run.id}` }, tx);
    return updated;
  });
}

/** Runs a finished run again (`ci.run.start`): same service, ref, commit and params, as a new run. */
export async function rerunRun(ctx: Ctx, raw: z.input<typeof ZRunId>): Promise<{ id: string; number: number }> {
  const { runId } = parseInput(ZRunId, raw);
  const run = await runForAction(ctx, runId, "ci.run.start");
  const params = z.record(z.string(), z.string()).catch({}).parse(run.params);
  const extraParams = Object.fromEntries(Object.entries(params).filter(([k]) => !DERIVED_PARAMS.has(k)));
  return db().$transaction((tx) =>
    createRunInTx(tx, ctx, run.project, {
      service: run.service,
      ref: run.ref,
      refKind: run.refKind === "tag" ? "tag" : "branch",
      commit: run.commitSha,
      message: run.message,
      author: run.author,
      trigger: "manual",
      extraParams,
      requestedById: ctx.actor.kind === "user" ? ctx.actor.id : null,
      rerunOfId: run.id,
    }),
  );
}

/** One run with its tasks and steps (logs included), for whoever may read the project's pipelines. */
export async function getCiRun(ctx: Ctx, runId: string) {
  const run = await db().ciRun.findUnique({
    where: { id: runId },
    include: { tasks: { orderBy: { startedAt: "asc" }, include: { steps: { orderBy: { position: "asc" } } } } },
  });
  if (!run || !scopeAllows(ctx, run.projectId)) throw new AppError("NOT_FOUND", "This run does not exist.");
  authorize(ctx, "ci.pipeline.read", projectResource(run.projectId));
  return run;
}

/** A project's runs, newest first. */
export async function listCiRuns(ctx: Ctx, projectId: string, opts: { take?: number } = {}) {
  authorize(ctx, "ci.pipeline.read", projectResource(projectId));
  return db().ciRun.findMany({ where: { projectId }, orderBy: { createdAt: "desc" }, take: Math.min(opts.take ?? 50, 200) });
}
