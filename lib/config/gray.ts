/**
 * Gray releases: changes (set and delete keys, which Apollo's gray cannot:
 * apolloconfig/apollo#4539) that only the instances a rule selects see. One
 * active gray per working copy; it is released (a gray snapshot of the main
 * release with the changes), widened (rule or changes edited and released
 * again), merged (its changes become the main release and the draft) or
 * abandoned (its instances return to the main release); its history stays.
 */
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { can } from "@/lib/access/policy";
import { PRODUCTION } from "@/lib/catalog/environments";
import { ZGrayRule, describeRule, type TGrayRule } from "./gray-rule";
import { carryOutPublish, createConfigRelease, latestMainRelease, requestPublishTicket, type PublishRequest } from "./publish";
import {
  actionFor,
  announce,
  ensureSet,
  messageKey,
  resolveRef,
  sealValue,
  snapshotOf,
  storedItems,
  toJson,
  type ResolvedRef,
  type StoredEntry,
} from "./store";
import { ZEndGray, ZStartGray, ZUpdateGray, type TGrayChanges, type TSetRef } from "./schemas";

export const ZStoredGrayChanges = z.object({
  set: z.array(z.object({ key: z.string(), value: z.string(), comment: z.string().default(""), secret: z.boolean().default(false) })).default([]),
  delete: z.array(z.string()).default([]),
});
export type StoredGrayChanges = z.infer<typeof ZStoredGrayChanges>;

export function grayRuleOf(gray: { id: string; rule: unknown }): TGrayRule {
  const parsed = ZGrayRule.safeParse(gray.rule);
  if (!parsed.success)
    throw new AppError("PRECONDITION_FAILED", "This gray release's rule is damaged.", { message: `gray ${gray.id}: ${parsed.error.message}` });
  return parsed.data;
}

export function grayChangesOf(gray: { id: string; changes: unknown }): StoredGrayChanges {
  const parsed = ZStoredGrayChanges.safeParse(gray.changes);
  if (!parsed.success)
    throw new AppError("PRECONDITION_FAILED", "This gray release's changes are damaged.", { message: `gray ${gray.id}: ${parsed.error.message}` });
  return parsed.data;
}

/** The main release's entries with the gray's changes: what gray instances get. */
export function applyGray(main: readonly StoredEntry[], changes: StoredGrayChanges): StoredEntry[] {
  const deleted = new Set(changes.delete);
  const set = new Map(changes.set.map((e) => [e.key, e]));
  const out = main.filter((e) => !deleted.has(e.key)).map((e) => set.get(e.key) ?? e);
  for (const e of changes.set) if (!main.some((m) => m.key === e.key)) out.push(e);
  return out;
}

function sealChanges(ref: ResolvedRef, changes: TGrayChanges, main: readonly StoredEntry[]): StoredGrayChanges {
  const missing = changes.delete.filter((k) => !main.some((e) => e.key === k));
  if (missing.length)
    throw new AppError("INVALID_INPUT", `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not in the main release: nothing to delete.`, {
      fieldErrors: { "changes.delete": missing.map((k) => `"${k}" is not in the main release`) },
    });
  const both = changes.set.filter((e) => changes.delete.includes(e.key));
  if (both.length) throw new AppError("INVALID_INPUT", `${both.map((e) => e.key).join(", ")}: a key is either set or deleted.`);
  if (!changes.set.length && !changes.delete.length)
    throw new AppError("INVALID_INPUT", "A gray release changes at least one key.", { fieldErrors: { changes: ["Set or delete at least one key"] } });
  return { set: changes.set.map((e) => ({ ...e, value: e.secret ? sealValue(ref.namespace.id, e.key, e.value) : e.value })), delete: changes.delete };
}

function needsTicket(ctx: Ctx, ref: ResolvedRef) {
  return ref.environment === PRODUCTION && !can(ctx.actor, "ticket.config.decide", ref.resource);
}

async function authorized(ctx: Ctx, ref: TSetRef) {
  const resolved = await resolveRef(ref);
  authorize(ctx, actionFor(resolved, "publish"), resolved.resource);
  return resolved;
}

async function grayWithRef(ctx: Ctx, grayId: string) {
  const gray = await db().configGray.findUnique({ where: { id: grayId }, include: { set: true } });
  if (!gray) throw new AppError("NOT_FOUND", "This gray release does not exist.");
  const ref = await authorized(ctx, {
    namespaceId: gray.set.namespaceId,
    serviceId: gray.set.serviceId,
    environment: gray.set.environment,
    cluster: gray.set.cluster,
  });
  return { gray, ref };
}

/** Starts a gray release and releases it to the instances its rule selects (production: by ops, or through a ticket after the first start — see docs). */
export async function startGray(ctx: Ctx, raw: z.input<typeof ZStartGray>) {
  const input = parseInput(ZStartGray, raw);
  const ref = await authorized(ctx, input);
  if (needsTicket(ctx, ref)) {
    throw new AppError("FORBIDDEN", "A gray release in production is started by ops (it reaches production instances): ask them, or publish through a ticket.");
  }
  return db().$transaction(async (tx) => {
    const set = await ensureSet(tx, ref);
    await tx.$queryRaw`select id from "ConfigSet" where id = ${set.id} for update`;
    const active = await tx.configGray.findFirst({ where: { setId: set.id, status: "active" } });
    if (active) throw new AppError("PRECONDITION_FAILED", "This namespace has a gray release already: widen, merge or abandon it first.");
    const main = await latestMainRelease(tx, set.id);
    if (!main) throw new AppError("PRECONDITION_FAILED", "Publish a main release first: a gray release changes it for some instances.");
    const changes = sealChanges(ref, input.changes, snapshotOf(main));
    const gray = await tx.configGray.create({
      data: { setId: set.id, rule: toJson(input.rule), changes: toJson(changes), authorId: ctx.actor.kind === "user" ? ctx.actor.id : null },
    });
    await recordAudit(tx, ctx, {
      action: "config.gray.start",
      target: { type: "config", id: set.id, label: `${ref.appId} ${ref.environment}/${ref.cluster} ${ref.namespace.name} gray` },
      projectId: ref.service?.projectId ?? null,
      after: { rule: describeRule(input.rule), set: changes.set.map((e) => e.key), delete: changes.delete },
    });
    const release = await createConfigRelease(tx, ctx, ref, set.id, applyGray(snapshotOf(main), changes), { comment: input.comment, grayId: gray.id });
    return { grayId: gray.id, releaseNumber: release.number };
  });
}

/** Widens (or narrows) a gray release: a new rule or changes, released again at once. */
export async function updateGray(ctx: Ctx, raw: z.input<typeof ZUpdateGray>) {
  const input = parseInput(ZUpdateGray, raw);
  const { gray, ref } = await grayWithRef(ctx, input.grayId);
  if (needsTicket(ctx, ref)) throw new AppError("FORBIDDEN", "A gray release in production is changed by ops.");
  return db().$transaction(async (tx) => {
    const { count } = await tx.configGray.updateMany({ where: { id: gray.id, version: input.version, status: "active" }, data: { version: { increment: 1 } } });
    if (!count) throw new AppError("CONFLICT", "This gray release changed (or ended) since you opened it: reload it.");
    const main = await latestMainRelease(tx, gray.setId);
    const changes = input.changes ? sealChanges(ref, input.changes, main ? snapshotOf(main) : []) : grayChangesOf(gray);
    const rule = input.rule ?? grayRuleOf(gray);
    await tx.configGray.update({ where: { id: gray.id }, data: { rule: toJson(rule), changes: toJson(changes) } });
    await recordAudit(tx, ctx, {
      action: "config.gray.update",
      target: { type: "config", id: gray.setId, label: `${ref.appId} ${ref.environment}/${ref.cluster} ${ref.namespace.name} gray` },
      projectId: ref.service?.projectId ?? null,
      before: { rule: describeRule(grayRuleOf(gray)), set: grayChangesOf(gray).set.map((e) => e.key), delete: grayChangesOf(gray).delete },
      after: { rule: describeRule(rule), set: changes.set.map((e) => e.key), delete: changes.delete },
    });
    const release = await createConfigRelease(tx, ctx, ref, gray.setId, applyGray(main ? snapshotOf(main) : [], changes), {
      comment: input.comment || "Gray release changed",
      grayId: gray.id,
    });
    return { grayId: gray.id, releaseNumber: release.number };
  });
}

/** Ends a gray release: its instances return to the main release. */
export async function abandonGray(ctx: Ctx, raw: z.input<typeof ZEndGray>) {
  const input = parseInput(ZEndGray, raw);
  const { gray, ref } = await grayWithRef(ctx, input.grayId);
  return db().$transaction(async (tx) => {
    await endGray(tx, ctx, ref, gray, input.version, "abandoned");
    return { grayId: gray.id, status: "abandoned" as const };
  });
}

async function endGray(tx: Tx, ctx: Ctx, ref: ResolvedRef, gray: { id: string; setId: string }, version: number, status: "abandoned" | "merged") {
  const { count } = await tx.configGray.updateMany({
    where: { id: gray.id, version, status: "active" },
    data: { status, endedAt: new Date(), version: { increment: 1 } },
  });
  if (!count) throw new AppError("CONFLICT", "This gray release changed (or ended) since you opened it: reload it.");
  await recordAudit(tx, ctx, {
    action: `config.gray.${status === "merged" ? "merge" : "abandon"}`,
    target: { type: "config", id: gray.setId, label: `${ref.appId} ${ref.environment}/${ref.cluster} ${ref.namespace.name} gray` },
    projectId: ref.service?.projectId ?? null,
    before: { status: "active" },
    after: { status },
  });
  // Its instances fetch again and get the main release.
  await announce(tx, messageKey(ref.environment, ref.appId, ref.cluster, ref.namespace.name));
}

/**
 * Merges a gray release: its changes become a main release and the draft
 * (production: through the publish ticket, the gray ending when it is
 * approved).
 */
export async function mergeGray(ctx: Ctx, raw: z.input<typeof ZEndGray>) {
  const input = parseInput(ZEndGray, raw);
  const { gray, ref } = await grayWithRef(ctx, input.grayId);
  if (gray.status !== "active") throw new AppError("PRECONDITION_FAILED", `This gray release is ${gray.status}.`);
  const main = await latestMainRelease(db(), gray.setId);
  const entries = applyGray(main ? snapshotOf(main) : [], grayChangesOf(gray));
  const request: PublishRequest = {
    action: "publish",
    ref: { namespaceId: gray.set.namespaceId, serviceId: gray.set.serviceId, environment: gray.set.environment, cluster: gray.set.cluster },
    setId: gray.setId,
    baseReleaseId: main?.id ?? null,
    entries,
    comment: input.comment || `Merge the gray release (${describeRule(grayRuleOf(gray))})`,
    restoredFromId: null,
    mergeGray: { grayId: gray.id, version: input.version },
  };
  if (needsTicket(ctx, ref)) return requestPublishTicket(ctx, ref, request);
  return db().$transaction((tx) => carryOutMerge(tx, ctx, ref, request));
}

/** Publishes a merge's entries as the main release and the draft, and ends the gray. */
export async function carryOutMerge(tx: Tx, ctx: Ctx, ref: ResolvedRef, request: PublishRequest) {
  const merge = request.mergeGray!;
  await endGray(tx, ctx, ref, { id: merge.grayId, setId: request.setId }, merge.version, "merged");
  return carryOutPublish(tx, ctx, ref, request);
}

/** The draft's items, for showing where a gray differs from the working copy. */
export async function draftEntries(setId: string) {
  return storedItems(db(), setId);
}
