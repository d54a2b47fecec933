/** Day-2 actions on a running service: a rolling restart, and the chaos action (kill a pod). Cluster work runs as jobs. */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { createRun } from "@/lib/provisioning/engine";
import { namespaceName } from "@/lib/provisioning/manifests";
import { serviceOrThrow } from "./specs";

export const ZRestart = z.object({ serviceId: z.string().min(1), environment: z.enum(ENVIRONMENTS) });
export const ZKillPod = z.object({
  serviceId: z.string().min(1),
  environment: z.enum(ENVIRONMENTS),
  clusterId: z.string().min(1),
  pod: z.string().min(1).max(253),
});

export async function restartService(ctx: Ctx, raw: z.input<typeof ZRestart>) {
  const input = parseInput(ZRestart, raw);
  const service = await serviceOrThrow(input.serviceId);
  authorize(ctx, "workload.restart", projectResource(service.project.id));
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId: service.project.id, kind: input.environment } },
    include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } },
  });
  if (!env?.clusters.length) throw new AppError("INVALID_INPUT", `The project has no ${input.environment} environment with clusters.`);
  const ns = namespaceName(service.project.slug, input.environment);
  const at = new Date().toISOString();
  return db().$transaction(async (tx) => {
    const { runId } = await createRun(tx, {
      kind: "operation",
      projectId: service.project.id,
      createdById: ctx.actor.id,
      drafts: env.clusters.map((c) => ({
        key: `restart:${c.cluster.name}`,
        kind: "workload-restart",
        title: `Restart ${service.slug} on ${c.cluster.name}`,
        clusterId: c.cluster.id,
        clusterName: c.cluster.name,
        environment: input.environment,
        target: `Deployment ${ns}/${service.slug}`,
        spec: { namespace: ns, name: service.slug, at },
        maxAttempts: 3,
      })),
    });
    await recordAudit(tx, ctx, {
      action: "workload.restart",
      target: { type: "service", id: service.id, label: `${service.project.slug}/${service.slug} ${input.environment}` },
      projectId: service.project.id,
      after: { restartedAt: at, runId },
    });
    return { runId };
  });
}

/** The chaos action runs in production only where the project allows it. */
export function chaosAllowedIn(environment: string, project: { allowChaosInProd: boolean }): boolean {
  return environment !== "prod" || project.allowChaosInProd;
}

export async function killPod(ctx: Ctx, raw: z.input<typeof ZKillPod>) {
  const input = parseInput(ZKillPod, raw);
  const service = await serviceOrThrow(input.serviceId);
  authorize(ctx, "workload.chaos", projectResource(service.project.id));
  if (!chaosAllowedIn(input.environment, service.project)) {
    throw new AppError("PRECONDITION_FAILED", "Killing pods in production is off for this project: its owner can allow it in the project's settings.");
  }
  if (!input.pod.startsWith(`${service.slug}-`)) throw new AppError("INVALID_INPUT", `${input.pod} is not a pod of ${service.slug}.`);
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId: service.project.id, kind: input.environment } },
    include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } },
  });
  const cluster = env?.clusters.find((c) => c.cluster.id === input.clusterId)?.cluster;
  if (!cluster) throw new AppError("INVALID_INPUT", "This cluster does not run the environment.");
  const ns = namespaceName(service.project.slug, input.environment);
  return db().$transaction(async (tx) => {
    const { runId } = await createRun(tx, {
      kind: "operation",
      projectId: service.project.id,
      createdById: ctx.actor.id,
      drafts: [
        {
          key: "kill",
          kind: "pod-kill",
          title: `Kill ${input.pod} on ${cluster.name}`,
          clusterId: cluster.id,
          clusterName: cluster.name,
          environment: input.environment,
          target: `Pod ${ns}/${input.pod}`,
          spec: { namespace: ns, pod: input.pod },
          maxAttempts: 2,
        },
      ],
    });
    await recordAudit(tx, ctx, {
      action: "workload.chaos.kill",
      target: { type: "pod", id: `${cluster.name}/${ns}/${input.pod}`, label: `${cluster.name}: ${ns}/${input.pod}` },
      projectId: service.project.id,
      after: { pod: input.pod, cluster: cluster.name, runId },
    });
    return { runId };
  });
}
