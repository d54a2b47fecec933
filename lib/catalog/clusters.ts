/**
 * The cluster registry. A kubeconfig is parsed and reduced to one context,
 * sealed (AES-256-GCM) before it is stored, and never shown back. It is
 * checked (lib/kube/health.ts: GET /version, who the credentials are, and a
 * SelfSubjectAccessReview per permission the modules declare) at "Test
 * connection", at registration, when it is replaced, on demand and every
 * minute by the worker. Registration refuses credentials the cluster rejects
 * or that lack permissions, and a second registration of one API server.
 */
import { toJson } from "@/lib/db/json";
import { forgetClusterReads } from "@/lib/kube/fanout";
import { AppError, parseInput } from "@/lib/errors";
import { db, type Tx } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { staleVersionError } from "@/lib/db/optimistic";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { clusterResource, platform } from "@/lib/access/policy";
import { env } from "@/lib/env";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import { kubeConfigFromYaml, openKubeconfig, sealAad } from "@/lib/kube/gateway";
import { checkKubeConfig, type ClusterCheckResult } from "@/lib/kube/health";
import { ZMissingPermissions, describeMissing, grantManifest, permissionChecks, summarizeMissing, type MissingPermission } from "@/lib/kube/access";
import { parseKubeconfig, type ParsedKubeconfig } from "@/lib/kube/kubeconfig";
import { registry } from "@/lib/modules";
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
  // A stored list that no longer parses (an older shape) shows as none rather than breaking the page.
  return { ...cluster, missingPermissions: ZMissingPermissions.catch([]).parse(cluster.missingPermissions) };
}

/** Clusters as options for environment pickers: anyone who can edit environments may see names and regions. */
export async function listClusterOptions(ctx: Ctx) {
  authorize(ctx, "catalog.read", platform);
  return db().cluster.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, displayName: true, region: true, tier: true, status: true },
  });
}

/** Everything Wharf needs on every cluster: the permissions the modules declare. */
export function requiredClusterPermissions() {
  return registry().clusterPermissions;
}

/** Every permission Wharf needs, as rows (for docs/clusters.md and the check's refusals). */
export function requiredPermissionRows(): MissingPermission[] {
  return summarizeMissing(permissionChecks(requiredClusterPermissions()));
}

function checkParsed(name: string, parsed: ParsedKubeconfig): Promise<ClusterCheckResult> {
  return checkKubeConfig(name, kubeConfigFromYaml(parsed.minimal), env().WHARF_CLUSTER_TIMEOUT_MS, requiredClusterPermissions());
}

const SERVER_ROWS = { id: true, name: true, kubeconfigEncrypted: true } as const;
type ServerRow = { id: string; name: string; kubeconfigEncrypted: string };

/**
 * Among registered clusters of the same server URL, the one that is the same
 * API server as `parsed` (same certificate authority too), other than
 * `except`; null when there is none.
 */
function sameApiServer(rows: readonly ServerRow[], parsed: ParsedKubeconfig, except: { id?: string; name?: string } = {}): string | null {
  for (const row of rows) {
    if (row.id === except.id || row.name === except.name) continue;
    let ca: string | null;
    try {
      ca = parseKubeconfig(decryptSecret(row.kubeconfigEncrypted, env().WHARF_ENCRYPTION_KEY, sealAad(row.name))).caFingerprint;
    } catch {
      // A stored kubeconfig that no longer opens (key rotated) is compared by its server alone.
      ca = null;
    }
    if (ca === null || ca === parsed.caFingerprint) return row.name;
  }
  return null;
}

function alreadyRegistered(server: string, name: string) {
  const message =
    `This API server is already registered as "${name}" (same server ${server} and certificate authority). ` +
    `Edit "${name}" to replace its kubeconfig instead of registering the cluster twice.`;
  return new AppError("ALREADY_EXISTS", message, { fieldErrors: { kubeconfig: [message] } });
}

/** Takes the transaction's lock on one server URL, so two registrations of one API server cannot both pass the check. */
async function lockServer(tx: Tx, server: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`wharf:cluster-server:${server}`}))`;
}

/**
 * Refuses a kubeconfig Wharf could not work with: credentials the cluster
 * rejects, or an identity without every permission Wharf needs. An
 * unreachable cluster is registered (it says why); its credentials are
 * checked when it answers.
 */
function refuseUnusable(check: ClusterCheckResult) {
  if (check.status === "credentials_rejected") {
    const message = `Not registered: ${check.reason} Use a kubeconfig whose token or client certificate this cluster accepts.`;
    throw new AppError("INVALID_INPUT", message, { fieldErrors: { kubeconfig: [message] } });
  }
  if (check.status === "missing_permissions") {
    const lines = check.missing.map((m) => `• ${describeMissing(m)}: needed for ${m.neededFor.join("; ")}`);
    const message =
      `Not registered: the cluster accepts the credentials${check.identity ? ` (${check.identity})` : ""}, but they may not do everything Wharf needs ` +
      `in every namespace. Missing:\n${lines.join("\n")}\n` +
      "Grant them (Test connection shows a ClusterRole that does; docs/clusters.md has the whole list) and register again.";
    throw new AppError("PRECONDITION_FAILED", message, { fieldErrors: { kubeconfig: [message] } });
  }
}

/**
 * Parses and checks a kubeconfig without saving anything ("Test connection"):
 * reachability, the credentials' identity and permissions, and whether the
 * API server is registered already (under another name than `name`).
 */
export async function testKubeconfig(ctx: Ctx, raw: { kubeconfig: string; context?: string; name?: string }) {
  authorize(ctx, "cluster.register", platform);
  const parsed = parseKubeconfig(raw.kubeconfig, raw.context || undefined);
  const [result, registeredAs] = await Promise.all([
    checkParsed(raw.name || parsed.context, parsed),
    db()
      .cluster.findMany({ where: { apiUrl: parsed.server }, select: SERVER_ROWS })
      .then((rows) => sameApiServer(rows, parsed, { name: raw.name || undefined })),
  ]);
  return {
    ...result,
    server: parsed.server,
    context: parsed.context,
    contexts: parsed.contexts,
    registeredAs,
    /** A ClusterRole (and binding) that grants what is missing, to apply on the cluster. */
    grant: result.missing.length ? grantManifest(result.missing, result.identity, "wharf-missing") : "",
  };
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
  const twin = sameApiServer(await db().cluster.findMany({ where: { apiUrl: parsed.server }, select: SERVER_ROWS }), parsed);
  if (twin) throw alreadyRegistered(parsed.server, twin);
  const check = await checkParsed(input.name, parsed);
  refuseUnusable(check);
  try {
    return await db().$transaction(async (tx) => {
      await lockServer(tx, parsed.server);
      const registered = sameApiServer(await tx.cluster.findMany({ where: { apiUrl: parsed.server }, select: SERVER_ROWS }), parsed);
      if (registered) throw alreadyRegistered(parsed.server, registered);
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
          identity: check.identity,
          missingPermissions: toJson(check.missing),
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
  if (parsed) {
    const twin = sameApiServer(await db().cluster.findMany({ where: { apiUrl: parsed.server }, select: SERVER_ROWS }), parsed, { id: before.id });
    if (twin) throw alreadyRegistered(parsed.server, twin);
  }
  const check = parsed ? await checkParsed(before.name, parsed) : null;
  if (check) refuseUnusable(check);
  const updated = await db().$transaction(async (tx) => {
    if (parsed) {
      await lockServer(tx, parsed.server);
      const twin = sameApiServer(await tx.cluster.findMany({ where: { apiUrl: parsed.server }, select: SERVER_ROWS }), parsed, { id: before.id });
      if (twin) throw alreadyRegistered(parsed.server, twin);
    }
    const { count } = await tx.cluster.updateMany({
      where: { id: input.id, version: input.version },
      data: {
        displayName: input.displayName,
        region: input.region,
        tier: input.tier,
        builds: input.builds,
        prometheusUrl: input.prometheusUrl,
        version: { increment: 1 },
        ...(parsed && check
          ? {
              apiUrl: parsed.server,
              context: parsed.context,
              kubeconfigEncrypted: encryptSecret(parsed.minimal, env().WHARF_ENCRYPTION_KEY, sealAad(before.name)),
              status: check.status,
              statusReason: check.reason,
              kubernetesVersion: check.version,
              identity: check.identity,
              missingPermissions: toJson(check.missing),
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
  if (parsed) forgetClusterReads(updated.id);
  return updated;
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
    const kc = openKubeconfig(row.kubeconfigEncrypted, row.name);
    result = await checkKubeConfig(row.name, kc, env().WHARF_CLUSTER_TIMEOUT_MS, requiredClusterPermissions());
  } catch (e) {
    // A kubeconfig that no longer decrypts (key rotated without re-sealing) is an operator problem, not a crash.
    result = {
      status: "unreachable",
      latencyMs: 0,
      version: "",
      reason: `The stored kubeconfig cannot be opened: ${(e as Error).message}`,
      identity: "",
      missing: [],
    };
  }
  await recordClusterCheck(ctx, row.id, result);
  return result;
}

async function recordClusterCheck(ctx: Ctx, clusterId: string, result: ClusterCheckResult) {
  await db().$transaction(async (tx) => {
    const before = await tx.cluster.findUnique({
      where: { id: clusterId },
      select: { name: true, status: true, statusReason: true, kubernetesVersion: true, identity: true, missingPermissions: true },
    });
    if (!before) return;
    await tx.cluster.update({
      where: { id: clusterId },
      data: {
        status: result.status,
        statusReason: result.reason,
        kubernetesVersion: result.version || before.kubernetesVersion,
        // An unanswered check says nothing about who the credentials are.
        identity: result.status === "unreachable" ? before.identity : result.identity,
        missingPermissions: toJson(result.missing),
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
    // Health checks run every minute: audit the transitions (and a change in what is missing), not every check.
    const missingChanged = JSON.stringify(before.missingPermissions) !== JSON.stringify(result.missing);
    if (before.status !== result.status || (result.status === "missing_permissions" && missingChanged)) {
      await recordAudit(tx, ctx, {
        action: "cluster.status",
        target: { type: "cluster", id: clusterId, label: before.name },
        before: { status: before.status, reason: before.statusReason, missingPermissions: before.missingPermissions },
        after: { status: result.status, reason: result.reason, version: result.version, identity: result.identity, missingPermissions: result.missing },
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
