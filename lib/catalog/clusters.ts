/**
 * The cluster registry. A kubeconfig is parsed and reduced to one context,
 * sealed (AES-256-GCM) before it is stored, and never shown back. Health is
 * checked with GET /version: at registration, on demand, and every minute by
 * the worker.
 */
import { AppError, parseInput } from "@/lib/errors";
import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { staleVersionError } from "@/lib/db/optimistic";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { clusterResource, platform } from "@/lib/access/policy";
import { env } from "@/lib/env";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { checkKubeConfig, kubeConfigFromYaml, openKubeconfig, sealAad, type ClusterCheckResult } from "@/lib/kube/gateway";
import { parseKubeconfig } from "@/lib/kube/kubeconfig";
import { ZRegisterCluster, ZUpdateCluster, type TRegisterCluster, type TUpdateCluster } from "./schemas";
import type { z } from "zod";

/** Checks kept per cluster for its latency history. */
const CHECK_HISTORY = 120;

export async function listClusters(ctx: Ctx) {
  authorize(ctx, "cluster.read", platform);
  const clusters = await db().cluster.findMany({
    orderBy: { name: "asc" },
    include: { _count: { select: { environments: true } } },
  });
  const since = new Date(Date.now() - 60 * 60 * 1000);
  const checks = await db().clusterCheck.findMany({
    where: { at: { gte: since } },
    orderBy: { at: "asc" },
    select: { clusterId: true, at: true, latencyMs: true, status: true },
  });
  return clusters.map((c) => ({ ...c, history: checks.filter((h) => h.clusterId === c.id) }));
}

export type ClusterListItem = Awaited<ReturnType<typeof listClusters>>[number];

/** One cluster with its recent checks and the environments that run on it. */
export async function getCluster(ctx: Ctx, name: string) {
  authorize(ctx, "cluster.read", platform);
  const cluster = await db().cluster.findUnique({
    where: { name },
    include: {
      checks: { orderBy: { at: "desc" }, take: CHECK_HISTORY },
      environments: { include: { environment: { include: { project: { select: { slug: true, name: true } } } } } },
    },
  });
  if (!cluster) throw new AppError("NOT_FOUND", `There is no cluster "${name}".`);
  return cluster;
}

/** Clusters as options for environment pickers: anyone who can edit environments may see names and regions. */
export async function listClusterOptions(ctx: Ctx) {
  authorize(ctx, "catalog.read", platform);
  return db().cluster.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, displayName: true, region: true, tier: true, status: true },
  });
}

/** Parses and checks a kubeconfig without saving anything ("Test connection"). */
export async function testKubeconfig(ctx: Ctx, raw: { kubeconfig: string; context?: string; name?: string }) {
  authorize(ctx, "cluster.register", platform);
  const parsed = parseKubeconfig(raw.kubeconfig, raw.context || undefined);
  const result = await checkKubeConfig(raw.name || parsed.context, kubeConfigFromYaml(parsed.minimal), env().WHARF_CLUSTER_TIMEOUT_MS);
  return { ...result, server: parsed.server, context: parsed.context, contexts: parsed.contexts };
}

export async function registerCluster(ctx: Ctx, raw: z.input<typeof ZRegisterCluster> | TRegisterCluster) {
  authorize(ctx, "cluster.register", platform);
  const input = parseInput(ZRegisterCluster, raw);
  const parsed = parseKubeconfig(input.kubeconfig, input.context || undefined);
  const taken = () =>
    new AppError("ALREADY_EXISTS", `A cluster named "${input.name}" is already registered.`, {
      fieldErrors: { name: [`"${input.name}" is already registered; choose another name`] },
    });
  if (await db().cluster.count({ where: { name: input.name } })) throw taken();
  const check = await checkKubeConfig(input.name, kubeConfigFromYaml(parsed.minimal), env().WHARF_CLUSTER_TIMEOUT_MS);
  try {
    return await db().$transaction(async (tx) => {
      const cluster = await tx.cluster.create({
        data: {
          name: input.name,
          displayName: input.displayName,
          region: input.region,
          tier: input.tier,
          apiUrl: parsed.server,
          context: parsed.context,
          kubeconfigEncrypted: encryptSecret(parsed.minimal, env().WHARF_ENCRYPTION_KEY, sealAad(input.name)),
          status: check.status,
          statusReason: check.reason,
          kubernetesVersion: check.version,
          latencyMs: check.latencyMs,
          lastCheckedAt: new Date(),
          checks: { create: { status: check.status, latencyMs: check.latencyMs, version: check.version, error: check.reason } },
        },
      });
      await recordAudit(tx, ctx, {
        action: "cluster.register",
        target: { type: "cluster", id: cluster.id, label: cluster.name },
        after: cluster,
      });
      return cluster;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
}

export async function updateCluster(ctx: Ctx, raw: z.input<typeof ZUpdateCluster> | TUpdateCluster) {
  const input = parseInput(ZUpdateCluster, raw);
  authorize(ctx, "cluster.update", clusterResource(input.id));
  const before = await db().cluster.findUnique({ where: { id: input.id } });
  if (!before) throw new AppError("NOT_FOUND", "This cluster is no longer registered.");
  const parsed = input.kubeconfig.trim() ? parseKubeconfig(input.kubeconfig, input.context || undefined) : null;
  const check = parsed ? await checkKubeConfig(before.name, kubeConfigFromYaml(parsed.minimal), env().WHARF_CLUSTER_TIMEOUT_MS) : null;
  return db().$transaction(async (tx) => {
    const { count } = await tx.cluster.updateMany({
      where: { id: input.id, version: input.version },
      data: {
        displayName: input.displayName,
        region: input.region,
        tier: input.tier,
        version: { increment: 1 },
        ...(parsed && check
          ? {
              apiUrl: parsed.server,
              context: parsed.context,
              kubeconfigEncrypted: encryptSecret(parsed.minimal, env().WHARF_ENCRYPTION_KEY, sealAad(before.name)),
              status: check.status,
              statusReason: check.reason,
              kubernetesVersion: check.version,
              latencyMs: check.latencyMs,
              lastCheckedAt: new Date(),
            }
          : {}),
      },
    });
    if (count === 0) {
      const current = await tx.cluster.findUnique({ where: { id: input.id }, select: { updatedAt: true } });
      throw await staleVersionError(tx, { type: "cluster", id: input.id, noun: "cluster" }, current);
    }
    const after = await tx.cluster.findUniqueOrThrow({ where: { id: input.id } });
    await recordAudit(tx, ctx, {
      action: parsed ? "cluster.update.kubeconfig" : "cluster.update",
      target: { type: "cluster", id: after.id, label: after.name },
      before,
      after,
    });
    return after;
  });
}

export async function deleteCluster(ctx: Ctx, id: string) {
  authorize(ctx, "cluster.delete", clusterResource(id));
  const cluster = await db().cluster.findUnique({
    where: { id },
    include: { environments: { include: { environment: { include: { project: { select: { slug: true } } } } } } },
  });
  if (!cluster) throw new AppError("NOT_FOUND", "This cluster is no longer registered.");
  if (cluster.environments.length) {
    const users = cluster.environments.map((e) => `${e.environment.project.slug}/${e.environment.kind}`);
    throw new AppError(
      "PRECONDITION_FAILED",
      `${cluster.name} still runs ${users.length} environment(s): ${users.slice(0, 5).join(", ")}${users.length > 5 ? ", ..." : ""}. Move them first.`,
    );
  }
  await db().$transaction(async (tx) => {
    await tx.cluster.delete({ where: { id } });
    const { environments: _unused, ...before } = cluster;
    await recordAudit(tx, ctx, { action: "cluster.delete", target: { type: "cluster", id, label: cluster.name }, before });
  });
}

/** Checks one registered cluster and records the result (status, latency, version, history). */
export async function checkCluster(ctx: Ctx, id: string): Promise<ClusterCheckResult> {
  authorize(ctx, "cluster.check", clusterResource(id));
  const row = await db().cluster.findUnique({ where: { id }, select: { id: true, name: true, kubeconfigEncrypted: true } });
  if (!row) throw new AppError("NOT_FOUND", "This cluster is no longer registered.");
  let result: ClusterCheckResult;
  try {
    result = await checkKubeConfig(row.name, openKubeconfig(row.kubeconfigEncrypted, row.name), env().WHARF_CLUSTER_TIMEOUT_MS);
  } catch (e) {
    // A kubeconfig that no longer decrypts (key rotated without re-sealing) is an operator problem, not a crash.
    result = { status: "unreachable", latencyMs: 0, version: "", reason: `The stored kubeconfig cannot be opened: ${(e as Error).message}` };
  }
  await recordClusterCheck(ctx, row.id, result);
  return result;
}

async function recordClusterCheck(ctx: Ctx, clusterId: string, result: ClusterCheckResult) {
  await db().$transaction(async (tx) => {
    const before = await tx.cluster.findUnique({ where: { id: clusterId }, select: { name: true, status: true, statusReason: true, kubernetesVersion: true } });
    if (!before) return;
    await tx.cluster.update({
      where: { id: clusterId },
      data: {
        status: result.status,
        statusReason: result.reason,
        kubernetesVersion: result.version || before.kubernetesVersion,
        latencyMs: result.latencyMs,
        lastCheckedAt: new Date(),
      },
    });
    await tx.clusterCheck.create({
      data: { clusterId, status: result.status, latencyMs: result.latencyMs, version: result.version, error: result.reason },
    });
    const old = await tx.clusterCheck.findMany({
      where: { clusterId },
      orderBy: { at: "desc" },
      skip: CHECK_HISTORY,
      select: { id: true },
    });
    if (old.length) await tx.clusterCheck.deleteMany({ where: { id: { in: old.map((o) => o.id) } } });
    // Health checks run every minute: audit the transitions, not every check.
    if (before.status !== result.status) {
      await recordAudit(tx, ctx, {
        action: "cluster.status",
        target: { type: "cluster", id: clusterId, label: before.name },
        before: { status: before.status, reason: before.statusReason },
        after: { status: result.status, reason: result.reason, version: result.version },
      });
    }
  });
}

/** Checks every registered cluster in parallel (the periodic job). */
export async function checkAllClusters(ctx: Ctx = systemCtx()) {
  const clusters = await db().cluster.findMany({ select: { id: true, name: true } });
  const results = await Promise.all(clusters.map(async (c) => ({ name: c.name, ...(await checkCluster(ctx, c.id)) })));
  return results;
}
