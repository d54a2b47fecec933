/**
 * Kubernetes delivery of a publish: when a namespace that a service's spec
 * references (`config:` entries) is published, restored or a gray release
 * merged, in an environment where the service runs (a release succeeded
 * there), the change reaches its pods:
 *
 * - `configReload: rollout` (default): a deploy release of the running
 *   image, spec version and strategy with the new config (lib/deploy,
 *   `deployConfigChange`), so it shows in the release history and diff,
 *   rolls back with the release, and "one cluster first" holds.
 * - `configReload: hot`: the stable-named ConfigMap and Secret are rewritten
 *   in place on each cluster by a `config-hot-apply` step (no restart; the
 *   pod template does not change), recorded and retryable like any step.
 *
 * The publish's transaction queues one job per such service and environment
 * (a job exists exactly when the publish commits; a later publish replaces
 * a waiting one); the job retries while another release of the service is
 * running. Services without config entries get config through the Apollo
 * protocol only. Gray releases are for Apollo clients: Kubernetes receives
 * the main release (and a gray once it is merged).
 */
import { z } from "zod";
import { db, type Db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { can, projectResource } from "@/lib/access/policy";
import { loadActor } from "@/lib/access/actor";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import type { EnvKind } from "@/lib/catalog/environments";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { applyObjects } from "@/lib/kube/apply";
import { namespaceName } from "@/lib/provisioning/manifests";
import { createRun } from "@/lib/provisioning/engine";
import { defineRunKind, defineStepKind, type StepDraft } from "@/lib/provisioning/registry";
import { ZConfigRef, CONFIG_RELOAD, type TConfigRef } from "@/lib/templates/wharf-spec";
import { deployConfigChange, releaseTargets } from "@/lib/deploy/releases";
import { objectLabels } from "@/lib/deploy/render";
import { renderDelivery, unsealForApply } from "./delivery-values";
import type { ResolvedRef } from "./store";

/** The parts of a release's stored (resolved) spec that delivery reads; releases from before delivery have none. */
const ZDeliverySpec = z.looseObject({
  config: z.array(ZConfigRef).catch([]).default([]),
  configReload: z.enum(CONFIG_RELOAD).catch("rollout").default("rollout"),
});

function deliverySpec(release: { spec: unknown }) {
  const parsed = ZDeliverySpec.safeParse(release.spec);
  return parsed.success ? parsed.data : { config: [] as TConfigRef[], configReload: "rollout" as const };
}

/** The release that runs a service in an environment: the newest that succeeded. */
async function runningRelease(client: Tx | Db, serviceId: string, environment: EnvKind) {
  return client.release.findFirst({ where: { serviceId, environment, status: "succeeded" }, orderBy: { number: "desc" } });
}

interface Delivery {
  serviceId: string;
  environment: EnvKind;
  mode: "rollout" | "hot";
  ref: TConfigRef;
  running: NonNullable<Awaited<ReturnType<typeof runningRelease>>>;
}

/**
 * The services that receive a namespace in Kubernetes in an environment: for a service's own namespace (or its
 * overrides of a public one) that service, for a public namespace's own values every service linking it; each only
 * where its running release references the namespace.
 */
async function deliveriesOf(
  client: Tx | Db,
  target: { namespaceId: string; namespaceName: string; serviceId: string | null; environment: EnvKind },
): Promise<Delivery[]> {
  const serviceIds = target.serviceId
    ? [target.serviceId]
    : (await client.configLink.findMany({ where: { namespaceId: target.namespaceId }, select: { serviceId: true } })).map((l) => l.serviceId);
  const out: Delivery[] = [];
  for (const serviceId of serviceIds) {
    const running = await runningRelease(client, serviceId, target.environment);
    if (!running) continue;
    const spec = deliverySpec(running);
    const ref = spec.config.find((c) => c.name === target.namespaceName);
    if (ref) out.push({ serviceId, environment: target.environment, mode: spec.configReload, ref, running });
  }
  return out;
}

/** Called by every main release of a working copy (publish, restore, gray merge), in its transaction. */
export async function scheduleConfigDelivery(tx: Tx, ref: ResolvedRef, configReleaseId: string) {
  const deliveries = await deliveriesOf(tx, {
    namespaceId: ref.namespace.id,
    namespaceName: ref.namespace.name,
    serviceId: ref.service?.id ?? null,
    environment: ref.environment,
  });
  for (const d of deliveries) {
    await enqueue(
      deliverConfigTask,
      { serviceId: d.serviceId, environment: d.environment, configReleaseId },
      // A later publish replaces a job still waiting: it carries the newest config anyway.
      { jobKey: `config-delivery:${d.serviceId}:${d.environment}`, maxAttempts: 12 },
      tx,
    );
  }
  return deliveries.length;
}

/** The publisher acts for the delivery (the release says who); Wharf itself when they can no longer sign in. */
async function publisherCtx(authorId: string | null, jobId: string): Promise<Ctx> {
  const actor = authorId ? await loadActor(authorId) : null;
  return actor ? { actor, requestId: `job-${jobId}` } : systemCtx(`job-${jobId}`);
}

/** The step of hot delivery on one cluster: the stable-named ConfigMap and Secret, rewritten from the latest config. */
export const configHotApplyStep = defineStepKind({
  kind: "config-hot-apply",
  label: "Config files",
  needsCluster: true,
  spec: z.object({ serviceId: z.string(), environment: z.enum(ENVIRONMENTS), configReleaseId: z.string() }),
  async run({ serviceId, environment }, { cluster }) {
    const service = await db().service.findUnique({ where: { id: serviceId }, select: { id: true, slug: true, project: { select: { slug: true } } } });
    if (!service) return { skipped: "the service no longer exists" };
    const running = await runningRelease(db(), serviceId, environment);
    const spec = running ? deliverySpec(running) : null;
    if (!spec || spec.configReload !== "hot" || !spec.config.length) return { skipped: "the running release no longer reloads config in place" };
    // Read at apply time: the newest values, and no secret in this step's record.
    const rendered = (
      await renderDelivery({
        service: { id: service.id, slug: service.slug },
        environment,
        namespace: namespaceName(service.project.slug, environment),
        labels: objectLabels({ project: { slug: service.project.slug }, service, environment }),
        clusters: [cluster!.name],
        spec,
      })
    ).get(cluster!.name);
    if (!rendered) return { skipped: "no config" };
    const applied = await applyObjects(cluster!, unsealForApply(rendered.objects));
    return { applied, namespaces: rendered.record.namespaces.map((n) => `${n.name} ${n.releases.map((r) => `#${r.number}`).join("+")}`) };
  },
});

export const configHotRun = defineRunKind({ kind: "config-hot", label: "Config reload" });

async function startHotDelivery(ctx: Ctx, d: Delivery, configRelease: { id: string; number: number }, namespace: string) {
  const service = await db().service.findUniqueOrThrow({
    where: { id: d.serviceId },
    select: { slug: true, projectId: true, project: { select: { slug: true } } },
  });
  const targets = releaseTargets(d.running);
  const k8sNamespace = namespaceName(service.project.slug, d.environment);
  const drafts: StepDraft[] = targets.map((t, i) => ({
    key: `config:${t.clusterName}`,
    kind: configHotApplyStep.kind,
    title: `Update ${service.slug}-config on ${t.clusterName}`,
    clusterId: t.clusterId,
    clusterName: t.clusterName,
    environment: d.environment,
    target: `ConfigMap ${k8sNamespace}/${service.slug}-config`,
    spec: { serviceId: d.serviceId, environment: d.environment, configReleaseId: configRelease.id },
    // One cluster first, as the running release was deployed.
    dependsOn: d.running.strategy === "one_cluster_first" && i > 0 ? [`config:${targets[0]!.clusterName}`] : [],
  }));
  return db().$transaction(async (tx) => {
    const { runId } = await createRun(tx, {
      kind: configHotRun.kind,
      projectId: service.projectId,
      createdById: ctx.actor.kind === "user" ? ctx.actor.id : null,
      drafts,
    });
    await recordAudit(tx, ctx, {
      action: "config.deliver.hot",
      target: { type: "service", id: d.serviceId, label: `${service.project.slug}/${service.slug} ${d.environment}` },
      projectId: service.projectId,
      after: { namespace, configRelease: configRelease.number, clusters: targets.map((t) => t.clusterName), runId },
    });
    return runId;
  });
}

export const deliverConfigTask = defineTask({
  name: "config_delivery",
  description: "Delivers a config publish to the Kubernetes pods of a service that references the namespace (a release, or files updated in place)",
  payload: z.object({ serviceId: z.string(), environment: z.enum(ENVIRONMENTS), configReleaseId: z.string() }),
  async run({ serviceId, environment, configReleaseId }, { jobId, log }) {
    const configRelease = await db().configRelease.findUnique({ where: { id: configReleaseId }, include: { set: { include: { namespace: true } } } });
    if (!configRelease) return;
    const d = (
      await deliveriesOf(db(), {
        namespaceId: configRelease.set.namespaceId,
        namespaceName: configRelease.set.namespace.name,
        serviceId: configRelease.set.serviceId,
        environment,
      })
    ).find((x) => x.serviceId === serviceId);
    if (!d) return; // no longer referenced, or no longer running
    const ctx = await publisherCtx(configRelease.authorId, jobId);
    if (d.mode === "rollout") {
      if (await db().release.findFirst({ where: { serviceId, environment, configReleaseId }, select: { id: true } })) return;
      // Refused while another release of the service runs here: the job is retried with backoff until it can start.
      const release = await deployConfigChange(ctx, {
        serviceId,
        environment,
        configReleaseId,
        running: { tag: d.running.tag, image: d.running.image, specVersion: d.running.specVersion, strategy: d.running.strategy },
      });
      log.info({ serviceId, environment, release: release.number }, "config publish rolls out as a release");
      return;
    }
    const done = await db().provisioningStep.findFirst({
      where: {
        kind: configHotApplyStep.kind,
        AND: [{ spec: { path: ["configReleaseId"], equals: configReleaseId } }, { spec: { path: ["serviceId"], equals: serviceId } }],
      },
      select: { id: true },
    });
    if (done) return;
    const runId = await startHotDelivery(ctx, d, configRelease, configRelease.set.namespace.name);
    log.info({ serviceId, environment, runId }, "config publish updates the files in place");
  },
});

// ---------------------------------------------------------------- for pages

/** How a service receives its config in Kubernetes, per environment where it runs: which namespaces, where, and how a publish reaches the pods. */
export async function getKubernetesDelivery(ctx: Ctx, serviceId: string) {
  const service = await db().service.findUnique({ where: { id: serviceId }, select: { id: true, projectId: true } });
  if (!service) throw new AppError("NOT_FOUND", "This service does not exist (any more).");
  authorize(ctx, "config.read", projectResource(service.projectId));
  const out: { environment: EnvKind; mode: "rollout" | "hot"; releaseNumber: number; config: TConfigRef[] }[] = [];
  for (const environment of ENVIRONMENTS) {
    const running = await runningRelease(db(), serviceId, environment);
    if (!running) continue;
    const spec = deliverySpec(running);
    if (spec.config.length) out.push({ environment, mode: spec.configReload, releaseNumber: running.number, config: spec.config });
  }
  return out;
}

/**
 * Who receives a namespace in Kubernetes: "delivered to Kubernetes by checkout-api/api in rollout mode (dev, prod)".
 * Only services the actor may read are listed.
 */
export async function getNamespaceDelivery(ctx: Ctx, namespaceId: string) {
  const ns = await db().configNamespace.findUnique({ where: { id: namespaceId }, select: { id: true, name: true, serviceId: true } });
  if (!ns) throw new AppError("NOT_FOUND", "This config namespace does not exist (any more).");
  const serviceIds = ns.serviceId
    ? [ns.serviceId]
    : (await db().configLink.findMany({ where: { namespaceId }, select: { serviceId: true } })).map((l) => l.serviceId);
  const services = await db().service.findMany({
    where: { id: { in: serviceIds } },
    select: { id: true, slug: true, projectId: true, project: { select: { slug: true } } },
  });
  const out: { serviceId: string; service: string; environment: EnvKind; mode: "rollout" | "hot"; mountPath: string | null; env: boolean }[] = [];
  for (const s of services) {
    if (!can(ctx.actor, "config.read", projectResource(s.projectId))) continue;
    for (const environment of ENVIRONMENTS) {
      const running = await runningRelease(db(), s.id, environment);
      const spec = running ? deliverySpec(running) : null;
      const ref = spec?.config.find((c) => c.name === ns.name);
      if (spec && ref)
        out.push({
          serviceId: s.id,
          service: `${s.project.slug}/${s.slug}`,
          environment,
          mode: spec.configReload,
          mountPath: ref.mountPath ?? (ref.env ? null : "/etc/config"),
          env: Boolean(ref.env),
        });
    }
  }
  return out;
}

/** What a config release set going in Kubernetes: the releases it rolled out as, and the in-place updates (runs) it made. */
export async function getConfigReleaseDeliveries(ctx: Ctx, configReleaseId: string) {
  const configRelease = await db().configRelease.findUnique({ where: { id: configReleaseId }, select: { id: true } });
  if (!configRelease) throw new AppError("NOT_FOUND", "This config release does not exist.");
  const releases = await db().release.findMany({
    where: { configReleaseId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      number: true,
      environment: true,
      status: true,
      service: { select: { slug: true, projectId: true, project: { select: { slug: true } } } },
    },
  });
  const steps = await db().provisioningStep.findMany({
    where: { kind: configHotApplyStep.kind, spec: { path: ["configReleaseId"], equals: configReleaseId } },
    select: { runId: true, status: true, environment: true, cluster: { select: { name: true } }, run: { select: { projectId: true } } },
  });
  const visible = (projectId: string | null) => projectId !== null && can(ctx.actor, "config.read", projectResource(projectId));
  return {
    releases: releases
      .filter((r) => visible(r.service.projectId))
      .map((r) => ({
        id: r.id,
        number: r.number,
        environment: r.environment,
        status: r.status,
        service: `${r.service.project.slug}/${r.service.slug}`,
        link: `/releases/${r.id}`,
      })),
    hot: steps
      .filter((s) => visible(s.run.projectId))
      .map((s) => ({ runId: s.runId, cluster: s.cluster?.name ?? "", environment: s.environment, status: s.status })),
  };
}
