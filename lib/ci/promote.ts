/**
 * GitFlow promotion: when a CI run ends (succeeded or failed; a cancelled run
 * promotes nothing), the project's branch policy says where its image goes:
 * `deploy` environments get a release of the run's service with the image
 * the run pushed (pinned by its digest, linked back by `Release.ciRunId`),
 * `ticket` environments (production) get the release that waits for an
 * approved deploy ticket. The quality gates (tests pass, coverage at least
 * the project's threshold) stop promotion with the reason.
 *
 * Each environment of a run has one `CiPromotion` row: released / ticket_opened
 * (with the release), blocked (a gate, or the run failed), failed (nowhere to
 * deploy, or the service deploys another repository than CI pushed to) or
 * pending (another release holds the environment: the `ci_promote` job comes
 * back with backoff until it is free, so a promotion is never lost). A person
 * may re-evaluate a blocked, failed or pending promotion (`ci.promotion.retry`):
 * the gates are read again, so a lowered threshold lets the image through.
 * Every evaluation that changes a promotion is audited with the run and commit;
 * the run's requester hears of blocks, failures and opened tickets.
 */
import { z } from "zod";
import { can, projectResource, scopeOf } from "@/lib/access/policy";
import { loadActor } from "@/lib/access/actor";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { db, type Tx } from "@/lib/db/client";
import type { CiPromotion, CiRun } from "@/lib/db/generated/client";
import { tagOfImage } from "@/lib/deploy/image";
import { ACTIVE_RELEASE, releaseCiImage, ReleaseBusyError } from "@/lib/deploy/releases";
import { currentImageRepository } from "@/lib/deploy/specs";
import type { EnvKind } from "@/lib/deploy/spec";
import { AppError, isAppError, parseInput } from "@/lib/errors";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { childLogger } from "@/lib/log";
import { notify } from "@/lib/notifications";
import { runPath } from "./built-by";
import { CI_CHANNEL } from "./step-log";
import { ciSettingsOf, ruleFor, type TCiSettings } from "./settings";

const log = childLogger("ci-promote");

/** What a promotion can be; the first two are final, the next two wait for a person, pending for the environment. */
export const PROMOTION_STATUSES = ["released", "ticket_opened", "blocked", "failed", "pending"] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];
/** The statuses a person may re-evaluate. */
export const RETRYABLE: readonly PromotionStatus[] = ["blocked", "failed", "pending"];

/** The longest wait between two looks at an environment another release holds. */
const MAX_BACKOFF_MS = 60_000;

type RunForPromotion = CiRun & { project: { id: string; slug: string; teamId: string; ownerId: string; ciSettings: { settings: unknown } | null } };

interface Outcome {
  status: PromotionStatus;
  reason: string;
  releaseId?: string | null;
}

/** Why the quality gates (or the run itself) stop promotion, in words; null when they let it through. */
export function gateVerdict(run: Pick<CiRun, "status" | "reason" | "testsPassed" | "testsFailed" | "coverage">, gates: TCiSettings["gates"]): string | null {
  if (run.status === "failed") return `The run failed: ${run.reason || "a task failed"}`.slice(0, 1_000);
  if (gates.testsPass) {
    if (run.testsFailed == null && run.testsPassed == null) return "The run reported no test results";
    if ((run.testsFailed ?? 0) > 0) return `${run.testsFailed} test${run.testsFailed === 1 ? "" : "s"} failed`;
  }
  if (gates.coverage > 0) {
    if (run.coverage == null) return "The run reported no coverage";
    if (run.coverage < gates.coverage) return `Coverage ${run.coverage.toFixed(1)}% is below the project's threshold of ${gates.coverage}%`;
  }
  return null;
}

/** The repository an image reference names (`host:5000/team/app:tag@sha256:…` → `host:5000/team/app`). */
function repositoryOf(image: string) {
  const at = image.indexOf("@");
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? ref.slice(0, colon) : ref;
}

function loadRun(runId: string): Promise<RunForPromotion | null> {
  return db().ciRun.findUnique({
    where: { id: runId },
    include: { project: { select: { id: true, slug: true, teamId: true, ownerId: true, ciSettings: { select: { settings: true } } } } },
  });
}

/** The environments the branch policy promotes this run to, and how (a release, or a production ticket). */
function targetsOf(run: Pick<RunForPromotion, "refKind" | "ref">, settings: TCiSettings): { environment: EnvKind; action: "deploy" | "ticket" }[] {
  const rule = ruleFor(settings.branchPolicy, { kind: run.refKind === "tag" ? "tag" : "branch", name: run.ref });
  if (!rule) return [];
  return [
    ...rule.deploy.map((environment) => ({ environment, action: "deploy" as const })),
    ...rule.ticket.filter((e) => !rule.deploy.includes(e)).map((environment) => ({ environment, action: "ticket" as const })),
  ];
}

/**
 * Records what an evaluation found, in the caller's transaction: the row (only if nobody evaluated it meanwhile:
 * a release made alongside is then rolled back), its audit record when something changed or a person asked,
 * and the requester's notification for blocks, failures and opened tickets.
 */
async function record(tx: Tx, ctx: Ctx, run: RunForPromotion, promotion: CiPromotion, outcome: Outcome) {
  const reason = outcome.reason.slice(0, 2_000);
  const n = await tx.ciPromotion.updateMany({
    where: { id: promotion.id, status: promotion.status, attempts: promotion.attempts },
    data: { status: outcome.status, reason, releaseId: outcome.releaseId ?? promotion.releaseId, attempts: { increment: 1 } },
  });
  if (!n.count) throw new AppError("CONFLICT", "This promotion was just evaluated again: reload to see where it stands.");
  // Open run pages read the run again (their promotions card).
  await tx.$executeRaw`select pg_notify(${CI_CHANNEL}, ${JSON.stringify({ kind: "tasks", runId: run.id })})`;
  const changed = promotion.status !== outcome.status || promotion.reason !== reason || promotion.attempts === 0;
  if (!changed && ctx.actor.kind !== "user") return;
  await recordAudit(tx, ctx, {
    action: `ci.promotion.${outcome.status}`,
    target: { type: "ci_promotion", id: promotion.id, label: `${run.project.slug} run #${run.number} (${run.service}) → ${promotion.environment}` },
    projectId: run.projectId,
    before: promotion.attempts === 0 ? undefined : { status: promotion.status, reason: promotion.reason },
    after: {
      status: outcome.status,
      reason,
      environment: promotion.environment,
      action: promotion.action,
      releaseId: outcome.releaseId ?? undefined,
      onBehalfOf: { run: run.id, number: run.number, service: run.service, ref: run.ref, refKind: run.refKind, commit: run.commitSha },
    },
  });
  if (!changed || !run.requestedById) return;
  const title =
    outcome.status === "blocked" || outcome.status === "failed"
      ? `Run #${run.number} of ${run.project.slug}/${run.service} was not promoted to ${promotion.environment}`
      : outcome.status === "ticket_opened"
        ? `Run #${run.number} of ${run.project.slug}/${run.service} waits for approval to ${promotion.environment}`
        : null;
  if (title) await notify(tx, { userIds: [run.requestedById], title, body: reason, link: runPath(run.project.slug, run.number) });
}

/** Evaluates one promotion: the gates, where to deploy, whether the environment is free; then releases or records why not. */
async function evaluate(ctx: Ctx, run: RunForPromotion, settings: TCiSettings, promotion: CiPromotion): Promise<Outcome> {
  const save = async (outcome: Outcome) => {
    await db().$transaction((tx) => record(tx, ctx, run, promotion, outcome));
    return outcome;
  };
  const blocked = gateVerdict(run, settings.gates);
  if (blocked) return save({ status: "blocked", reason: blocked });
  if (!run.imageUrl) return save({ status: "failed", reason: "The run pushed no image: its branch policy rule must build and push to deploy" });

  const service = await db().service.findUnique({ where: { projectId_slug: { projectId: run.projectId, slug: run.service } }, select: { id: true } });
  if (!service) return save({ status: "failed", reason: `The project no longer has the service ${run.service}` });
  const environment = await db().environment.findUnique({
    where: { projectId_kind: { projectId: run.projectId, kind: promotion.environment } },
    select: { _count: { select: { clusters: true } } },
  });
  if (!environment) return save({ status: "failed", reason: `The project has no ${promotion.environment} environment` });
  if (!environment._count.clusters) return save({ status: "failed", reason: `The project's ${promotion.environment} environment has no clusters` });
  // The release deploys the service's repository with the run's tag: another repository would deploy an image CI never built.
  // CI pushes to the service's repository (lib/ci/runs.ts); a spec changed since the run started would deploy the
  // run's tag from another repository, an image CI never built: refused, with what to do.
  const repository = await currentImageRepository(service.id);
  const pushedTo = repositoryOf(run.imageUrl);
  if (repository !== pushedTo) {
    return save({
      status: "failed",
      reason: `${run.service} now deploys images from ${repository}, but the run pushed to ${pushedTo}: run the pipeline again, or set the service's image repository back to ${pushedTo}`,
    });
  }

  const active = await db().release.findFirst({
    where: { serviceId: service.id, environment: promotion.environment, status: { in: [...ACTIVE_RELEASE] } },
    orderBy: { number: "desc" },
  });
  const waiting = (a: { number: number; status: string }): Outcome => ({
    status: "pending",
    reason:
      a.status === "pending_approval"
        ? `Waiting for release #${a.number} of ${run.service} to ${promotion.environment}, which waits for approval`
        : `Waiting for release #${a.number} of ${run.service} to ${promotion.environment} to finish`,
  });
  if (active) return save(waiting(active));

  const releaseCtx = ctx.actor.kind === "user" ? ctx : await onBehalfOf(run, ctx);
  const digest = /^sha256:[0-9a-f]{64}$/.test(run.imageDigest) ? run.imageDigest : undefined;
  try {
    let outcome: Outcome | undefined;
    await releaseCiImage(releaseCtx, {
      serviceId: service.id,
      environment: promotion.environment,
      tag: tagOfImage(run.imageUrl),
      digest,
      ciRunId: run.id,
      inTx: async (tx, release) => {
        outcome =
          release.status === "pending_approval"
            ? {
                status: "ticket_opened",
                reason: `Release #${release.number} waits for approval: deploy ticket #${release.ticketNumber}`,
                releaseId: release.id,
              }
            : { status: "released", reason: `Release #${release.number} of ${run.service} to ${promotion.environment}`, releaseId: release.id };
        await record(tx, ctx, run, promotion, outcome);
      },
    });
    return outcome!;
  } catch (e) {
    if (e instanceof ReleaseBusyError) return save(waiting(e.active));
    if (isAppError(e) && e.code === "CONFLICT") throw e;
    if (isAppError(e) && e.code !== "INTERNAL") return save({ status: "failed", reason: e.userMessage });
    throw e;
  }
}

/**
 * Who a release made by the job is made for: the run's requester (who pushed or ran it), else the project's owner
 * (webhook runs). A release, and a production ticket above all, has a person who asked, who hears how it went; the
 * branch policy authorizes it (deploy.create is not asked), the promotion's audit says the system did it for the run.
 */
async function onBehalfOf(run: RunForPromotion, ctx: Ctx): Promise<Ctx> {
  for (const userId of [run.requestedById, run.project.ownerId]) {
    const actor = userId ? await loadActor(userId) : null;
    if (actor) return { actor, requestId: ctx.requestId };
  }
  return ctx;
}

/**
 * Evaluates a finished run's promotions that are still pending (creating them the first time, from the branch
 * policy); `only` re-evaluates that one promotion whatever it ended as (a retry by hand).
 */
async function promoteRun(ctx: Ctx, runId: string, only?: string): Promise<(Outcome & { id: string; environment: EnvKind })[]> {
  const run = await loadRun(runId);
  if (!run || (run.status !== "succeeded" && run.status !== "failed")) return [];
  const settings = ciSettingsOf(run.project.ciSettings?.settings);
  if (!only) {
    const targets = targetsOf(run, settings);
    if (!targets.length) return [];
    await db().ciPromotion.createMany({ data: targets.map((t) => ({ runId, ...t, status: "pending" })), skipDuplicates: true });
  }
  const rows = await db().ciPromotion.findMany({
    where: only ? { id: only, runId } : { runId, status: "pending" },
    orderBy: { createdAt: "asc" },
  });
  const out: (Outcome & { id: string; environment: EnvKind })[] = [];
  for (const row of rows) out.push({ id: row.id, environment: row.environment, ...(await evaluate(ctx, run, settings, row)) });
  return out;
}

const ZPromotePayload = z.object({ runId: z.string().min(1), attempt: z.number().int().min(0).default(0) });

/** Enqueued by the end of a run (lib/ci/run-tasks.ts finish), in that transaction. */
export const ciPromoteTask = defineTask({
  name: "ci_promote",
  payload: ZPromotePayload,
  description: "Promote a finished CI run's image by the project's branch policy (releases, a production deploy ticket) when its quality gates pass",
  async run({ runId, attempt }) {
    const outcomes = await promoteRun(systemCtx(`ci-run-${runId}`), runId);
    const pending = outcomes.filter((o) => o.status === "pending");
    if (!pending.length) return;
    // An environment another release holds: look again later, backing off, until it is free.
    const delay = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(attempt, 10));
    log.debug({ runId, pending: pending.map((p) => p.environment), delay }, "promotion waits for the environment");
    await enqueue(ciPromoteTask, { runId, attempt: attempt + 1 }, { jobKey: `ci-promote-${runId}`, runAt: new Date(Date.now() + delay), maxAttempts: 25 });
  },
});

/** Enqueues a finished run's promotion in the transaction that ends the run. */
export async function enqueuePromotion(tx: Tx, runId: string) {
  await enqueue(ciPromoteTask, { runId }, { jobKey: `ci-promote-${runId}`, maxAttempts: 25 }, tx);
}

function readable(ctx: Ctx, projectId: string) {
  const scope = scopeOf(ctx.actor, "ci.pipeline.read");
  return scope.all || scope.projectIds.includes(projectId);
}

export const ZRetryPromotion = z.object({ promotionId: z.string().trim().min(1, { message: "Say which promotion to retry" }).max(40) }).strict();

/**
 * Re-evaluates a blocked, failed or pending promotion now (`ci.promotion.retry`), reading the gates, the
 * environment and the service again: a maintainer who lowered the threshold promotes the run's image.
 */
export async function retryPromotion(ctx: Ctx, raw: z.input<typeof ZRetryPromotion>) {
  const { promotionId } = parseInput(ZRetryPromotion, raw);
  const promotion = await db().ciPromotion.findUnique({ where: { id: promotionId }, include: { run: { select: { id: true, projectId: true } } } });
  if (!promotion || !readable(ctx, promotion.run.projectId)) throw new AppError("NOT_FOUND", "This promotion does not exist.");
  authorize(ctx, "ci.promotion.retry", projectResource(promotion.run.projectId));
  if (!RETRYABLE.includes(promotion.status as PromotionStatus)) {
    throw new AppError("PRECONDITION_FAILED", `This promotion is ${promotion.status.replace("_", " ")} already: there is nothing to retry.`);
  }
  const [outcome] = await promoteRun(ctx, promotion.run.id, promotion.id);
  if (!outcome) throw new AppError("PRECONDITION_FAILED", "The run of this promotion has not finished.");
  return outcome;
}

/** What C's run page shows of a run's promotions: where to, how it went and why, the release and its ticket. */
export interface PromotionView {
  id: string;
  environment: EnvKind;
  action: "deploy" | "ticket";
  status: PromotionStatus;
  reason: string;
  attempts: number;
  updatedAt: Date;
  release: { id: string; number: number; status: string; service: string } | null;
  ticket: { id: string; number: number; status: string } | null;
  /** Whether the reader may retry it now (ci.promotion.retry on a blocked, failed or pending promotion). */
  canRetry: boolean;
}

/**
 * A run's promotions for a reader already allowed to read the run (the run page's live state), and whether they are
 * settled: every environment of the run's branch rule has its record and none waits. Until then an open run page
 * keeps listening after the run ends.
 */
export async function promotionsForReader(
  ctx: Ctx,
  run: { id: string; projectId: string; status: string; ref: string; refKind: string; settings: unknown },
): Promise<{ promotions: PromotionView[]; settled: boolean }> {
  const promotions = await listPromotions(run.id, can(ctx.actor, "ci.promotion.retry", projectResource(run.projectId)));
  const expected = run.status === "succeeded" || run.status === "failed" ? targetsOf(run, ciSettingsOf(run.settings)).length : 0;
  const settled = promotions.length >= expected && promotions.every((p) => p.status !== "pending");
  return { promotions, settled };
}

/** A run's promotions (`ci.pipeline.read`), in the order of the branch policy. */
export async function promotionsOfRun(ctx: Ctx, runId: string): Promise<PromotionView[]> {
  const run = await db().ciRun.findUnique({ where: { id: runId }, select: { projectId: true } });
  if (!run || !readable(ctx, run.projectId)) throw new AppError("NOT_FOUND", "This run does not exist.");
  authorize(ctx, "ci.pipeline.read", projectResource(run.projectId));
  return listPromotions(runId, can(ctx.actor, "ci.promotion.retry", projectResource(run.projectId)));
}

/** A run's promotions, not authorized: callers are (promotionsOfRun). */
async function listPromotions(runId: string, mayRetry: boolean): Promise<PromotionView[]> {
  const rows = await db().ciPromotion.findMany({ where: { runId }, orderBy: { createdAt: "asc" } });
  const releaseIds = rows.flatMap((r) => (r.releaseId ? [r.releaseId] : []));
  const releases = releaseIds.length
    ? await db().release.findMany({
        where: { id: { in: releaseIds } },
        select: { id: true, number: true, status: true, ticketId: true, service: { select: { slug: true } } },
      })
    : [];
  const ticketIds = releases.flatMap((r) => (r.ticketId ? [r.ticketId] : []));
  const tickets = ticketIds.length ? await db().ticket.findMany({ where: { id: { in: ticketIds } }, select: { id: true, number: true, status: true } }) : [];
  return rows.map((r) => {
    const release = releases.find((x) => x.id === r.releaseId);
    const ticket = release?.ticketId ? tickets.find((t) => t.id === release.ticketId) : undefined;
    const status = r.status as PromotionStatus;
    return {
      id: r.id,
      environment: r.environment,
      action: r.action === "ticket" ? "ticket" : "deploy",
      status,
      reason: r.reason,
      attempts: r.attempts,
      updatedAt: r.updatedAt,
      release: release ? { id: release.id, number: release.number, status: release.status, service: release.service.slug } : null,
      ticket: ticket ? { id: ticket.id, number: ticket.number, status: ticket.status } : null,
      canRetry: mayRetry && RETRYABLE.includes(status),
    };
  });
}
