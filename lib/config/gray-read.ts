/**
 * What the gray release editor shows: the main release it changes, the active
 * gray (rule, changes), the instances a rule selects right now, and every
 * gray release of the working copy with its releases (its history).
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { parseInput } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { can } from "@/lib/access/policy";
import { describeRule, matchesRule, ZGrayRule, type TGrayRule } from "./gray-rule";
import { grayChangesOf, grayRuleOf } from "./gray";
import { latestMainRelease } from "./publish";
import { listConfigInstances } from "./read";
import { actionFor, findSet, maskEntries, resolveRef, snapshotOf } from "./store";
import { ZSetRef } from "./schemas";

/** The gray release editor's data for one working copy. */
export async function getGrayEditor(ctx: Ctx, raw: z.input<typeof ZSetRef>) {
  const input = parseInput(ZSetRef, raw);
  const ref = await resolveRef(input);
  authorize(ctx, actionFor(ref, "read"), ref.resource);
  const set = await findSet(ref);
  const main = set ? await latestMainRelease(db(), set.id) : null;
  const grays = set
    ? await db().configGray.findMany({
        where: { setId: set.id },
        orderBy: { createdAt: "desc" },
        take: 50,
        include: { releases: { orderBy: { number: "asc" }, select: { id: true, number: true, comment: true, createdAt: true, authorId: true } } },
      })
    : [];
  const authorIds = new Set<string>();
  for (const g of grays) {
    if (g.authorId) authorIds.add(g.authorId);
    for (const r of g.releases) if (r.authorId) authorIds.add(r.authorId);
  }
  if (main?.authorId) authorIds.add(main.authorId);
  const users = await db().user.findMany({ where: { id: { in: [...authorIds] } }, select: { id: true, name: true } });
  const nameOf = (id: string | null) => users.find((u) => u.id === id)?.name ?? "Wharf";
  const history = grays.map((g) => {
    const rule = grayRuleOf(g);
    const changes = grayChangesOf(g);
    return {
      id: g.id,
      status: g.status as "active" | "merged" | "abandoned",
      version: g.version,
      rule,
      description: describeRule(rule),
      changes: { set: maskEntries(changes.set), delete: changes.delete },
      author: nameOf(g.authorId),
      startedAt: g.createdAt,
      endedAt: g.endedAt,
      releases: g.releases.map((r) => ({ id: r.id, number: r.number, comment: r.comment, at: r.createdAt, author: nameOf(r.authorId) })),
    };
  });
  return {
    appId: ref.appId,
    namespace: { id: ref.namespace.id, name: ref.namespace.name, format: ref.namespace.format },
    environment: ref.environment,
    cluster: ref.cluster,
    main: main
      ? { id: main.id, number: main.number, comment: main.comment, at: main.createdAt, author: nameOf(main.authorId), entries: maskEntries(snapshotOf(main)) }
      : null,
    active: history.find((g) => g.status === "active") ?? null,
    history,
    instances: await listConfigInstances(ctx, input),
    rights: { publish: can(ctx.actor, actionFor(ref, "publish"), ref.resource) },
  };
}

export type GrayEditor = Awaited<ReturnType<typeof getGrayEditor>>;

export const ZRulePreview = ZSetRef.extend({
  /** A rule being edited; its incomplete parts (no label, pod, IP or share yet) select nobody. */
  rule: ZGrayRule.optional(),
});

/**
 * The instances of a working copy (as listConfigInstances) with, for a rule
 * being edited, whether it selects each one now: what the rule editor and the
 * instances page poll.
 */
export async function previewInstances(ctx: Ctx, raw: z.input<typeof ZRulePreview> | Record<string, unknown>) {
  const { rule, ...ref } = parseInput(ZRulePreview, raw);
  const list = await listConfigInstances(ctx, ref);
  const selects = (i: (typeof list.instances)[number]) =>
    rule ? matchesRule(rule as TGrayRule, { ip: i.ip, pod: i.pod || undefined, labels: i.labels }) : false;
  const instances = list.instances.map((i) => ({ ...i, matchesRule: selects(i) }));
  return { ...list, instances, matching: instances.filter((i) => i.matchesRule).length };
}

export type InstancesPreview = Awaited<ReturnType<typeof previewInstances>>;
