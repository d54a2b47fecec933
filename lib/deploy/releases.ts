/**
 * Releases: deploy a service's spec and image to every cluster of an
 * environment (production through an approved ticket), one at a time per
 * service and environment, all clusters at once or one cluster first; roll
 * back by deploying an earlier release again (a new release, as Argo CD and
 * `kubectl rollout undo` do); roll back automatically when the service's
 * policy says so.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { KubernetesObject } from "@kubernetes/client-node";
import { db, type Tx } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { env } from "@/lib/env";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { namespaceName } from "@/lib/provisioning/manifests";
import { createRun } from "@/lib/provisioning/engine";
import { defineRunKind, type RunFinisher, type StepDraft } from "@/lib/provisioning/registry";
import { openTicket } from "@/lib/tickets/engine";
import { toJson } from "@/lib/db/json";
import { notify } from "@/lib/notifications";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { serviceOrThrow, specAtVersion } from "./specs";
import { digestOf } from "./image";
import { objectLabels, renderManifests } from "./render";
import { renderDelivery, type ClusterDeliveryRecord } from "@/lib/config/delivery-values";
import { resolveSpec, type EnvKind, type TAppSpec } from "./spec";

export const ACTIVE_RELEASE = ["pending_approval", "queued", "progressing"] as const;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const ZCreateRelease = z.object({
  serviceId: z.string().min(1),
  environment: z.enum(ENVIRONMENTS),
  tag: z.string().trim().regex(TAG, { message: "Use an image tag: letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'" }),
  strategy: z.enum(["all_at_once", "one_cluster_first"]).default("all_at_once"),
  /** Defaults to the latest saved spec version (0 when none was saved: the initial spec). */
  specVersion: z.number().int().min(0).optional(),
});

export const ZRollback = z.object({ releaseId: z.string().min(1) });

/** Restore one cluster that drifted (changed outside Wharf) to a release that succeeded there. */
export const ZRestore = z.object({
  releaseId: z.string().min(1, { message: "Choose the release to restore" }),
  clusterId: z.string().min(1, { message: "Choose the cluster to restore" }),
});

function applyAttempts() {
  return env().WHARF_RELEASE_APPLY_ATTEMPTS;
}

/** What a release applies on each cluster, as stored on the release (parsed when read, never cast). */
export const ZReleaseTargets = z.array(
  z.object({
    clusterId: z.string(),
    clusterName: z.string(),
    objects: z.array(
      z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) }),
    ),
  }),
);
export type ReleaseTarget = { clusterId: string; clusterName: string; objects: KubernetesObject[] };

/** A stored release's targets; a release whose record no longer parses is an error a person can act on. */
export function releaseTargets(release: { id: string; manifests: unknown }): ReleaseTarget[] {
  const parsed = ZReleaseTargets.safeParse(release.manifests);
  if (!parsed.success)
    throw new AppError("PRECONDITION_FAILED", "This release's record is damaged: its manifests cannot be read.", {
      message: `release ${release.id}: ${parsed.error.message}`,
    });
  return parsed.data as ReleaseTarget[];
}

/** The parts of a release's resolved spec the engine reads. */
const ZReleaseSpec = z.looseObject({
  rollout: z
    .looseObject({ progressDeadlineSeconds: z.number().int().positive().default(600), autoRollback: z.boolean().default(false) })
    .default({ progressDeadlineSeconds: 600, autoRollback: false }),
});
export function releaseSpec(release: { id: string; spec: unknown }) {
  const parsed = ZReleaseSpec.safeParse(release.spec);
  if (!parsed.success)
    throw new AppError("PRECONDITION_FAILED", "This release's record is damaged: its spec cannot be read.", {
      message: `release ${release.id}: ${parsed.error.message}`,
    });
  return parsed.data;
}

type Target = ReleaseTarget;

/** What a release carries of the config center, in words per cluster ("sandbox-east: application #3 (sandbox-east), app.yaml #1"). */
export function configSummary(records: ClusterDeliveryRecord[]): string[] {
  return records.map(
    (r) =>
      `${r.clusterName}: ${r.namespaces
        .map((n) => `${n.name} ${n.releases.map((x) => `#${x.number}${x.cluster === "default" ? "" : ` (${x.cluster})`}`).join("+") || "(no release)"}`)
        .join(", ")}`,
  );
}
/** The deploy ticket type (declared in ./deploy-ticket.ts, which imports this file). */
const deployTicketType = "deploy";

/** Refused because another release of the service holds the environment: a caller that may wait (CI promotion) tells it apart. */
export class ReleaseBusyError extends AppError {
  constructor(
    readonly active: { id: string; number: number; status: string },
    service: string,
    environment: string,
  ) {
    super(
      "PRECONDITION_FAILED",
      active.status === "pending_approval"
        ? `Release #${active.number} of ${service} to ${environment} is waiting for approval: cancel it or wait for the decision.`
        : `Release #${active.number} of ${service} to ${environment} is still ${active.status}: wait until it finishes.`,
    );
  }
}

/** What a new release has been created as, given to `inTx` within its transaction. */
export interface NewReleaseResult {
  id: string;
  number: number;
  status: "pending_approval" | "queued";
  ticketNumber: number | null;
}

async function newRelease(
  ctx: Ctx,
  opts: {
    serviceId: string;
    environment: EnvKind;
    tag: string;
    strategy: "all_at_once" | "one_cluster_first";
    specVersion?: number;
    rollbackOfId?: string;
    /** A restore: the release it re-applies, on `clusterIds` only. */
    restoreOfId?: string;
    clusterIds?: string[];
    automatic?: boolean;
    /**
     * A config publish rolling out (lib/config/delivery.ts): authorized by the publish (config.publish, and in
     * production an approved config ticket or a publisher who decides them), so neither deploy.create nor a
     * second ticket is asked for.
     */
    configReleaseId?: string;
    /**
     * A CI run's image promoted by the project's branch policy (lib/ci/promote.ts): authorized by the policy, as a
     * config release is by its publish, so deploy.create is not asked of whoever pushed; production still waits for
     * an approved ticket.
     */
    ciRunId?: string;
    /** Pins the image by its digest (`repository:tag@sha256:…`): what the run pushed, even if the tag moves later. */
    digest?: string;
    /** Runs in the release's transaction once it is created (the CI promotion records itself with the release). */
    inTx?: (tx: Tx, release: NewReleaseResult) => Promise<void>;
  },
): Promise<NewReleaseResult> {
  const service = await serviceOrThrow(opts.serviceId);
  const project = service.project;
  if (!opts.automatic && !opts.configReleaseId && !opts.ciRunId) authorize(ctx, "deploy.create", projectResource(project.id));
  if (project.lifecycle !== "active") throw new AppError("PRECONDITION_FAILED", `${project.name} is ${project.lifecycle}: only active projects deploy.`);
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId: project.id, kind: opts.environment } },
    include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } },
  });
  if (!env || env.clusters.length === 0) {
    throw new AppError("INVALID_INPUT", `${project.name} has no ${opts.environment} environment with clusters.`, {
      fieldErrors: { environment: ["Choose an environment the project runs in"] },
    });
  }
  const latest = await db().serviceSpec.findFirst({ where: { serviceId: service.id }, orderBy: { version: "desc" }, select: { version: true } });
  const specVersion = opts.specVersion ?? latest?.version ?? 0;
  const spec: TAppSpec = await specAtVersion(service.id, specVersion);
  const image = `${spec.image.repository}:${opts.tag}${opts.digest ? `@${opts.digest}` : ""}`;
  const id = randomUUID();
  const clusters = env.clusters
    .map((c) => c.cluster)
    .filter((c) => !opts.clusterIds || opts.clusterIds.includes(c.id))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (clusters.length === 0) {
    throw new AppError("INVALID_INPUT", `That cluster no longer runs ${project.slug}'s ${opts.environment} environment.`, {
      fieldErrors: { clusterId: ["Choose a cluster of the environment"] },
    });
  }
  const kind = opts.restoreOfId ? "restore" : opts.rollbackOfId ? "rollback" : "deploy";
  const prod = opts.environment === "prod";
  const resolved = resolveSpec(spec, opts.environment);
  // The config of each cluster, read before the transaction: a rollback or restore brings back what its release carried.
  const pinnedId = opts.rollbackOfId ?? opts.restoreOfId;
  const configs = await renderDelivery({
    service: { id: service.id, slug: service.slug },
    environment: opts.environment,
    namespace: namespaceName(project.slug, opts.environment),
    labels: objectLabels({ project: { slug: project.slug }, service: { slug: service.slug }, environment: opts.environment }),
    clusters: clusters.map((c) => c.name),
    spec: resolved,
    pinnedFrom: pinnedId ? await db().release.findUnique({ where: { id: pinnedId }, select: { config: true } }) : null,
  });
  const configRecords: ClusterDeliveryRecord[] = clusters.flatMap((c) => {
    const r = configs.get(c.name)?.record;
    return r ? [{ clusterName: c.name, ...r }] : [];
  });

  return db().$transaction(async (tx) => {
    // One release at a time per service and environment: the second is refused, never interleaved.
    await tx.$queryRaw`select id from "Service" where id = ${service.id} for update`;
    const active = await tx.release.findFirst({
      where: { serviceId: service.id, environment: opts.environment, status: { in: [...ACTIVE_RELEASE] } },
      orderBy: { number: "desc" },
    });
    if (active) throw new ReleaseBusyError(active, service.slug, opts.environment);
    const number =
      ((await tx.release.aggregate({ where: { serviceId: service.id, environment: opts.environment }, _max: { number: true } }))._max.number ?? 0) + 1;
    const ctxRender = {
      project: { slug: project.slug },
      service: { slug: service.slug, kind: service.kind },
      environment: opts.environment,
      namespace: namespaceName(project.slug, opts.environment),
      image,
      release: { id, number },
    };
    const targets: Target[] = clusters.map((c) => ({
      clusterId: c.id,
      clusterName: c.name,
      objects: renderManifests(spec, { ...ctxRender, config: configs.get(c.name) }),
    }));
    const release = await tx.release.create({
      data: {
        id,
        serviceId: service.id,
        environment: opts.environment,
        number,
        specVersion,
        image,
        tag: opts.tag,
        strategy: opts.strategy,
        status: prod && !opts.automatic && !opts.configReleaseId ? "pending_approval" : "queued",
        spec: toJson(resolved),
        manifests: toJson(targets),
        config: toJson(configRecords),
        configReleaseId: opts.configReleaseId ?? null,
        ciRunId: opts.ciRunId ?? null,
        createdById: ctx.actor.kind === "user" ? ctx.actor.id : null,
        rollbackOfId: opts.rollbackOfId ?? null,
        restoreOfId: opts.restoreOfId ?? null,
        automatic: opts.automatic ?? false,
      },
    });
    await recordAudit(tx, ctx, {
      action: kind === "restore" ? "deploy.restore" : kind === "rollback" ? "deploy.rollback" : "deploy.create",
      target: { type: "release", id, label: `${project.slug}/${service.slug} ${opts.environment} #${number}` },
      projectId: project.id,
      after: {
        image,
        specVersion,
        strategy: opts.strategy,
        environment: opts.environment,
        rollbackOf: opts.rollbackOfId ?? null,
        restoreOf: opts.restoreOfId ?? null,
        clusters: clusters.map((c) => c.name),
        automatic: opts.automatic ?? false,
        ...(configRecords.length ? { config: configSummary(configRecords) } : {}),
        ...(opts.configReleaseId ? { configReleaseId: opts.configReleaseId } : {}),
        ...(opts.ciRunId ? { ciRunId: opts.ciRunId } : {}),
      },
    });
    if (release.status === "pending_approval") {
      const ticket = await openTicket(tx, ctx, {
        type: deployTicketType,
        title:
          kind === "restore"
            ? `Restore ${project.slug}/${service.slug} ${opts.tag} on ${clusters.map((c) => c.name).join(", ")} in prod (release #${number}, drifted)`
            : `Deploy ${project.slug}/${service.slug} ${opts.tag} to prod (release #${number})${kind === "rollback" ? ", a rollback" : ""}`,
        projectId: project.id,
        teamId: (await tx.project.findUnique({ where: { id: project.id }, select: { teamId: true } }))?.teamId,
        payload: {
          releaseId: id,
          service: service.slug,
          environment: opts.environment,
          image,
          specVersion,
          strategy: opts.strategy,
          rollbackOf: opts.rollbackOfId ?? null,
          restoreOf: opts.restoreOfId ?? null,
        },
      });
      await tx.release.update({ where: { id }, data: { ticketId: ticket.id } });
      const result: NewReleaseResult = { id, number, status: "pending_approval", ticketNumber: ticket.number };
      await opts.inTx?.(tx, result);
      return result;
    }
    await startRelease(tx, ctx, id);
    const result: NewReleaseResult = { id, number, status: "queued", ticketNumber: null };
    await opts.inTx?.(tx, result);
    return result;
  });
}

/** A release's steps: per cluster, apply then follow the rollout; with "one cluster first", the others wait for the first's rollout. */
export function releaseDrafts(release: {
  id: string;
  image: string;
  environment: EnvKind;
  strategy: "all_at_once" | "one_cluster_first";
  manifests: unknown;
  spec: unknown;
}): StepDraft[] {
  const releaseId = release.id;
  const targets = releaseTargets(release);
  const spec = releaseSpec(release);
  const drafts: StepDraft[] = [];
  targets.forEach((t, i) => {
    const deployment = t.objects.find((o) => o.kind === "Deployment")!;
    const after = release.strategy === "one_cluster_first" && i > 0 ? [`rollout:${targets[0]!.clusterName}`] : [];
    drafts.push({
      key: `apply:${t.clusterName}`,
      kind: "release-apply",
      title: `Apply ${release.image} on ${t.clusterName}`,
      clusterId: t.clusterId,
      clusterName: t.clusterName,
      environment: release.environment,
      target: `Deployment ${deployment.metadata!.namespace}/${deployment.metadata!.name}`,
      spec: { releaseId, objects: t.objects },
      dependsOn: after,
      maxAttempts: applyAttempts(),
    });
    drafts.push({
      key: `rollout:${t.clusterName}`,
      kind: "release-rollout",
      title: `Rollout on ${t.clusterName}`,
      clusterId: t.clusterId,
      clusterName: t.clusterName,
      environment: release.environment,
      target: `Deployment ${deployment.metadata!.namespace}/${deployment.metadata!.name}`,
      spec: { releaseId, namespace: deployment.metadata!.namespace!, name: deployment.metadata!.name!, deadlineSeconds: spec.rollout.progressDeadlineSeconds },
      dependsOn: [`apply:${t.clusterName}`],
      maxAttempts: applyAttempts(),
    });
  });
  return drafts;
}

/** Queues a release's steps (releaseDrafts) as a run of the provisioning engine. */
export async function startRelease(tx: Tx, ctx: Ctx, releaseId: string) {
  const release = await tx.release.findUniqueOrThrow({ where: { id: releaseId }, include: { service: { select: { projectId: true, slug: true } } } });
  const drafts = releaseDrafts(release);
  const { runId } = await createRun(tx, {
    kind: "release",
    projectId: release.service.projectId,
    ticketId: release.ticketId,
    createdById: ctx.actor.kind === "user" ? ctx.actor.id : null,
    drafts,
  });
  await tx.release.update({ where: { id: releaseId }, data: { runId, status: "queued" } });
  return runId;
}

export async function createRelease(ctx: Ctx, raw: z.input<typeof ZCreateRelease>) {
  const input = parseInput(ZCreateRelease, raw);
  return newRelease(ctx, input);
}

/**
 * Promotes the image a CI run pushed (lib/ci/promote.ts) as a release, pinned by its digest, linked to the run
 * (`Release.ciRunId`); `inTx` records the promotion in the release's transaction. Production opens the deploy ticket.
 */
export async function releaseCiImage(
  ctx: Ctx,
  opts: {
    serviceId: string;
    environment: EnvKind;
    tag: string;
    digest?: string;
    ciRunId: string;
    inTx: (tx: Tx, release: NewReleaseResult) => Promise<void>;
  },
) {
  return newRelease(ctx, { ...opts, strategy: "all_at_once" });
}

/** Deploys what an earlier release deployed (its spec version and image) as a new release. */
export async function rollbackTo(ctx: Ctx, raw: z.input<typeof ZRollback>, opts: { automatic?: boolean } = {}) {
  const { releaseId } = parseInput(ZRollback, raw);
  const target = await db().release.findUnique({ where: { id: releaseId } });
  if (!target) throw new AppError("NOT_FOUND", "This release does not exist (any more).");
  return newRelease(ctx, {
    serviceId: target.serviceId,
    environment: target.environment,
    tag: target.tag,
    strategy: target.strategy,
    specVersion: target.specVersion,
    digest: digestOf(target.image),
    rollbackOfId: target.id,
    automatic: opts.automatic,
  });
}

/**
 * Rolls a config publish out as a release (lib/config/delivery.ts): the image, spec version and strategy of the
 * release that runs, with the config as published now, so "one cluster first" holds for config as for images.
 * Refused like any release while another of the service runs in the environment (the delivery job retries).
 */
export async function deployConfigChange(
  ctx: Ctx,
  opts: {
    serviceId: string;
    environment: EnvKind;
    configReleaseId: string;
    /** The running release; its image keeps its pinned digest (a CI promotion's) when it has one. */
    running: { tag: string; image?: string; specVersion: number; strategy: "all_at_once" | "one_cluster_first" };
  },
) {
  return newRelease(ctx, {
    serviceId: opts.serviceId,
    environment: opts.environment,
    tag: opts.running.tag,
    digest: opts.running.image ? digestOf(opts.running.image) : undefined,
    specVersion: opts.running.specVersion,
    strategy: opts.running.strategy,
    configReleaseId: opts.configReleaseId,
  });
}

/**
 * Re-applies a release that succeeded to one cluster that no longer runs it (changed with kubectl, or
 * deleted), as a new release on that cluster only: audited, refused without deploy.create, and in
 * production through an approved ticket like any release.
 */
export async function restoreOnCluster(ctx: Ctx, raw: z.input<typeof ZRestore>) {
  const { releaseId, clusterId } = parseInput(ZRestore, raw);
  const target = await db().release.findUnique({ where: { id: releaseId } });
  if (!target) throw new AppError("NOT_FOUND", "This release does not exist (any more).");
  if (target.status !== "succeeded") {
    throw new AppError("PRECONDITION_FAILED", `Release #${target.number} ${target.status.replace("_", " ")}: restore a release that succeeded.`);
  }
  return newRelease(ctx, {
    serviceId: target.serviceId,
    environment: target.environment,
    tag: target.tag,
    strategy: "all_at_once",
    specVersion: target.specVersion,
    digest: digestOf(target.image),
    restoreOfId: target.id,
    clusterIds: [clusterId],
  });
}

/** What a release failed of, in one sentence per cluster. */
async function failureReason(tx: Tx, runId: string) {
  const steps = await tx.provisioningStep.findMany({
    where: { runId, status: "failed" },
    include: { cluster: { select: { name: true } } },
    orderBy: { position: "asc" },
  });
  return steps.map((s) => `${s.cluster?.name ?? "?"}: ${s.lastError.replace(/^[^:]+: /, "")}`).join("; ");
}

/** What the end of a release's run means: the release's status, its audit, the deployer told, an automatic rollback queued. */
const finishRelease: RunFinisher = async (tx, run, outcome) => {
  const release = await tx.release.findFirst({
    where: { runId: run.id },
    include: { service: { select: { slug: true, projectId: true, project: { select: { slug: true, teamId: true } } } } },
  });
  if (!release || !["queued", "progressing"].includes(release.status)) return;
  const spec = releaseSpec(release);
  const reason = outcome === "failed" ? await failureReason(tx, run.id) : "";
  // A failed release is rolled back to the last good one when the service's policy says so (never a rollback of a
  // rollback, nor of a restore: that was already a return to a good release, on one cluster).
  const previous =
    outcome === "failed" && spec.rollout?.autoRollback && !release.automatic && !release.restoreOfId
      ? await tx.release.findFirst({
          where: { serviceId: release.serviceId, environment: release.environment, status: "succeeded", number: { lt: release.number } },
          orderBy: { number: "desc" },
        })
      : null;
  const status = outcome === "succeeded" ? "succeeded" : previous ? "rolled_back" : "failed";
  await tx.release.update({ where: { id: release.id }, data: { status, reason, finishedAt: new Date() } });
  await recordAudit(tx, systemCtx(`run-${run.id}`), {
    action: `deploy.${status}`,
    target: { type: "release", id: release.id, label: `${release.service.project.slug}/${release.service.slug} ${release.environment} #${release.number}` },
    projectId: release.service.projectId,
    before: { status: release.status },
    after: { status, reason },
  });
  // A production release's ticket is closed by the tickets module, which tells its requester; others hear it here.
  if (release.createdById && !release.ticketId) {
    await notify(tx, {
      userIds: [release.createdById],
      teamId: release.service.project.teamId,
      title: `Release #${release.number} of ${release.service.slug} to ${release.environment} ${status === "succeeded" ? "succeeded" : status === "rolled_back" ? "failed and is being rolled back" : "failed"}`,
      body: reason || release.image,
      link: `/releases/${release.id}`,
    });
  }
  if (previous) {
    // Queued with this transaction, run after it commits: the service's lock is free by then.
    await enqueue(autoRollbackTask, { failedId: release.id, targetId: previous.id }, { maxAttempts: 3 }, tx);
  }
};

export const releaseRun = defineRunKind({
  kind: "release",
  label: "Release",
  onFinished: finishRelease,
  // A failed step retried by hand puts the release back in progress (its ticket follows through the tickets module).
  async onResumed(tx, run) {
    await tx.release.updateMany({ where: { runId: run.id, status: { in: ["failed"] } }, data: { status: "progressing", finishedAt: null, reason: "" } });
  },
});

export const autoRollbackTask = defineTask({
  name: "auto_rollback",
  description: "Rolls a service back to its last good release after a failed rollout (the service's policy)",
  payload: z.object({ failedId: z.string(), targetId: z.string() }),
  async run({ failedId, targetId }, { jobId, log }) {
    const result = await rollbackTo(systemCtx(`job-${jobId}`), { releaseId: targetId }, { automatic: true });
    log.info({ failedId, rollback: result.number }, "automatic rollback started");
  },
});
