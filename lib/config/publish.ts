/**
 * Publishing: a draft becomes an immutable release (key, comment, author,
 * time) that clients get, announced to every config-service instance through
 * Postgres NOTIFY in the same transaction. Restoring an earlier release makes
 * a new one. A publish to production goes through a ticket (the diff on it)
 * unless the actor decides such tickets; approval publishes exactly the
 * snapshot the ticket shows, and is refused when someone published since.
 */
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { can } from "@/lib/access/policy";
import { PRODUCTION } from "@/lib/catalog/environments";
import { openTicket, refuseDuplicate } from "@/lib/tickets/engine";
import { diffEntries, summarize } from "./diff";
import { scheduleConfigDelivery } from "./delivery";
import {
  actionFor,
  announce,
  findSet,
  maskEntries,
  messageKey,
  newReleaseKey,
  resolveRef,
  snapshotOf,
  storedItems,
  toJson,
  type ResolvedRef,
  type StoredEntry,
} from "./store";
import { ZPublish, ZRestore, type TSetRef } from "./schemas";

/** The ticket type of production publishes (declared in ./publish-ticket.ts). */
export const CONFIG_PUBLISH_TICKET = "config_publish";

export async function latestMainRelease(client: Tx | ReturnType<typeof db>, setId: string) {
  return client.configRelease.findFirst({ where: { setId, grayId: null }, orderBy: { number: "desc" } });
}

/** Who published a release, for messages. */
async function publishedBy(tx: Tx, release: { authorId: string | null; createdAt: Date }) {
  const user = release.authorId ? await tx.user.findUnique({ where: { id: release.authorId }, select: { name: true } }) : null;
  return `${user?.name ?? "Wharf"} at ${release.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Refuses a publish made against an older release than the latest: someone published meanwhile. */
async function assertBase(tx: Tx, setId: string, baseReleaseId: string | null) {
  const latest = await latestMainRelease(tx, setId);
  if ((latest?.id ?? null) !== baseReleaseId) {
    throw new AppError(
      "CONFLICT",
      latest
        ? `Release #${latest.number} was published by ${await publishedBy(tx, latest)} after you opened this draft. Review the diff again, then publish.`
        : "The release you compared against is gone. Review the diff again, then publish.",
    );
  }
  return latest;
}

/**
 * Creates a release of a working copy with `entries` and announces it. In the
 * caller's transaction. `grayId` marks a gray release.
 */
export async function createConfigRelease(
  tx: Tx,
  ctx: Ctx,
  ref: ResolvedRef,
  setId: string,
  entries: StoredEntry[],
  opts: { comment: string; grayId?: string | null; restoredFromId?: string | null; via?: string },
) {
  await tx.$queryRaw`select id from "ConfigSet" where id = ${setId} for update`;
  const number = ((await tx.configRelease.aggregate({ where: { setId }, _max: { number: true } }))._max.number ?? 0) + 1;
  const release = await tx.configRelease.create({
    data: {
      setId,
      number,
      releaseKey: newReleaseKey(),
      comment: opts.comment,
      configurations: toJson(entries),
      authorId: ctx.actor.kind === "user" ? ctx.actor.id : null,
      grayId: opts.grayId ?? null,
      restoredFromId: opts.restoredFromId ?? null,
    },
  });
  const previous = opts.grayId
    ? null
    : await tx.configRelease.findFirst({ where: { setId, grayId: null, number: { lt: number } }, orderBy: { number: "desc" } });
  const changes = diffEntries(maskEntries(previous ? snapshotOf(previous) : []), maskEntries(entries), (a, b) => a.value === b.value && a.secret === b.secret);
  await recordAudit(tx, ctx, {
    action: opts.grayId ? "config.gray.release" : opts.restoredFromId ? "config.restore" : "config.publish",
    target: { type: "config", id: setId, label: `${ref.appId} ${ref.environment}/${ref.cluster} ${ref.namespace.name} #${number}` },
    projectId: ref.service?.projectId ?? null,
    before: previous ? { release: previous.number, releaseKey: previous.releaseKey } : undefined,
    after: {
      release: number,
      releaseKey: release.releaseKey,
      comment: opts.comment,
      changes: summarize(changes),
      keys: changes.map((c) => `${c.kind} ${c.key}`),
      via: opts.via,
    },
  });
  await announce(tx, messageKey(ref.environment, ref.appId, ref.cluster, ref.namespace.name));
  // Services whose spec mounts this namespace get it in Kubernetes too (a release, or files updated in place).
  if (!opts.grayId) await scheduleConfigDelivery(tx, ref, release.id);
  return release;
}

/** Whether this actor's publish in this environment waits for a ticket. */
function needsTicket(ctx: Ctx, ref: ResolvedRef) {
  return ref.environment === PRODUCTION && !can(ctx.actor, "ticket.config.decide", ref.resource);
}

async function authorizedRef(ctx: Ctx, ref: TSetRef) {
  const resolved = await resolveRef(ref);
  authorize(ctx, actionFor(resolved, "publish"), resolved.resource);
  return resolved;
}

/** Payload of a production publish ticket: exactly what approval publishes. */
export interface PublishRequest {
  action: "publish" | "restore";
  ref: TSetRef;
  setId: string;
  baseReleaseId: string | null;
  entries: StoredEntry[];
  comment: string;
  restoredFromId: string | null;
  /** Set when the publish merges a gray release (which ends when it is published). */
  mergeGray?: { grayId: string; version: number };
}

export async function requestPublishTicket(ctx: Ctx, ref: ResolvedRef, request: PublishRequest) {
  await refuseDuplicate(CONFIG_PUBLISH_TICKET, ref.service?.projectId ?? "", null, (p) => (p as { setId?: string }).setId === request.setId).catch(
    (e: unknown) => {
      if (e instanceof AppError && e.code === "ALREADY_EXISTS")
        throw new AppError("ALREADY_EXISTS", `${e.userMessage.replace("This request", "A publish of this namespace")} Wait for its decision or cancel it.`);
      throw e;
    },
  );
  const project = ref.service ? await db().project.findUnique({ where: { id: ref.service.projectId }, select: { teamId: true } }) : null;
  const ticket = await db().$transaction((tx) =>
    openTicket(tx, ctx, {
      type: CONFIG_PUBLISH_TICKET,
      title: `${request.action === "restore" ? "Restore" : "Publish"} ${ref.namespace.name} of ${ref.appId} in ${ref.environment}${ref.cluster === "default" ? "" : ` (${ref.cluster})`}: ${request.comment}`,
      projectId: ref.service?.projectId ?? null,
      teamId: project?.teamId ?? ref.namespace.teamId,
      payload: request,
    }),
  );
  return { status: "pending_approval" as const, ticketNumber: ticket.number, releaseNumber: null };
}

/** Publishes the draft (or asks for approval in production). */
export async function publishDraft(ctx: Ctx, raw: z.input<typeof ZPublish>) {
  const input = parseInput(ZPublish, raw);
  const ref = await authorizedRef(ctx, input);
  const set = await findSet(ref);
  if (!set) throw new AppError("PRECONDITION_FAILED", "There is nothing to publish: the draft is empty.");
  if (set.draftVersion !== input.draftVersion) throw new AppError("CONFLICT", "The draft changed since you reviewed it. Review the diff again, then publish.");
  const entries = await storedItems(db(), set.id);
  const latest = await latestMainRelease(db(), set.id);
  if ((latest?.id ?? null) !== input.baseReleaseId) await db().$transaction((tx) => assertBase(tx, set.id, input.baseReleaseId));
  if (latest && diffEntries(snapshotOf(latest), entries).length === 0)
    throw new AppError("PRECONDITION_FAILED", "The draft is the same as the latest release: nothing to publish.");
  const request: PublishRequest = {
    action: "publish",
    ref: { ...input },
    setId: set.id,
    baseReleaseId: input.baseReleaseId,
    entries,
    comment: input.comment,
    restoredFromId: null,
  };
  if (needsTicket(ctx, ref)) return requestPublishTicket(ctx, ref, request);
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`select id from "ConfigSet" where id = ${set.id} for update`;
    const fresh = await tx.configSet.findUniqueOrThrow({ where: { id: set.id } });
    if (fresh.draftVersion !== input.draftVersion)
      throw new AppError("CONFLICT", "The draft changed since you reviewed it. Review the diff again, then publish.");
    await assertBase(tx, set.id, input.baseReleaseId);
    const release = await createConfigRelease(tx, ctx, ref, set.id, entries, { comment: input.comment });
    return { status: "published" as const, ticketNumber: null, releaseNumber: release.number, releaseId: release.id };
  });
}

/** Publishes an earlier release's values as a new release (the draft follows), or asks for approval in production. */
export async function restoreRelease(ctx: Ctx, raw: z.input<typeof ZRestore>) {
  const input = parseInput(ZRestore, raw);
  const old = await db().configRelease.findUnique({ where: { id: input.releaseId }, include: { set: true } });
  if (!old) throw new AppError("NOT_FOUND", "This config release does not exist.");
  if (old.grayId) throw new AppError("PRECONDITION_FAILED", "A gray release is not restored; restore a main release.");
  const refInput: TSetRef = { namespaceId: old.set.namespaceId, serviceId: old.set.serviceId, environment: old.set.environment, cluster: old.set.cluster };
  const ref = await authorizedRef(ctx, refInput);
  const latest = await latestMainRelease(db(), old.setId);
  if (latest?.id === old.id) throw new AppError("PRECONDITION_FAILED", `Release #${old.number} is the latest already.`);
  const comment = input.comment || `Restore release #${old.number}`;
  const entries = snapshotOf(old);
  const request: PublishRequest = {
    action: "restore",
    ref: refInput,
    setId: old.setId,
    baseReleaseId: latest?.id ?? null,
    entries,
    comment,
    restoredFromId: old.id,
  };
  if (needsTicket(ctx, ref)) return requestPublishTicket(ctx, ref, request);
  return db().$transaction((tx) => carryOutPublish(tx, ctx, ref, request));
}

/** Publishes a request's snapshot (directly, or when its ticket is approved); the draft becomes the snapshot for a restore or a merge. */
export async function carryOutPublish(tx: Tx, ctx: Ctx, ref: ResolvedRef, request: PublishRequest) {
  await assertBase(tx, request.setId, request.baseReleaseId);
  const via = request.mergeGray ? "merge" : request.action;
  const release = await createConfigRelease(tx, ctx, ref, request.setId, request.entries, {
    comment: request.comment,
    restoredFromId: request.restoredFromId,
    via,
  });
  if (request.action === "restore" || request.mergeGray) {
    // The draft follows a restore, so the next edit starts from what clients have.
    await tx.configItem.deleteMany({ where: { setId: request.setId } });
    await tx.configItem.createMany({
      data: request.entries.map((e, position) => ({ setId: request.setId, key: e.key, value: e.value, comment: e.comment, secret: e.secret, position })),
    });
    await tx.configSet.update({ where: { id: request.setId }, data: { draftVersion: { increment: 1 } } });
  }
  return { status: "published" as const, ticketNumber: null, releaseNumber: release.number, releaseId: release.id };
}
