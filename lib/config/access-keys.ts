/**
 * Apollo's access keys: a service whose environment has an enabled key is
 * only served to clients that sign their requests with one of its secrets
 * (`Authorization: Apollo <appId>:<HmacSHA1>`, `Timestamp`), and only signed
 * clients get its secret items. As in Apollo: at most five keys per service
 * and environment (so a secret can be rotated: add a key, move the clients,
 * disable the old one), a key is disabled before it is deleted, and the
 * secret is shown once, when it is created. Secrets are sealed at rest like
 * secret items. Changes are announced on CONFIG_ACCESS_CHANNEL so every
 * config-service instance forgets what it cached about the service at once.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { ENVIRONMENTS, type EnvKind } from "@/lib/catalog/environments";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import { appIdOf } from "./store";

/** The Postgres channel an access-key change notifies (payload `<env>+<appId>`); config-service instances LISTEN on it. */
export const CONFIG_ACCESS_CHANNEL = "wharf_config_access";

/** Apollo's limit of keys per app (per service and environment here). */
export const ACCESS_KEY_LIMIT = 5;

export const ZCreateAccessKey = z.object({ serviceId: z.string().min(1), environment: z.enum(ENVIRONMENTS) });
export const ZSetAccessKeyEnabled = z.object({ id: z.string().min(1), enabled: z.boolean() });
export const ZDeleteAccessKey = z.object({ id: z.string().min(1) });

function aad(serviceId: string, environment: string) {
  return `config-access-key:${serviceId}:${environment}`;
}

/** Opens a stored key's secret: for the config service's signature check only. */
export function openAccessKeySecret(key: { serviceId: string; environment: string; secret: string }): string {
  return decryptSecret(key.secret, env().WHARF_ENCRYPTION_KEY, aad(key.serviceId, key.environment));
}

/** Shown instead of a secret once it was created: its last four characters, enough to tell keys apart. */
function masked(secret: string) {
  return `••••${secret.slice(-4)}`;
}

async function serviceOf(serviceId: string) {
  const service = await db().service.findUnique({
    where: { id: serviceId },
    select: { id: true, slug: true, projectId: true, project: { select: { slug: true } } },
  });
  if (!service) throw new AppError("NOT_FOUND", "This service does not exist (any more).");
  return { ...service, appId: appIdOf(service.project.slug, service.slug) };
}

async function announceKeys(tx: Tx, environment: EnvKind, appId: string) {
  await tx.$executeRaw`select pg_notify(${CONFIG_ACCESS_CHANNEL}, ${`${environment}+${appId}`})`;
}

/** A service's access keys per environment, secrets masked (config.read). */
export async function listAccessKeys(ctx: Ctx, serviceId: string) {
  const service = await serviceOf(serviceId);
  authorize(ctx, "config.read", projectResource(service.projectId));
  const keys = await db().configAccessKey.findMany({ where: { serviceId }, orderBy: [{ environment: "asc" }, { createdAt: "asc" }] });
  return keys.map((k) => ({
    id: k.id,
    environment: k.environment,
    enabled: k.enabled,
    createdAt: k.createdAt,
    secret: masked(openAccessKeySecret(k)),
  }));
}

/**
 * Creates an enabled key for a service in an environment and returns its
 * secret, the only time it is shown. Clients without it are refused (401)
 * from then on.
 */
export async function createAccessKey(ctx: Ctx, raw: z.input<typeof ZCreateAccessKey>) {
  const input = parseInput(ZCreateAccessKey, raw);
  const service = await serviceOf(input.serviceId);
  authorize(ctx, "config.namespace.manage", projectResource(service.projectId));
  // Apollo's secrets are 32 hex characters (a UUID without dashes); clients accept any string.
  const secret = randomBytes(16).toString("hex");
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`select id from "Service" where id = ${service.id} for update`;
    const count = await tx.configAccessKey.count({ where: { serviceId: service.id, environment: input.environment } });
    if (count >= ACCESS_KEY_LIMIT)
      throw new AppError(
        "PRECONDITION_FAILED",
        `${service.appId} has ${ACCESS_KEY_LIMIT} access keys in ${input.environment} already: delete a disabled one first.`,
      );
    const key = await tx.configAccessKey.create({
      data: {
        serviceId: service.id,
        environment: input.environment,
        secret: encryptSecret(secret, env().WHARF_ENCRYPTION_KEY, aad(service.id, input.environment)),
      },
    });
    await recordAudit(tx, ctx, {
      action: "config.access_key.create",
      target: { type: "config_access_key", id: key.id, label: `${service.appId} ${input.environment}` },
      projectId: service.projectId,
      after: { environment: input.environment, enabled: true, key: masked(secret) },
    });
    await announceKeys(tx, input.environment, service.appId);
    return { id: key.id, environment: key.environment, enabled: key.enabled, secret };
  });
}

async function keyWithService(ctx: Ctx, id: string) {
  const key = await db().configAccessKey.findUnique({ where: { id } });
  if (!key) throw new AppError("NOT_FOUND", "This access key does not exist (any more).");
  const service = await serviceOf(key.serviceId);
  authorize(ctx, "config.namespace.manage", projectResource(service.projectId));
  return { key, service };
}

/** Enables or disables a key: disabling the last enabled one lets unsigned clients in again (without secret items). */
export async function setAccessKeyEnabled(ctx: Ctx, raw: z.input<typeof ZSetAccessKeyEnabled>) {
  const input = parseInput(ZSetAccessKeyEnabled, raw);
  const { key, service } = await keyWithService(ctx, input.id);
  if (key.enabled === input.enabled) return { id: key.id, enabled: key.enabled };
  return db().$transaction(async (tx) => {
    const { count } = await tx.configAccessKey.updateMany({ where: { id: key.id, enabled: key.enabled }, data: { enabled: input.enabled } });
    if (!count) throw new AppError("CONFLICT", "This access key changed since you opened it: reload it.");
    await recordAudit(tx, ctx, {
      action: input.enabled ? "config.access_key.enable" : "config.access_key.disable",
      target: { type: "config_access_key", id: key.id, label: `${service.appId} ${key.environment}` },
      projectId: service.projectId,
      before: { enabled: key.enabled },
      after: { enabled: input.enabled },
    });
    await announceKeys(tx, key.environment, service.appId);
    return { id: key.id, enabled: input.enabled };
  });
}

/** Deletes a disabled key (an enabled one is disabled first, so no client is cut off by a slip). */
export async function deleteAccessKey(ctx: Ctx, raw: z.input<typeof ZDeleteAccessKey>) {
  const input = parseInput(ZDeleteAccessKey, raw);
  const { key, service } = await keyWithService(ctx, input.id);
  if (key.enabled) throw new AppError("PRECONDITION_FAILED", "Disable this access key before deleting it.");
  return db().$transaction(async (tx) => {
    const { count } = await tx.configAccessKey.deleteMany({ where: { id: key.id, enabled: false } });
    if (!count) throw new AppError("CONFLICT", "This access key changed since you opened it: reload it.");
    await recordAudit(tx, ctx, {
      action: "config.access_key.delete",
      target: { type: "config_access_key", id: key.id, label: `${service.appId} ${key.environment}` },
      projectId: service.projectId,
      before: { environment: key.environment, enabled: false },
    });
    await announceKeys(tx, key.environment, service.appId);
    return { id: key.id };
  });
}

/** The opened secrets of a service's enabled keys in an environment (the config service's check). */
export async function enabledAccessSecrets(serviceId: string, environment: EnvKind): Promise<string[]> {
  const keys = await db().configAccessKey.findMany({ where: { serviceId, environment, enabled: true } });
  return keys.map(openAccessKeySecret);
}
