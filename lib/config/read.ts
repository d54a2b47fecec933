/** Reading the config center for pages: a service's namespaces, a working copy with its diff, releases, grays and instances. */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { can, projectResource, teamResource } from "@/lib/access/policy";
import { ENVIRONMENTS, byEnvironment } from "@/lib/catalog/environments";
import { CONTENT_KEY, propertiesText } from "./formats";
import { diffEntries, summarize } from "./diff";
import { describeRule, matchesRule } from "./gray-rule";
import { grayChangesOf, grayRuleOf } from "./gray";
import { CONFIG_PUBLISH_TICKET, latestMainRelease } from "./publish";
import { ensureApplication } from "./namespaces";
import { actionFor, appIdOf, findSet, maskEntries, resolveRef, snapshotOf, storedItems, PUBLIC_APP, SECRET_MASK } from "./store";
import { ZSetRef, type TSetRef } from "./schemas";
import { namespaceKey } from "./resolve";

/** A service's config: its namespaces (own and linked public ones), the environments and clusters to choose from, and what the actor may do. */
export async function getServiceConfig(ctx: Ctx, serviceId: string) {
  const service = await db().service.findUnique({
    where: { id: serviceId },
    include: {
      project: {
        select: { id: true, slug: true, teamId: true, environments: { include: { clusters: { include: { cluster: { select: { name: true } } } } } } },
      },
      configNamespaces: { orderBy: { name: "asc" } },
      configLinks: { include: { namespace: { include: { team: { select: { slug: true, name: true } } } } } },
    },
  });
  if (!service) throw new AppError("NOT_FOUND", "This service does not exist (any more).");
  const resource = projectResource(service.project.id);
  authorize(ctx, "config.read", resource);
  if (!service.configNamespaces.some((n) => n.name === "application")) service.configNamespaces.unshift(await ensureApplication(service.id));
  const linkedIds = new Set(service.configLinks.map((l) => l.namespaceId));
  const publicOfTeam = await db().configNamespace.findMany({
    where: { teamId: service.project.teamId, serviceId: null },
    orderBy: { name: "asc" },
    select: { id: true, name: true, format: true, comment: true },
  });
  return {
    appId: appIdOf(service.project.slug, service.slug),
    service: { id: service.id, slug: service.slug, projectSlug: service.project.slug },
    environments: byEnvironment(service.project.environments, (e) => e.kind).map((e) => ({
      kind: e.kind,
      clusters: ["default", ...e.clusters.map((c) => c.cluster.name).sort()],
    })),
    namespaces: [
      ...service.configNamespaces.map((n) => ({ id: n.id, name: n.name, format: n.format, comment: n.comment, public: false, team: null as string | null })),
      ...service.configLinks.map((l) => ({
        id: l.namespace.id,
        name: l.namespace.name,
        format: l.namespace.format,
        comment: l.namespace.comment,
        public: true,
        team: l.namespace.team?.name ?? null,
      })),
    ],
    linkable: publicOfTeam.filter((n) => !linkedIds.has(n.id)),
    rights: {
      edit: can(ctx.actor, "config.edit", resource),
      publish: can(ctx.actor, "config.publish", resource),
      manage: can(ctx.actor, "config.namespace.manage", resource),
    },
  };
}

/** A working copy as the editor shows it: items (secrets masked), its text, the diff against the latest release, the gray release, an open publish ticket. */
export async function getWorkingCopy(ctx: Ctx, raw: z.input<typeof ZSetRef>) {
  const input = parseInput(ZSetRef, raw);
  const ref = await resolveRef(input);
  authorize(ctx, actionFor(ref, "read"), ref.resource);
  const set = await findSet(ref);
  const stored = set ? await storedItems(db(), set.id) : [];
  const latest = set ? await latestMainRelease(db(), set.id) : null;
  const released = latest ? snapshotOf(latest) : [];
  const items = maskEntries(stored);
  const changes = diffEntries(released, stored).map((c) => ({
    ...c,
    ...(c.secret ? { before: "before" in c ? SECRET_MASK : undefined, after: "after" in c ? SECRET_MASK : undefined } : {}),
  }));
  const gray = set ? await db().configGray.findFirst({ where: { setId: set.id, status: "active" } }) : null;
  const lastEdit = set
    ? await db().auditEvent.findFirst({
        where: { targetType: "config", targetId: set.id, action: { startsWith: "config.edit" } },
        orderBy: { at: "desc" },
        select: { actorLabel: true, at: true },
      })
    : null;
  const pending = set
    ? await db().ticket.findFirst({
        where: { type: CONFIG_PUBLISH_TICKET, status: "open", payload: { path: ["setId"], equals: set.id } },
        select: { number: true },
      })
    : null;
  const author = latest?.authorId ? await db().user.findUnique({ where: { id: latest.authorId }, select: { name: true } }) : null;
  return {
    ref: input,
    appId: ref.appId,
    namespace: {
      id: ref.namespace.id,
      name: ref.namespace.name,
      format: ref.namespace.format,
      public: ref.public,
      version: ref.namespace.version,
      schema: ref.namespace.jsonSchema,
    },
    setId: set?.id ?? null,
    draftVersion: set?.draftVersion ?? 0,
    items,
    text: ref.namespace.format === "properties" ? propertiesText(items) : (items.find((i) => i.key === CONTENT_KEY)?.value ?? ""),
    latestRelease: latest ? { id: latest.id, number: latest.number, comment: latest.comment, author: author?.name ?? "Wharf", at: latest.createdAt } : null,
    changes,
    summary: summarize(changes),
    lastEdit,
    gray: gray
      ? {
          id: gray.id,
          version: gray.version,
          rule: grayRuleOf(gray),
          description: describeRule(grayRuleOf(gray)),
          changes: { set: maskEntries(grayChangesOf(gray).set), delete: grayChangesOf(gray).delete },
        }
      : null,
    pendingTicket: pending?.number ?? null,
    rights: {
      edit: can(ctx.actor, actionFor(ref, "edit"), ref.resource),
      publish: can(ctx.actor, actionFor(ref, "publish"), ref.resource),
    },
  };
}

export type WorkingCopy = Awaited<ReturnType<typeof getWorkingCopy>>;

/** The releases of a working copy, newest first (main and gray), with their authors. */
export async function listConfigReleases(ctx: Ctx, raw: z.input<typeof ZSetRef>) {
  const input = parseInput(ZSetRef, raw);
  const ref = await resolveRef(input);
  authorize(ctx, actionFor(ref, "read"), ref.resource);
  const set = await findSet(ref);
  if (!set) return [];
  const releases = await db().configRelease.findMany({ where: { setId: set.id }, orderBy: { number: "desc" }, take: 100 });
  const users = await db().user.findMany({
    where: { id: { in: releases.map((r) => r.authorId).filter((x): x is string => Boolean(x)) } },
    select: { id: true, name: true },
  });
  const numberOf = new Map(releases.map((r) => [r.id, r.number]));
  const latestMain = releases.find((r) => !r.grayId);
  return releases.map((r) => ({
    id: r.id,
    number: r.number,
    releaseKey: r.releaseKey,
    comment: r.comment,
    at: r.createdAt,
    author: users.find((u) => u.id === r.authorId)?.name ?? "Wharf",
    gray: Boolean(r.grayId),
    restoredFrom: r.restoredFromId ? (numberOf.get(r.restoredFromId) ?? null) : null,
    latest: r.id === latestMain?.id,
    keys: snapshotOf(r).length,
  }));
}

/** The key-by-key difference between two releases of the same working copy (secrets masked). */
export async function diffConfigReleases(ctx: Ctx, fromId: string, toId: string) {
  const [a, b] = await Promise.all([
    db().configRelease.findUnique({ where: { id: fromId }, include: { set: true } }),
    db().configRelease.findUnique({ where: { id: toId }, include: { set: true } }),
  ]);
  if (!a || !b) throw new AppError("NOT_FOUND", "One of these config releases does not exist.");
  if (a.setId !== b.setId) throw new AppError("INVALID_INPUT", "Compare two releases of the same namespace.");
  const ref = await resolveRef({ namespaceId: a.set.namespaceId, serviceId: a.set.serviceId, environment: a.set.environment, cluster: a.set.cluster });
  authorize(ctx, actionFor(ref, "read"), ref.resource);
  const changes = diffEntries(snapshotOf(a), snapshotOf(b)).map((c) =>
    c.secret ? { ...c, ...("before" in c ? { before: SECRET_MASK } : {}), ...("after" in c ? { after: SECRET_MASK } : {}) } : c,
  );
  return { from: { id: a.id, number: a.number }, to: { id: b.id, number: b.number }, changes, summary: summarize(changes) };
}

/**
 * The instances of a service's namespace seen by the config service in the
 * last hour: which release each holds, and "N of M on the latest release".
 */
export async function listConfigInstances(ctx: Ctx, raw: z.input<typeof ZSetRef>) {
  const input = parseInput(ZSetRef, raw);
  const ref = await resolveRef(input);
  authorize(ctx, actionFor(ref, "read"), ref.resource);
  if (!ref.service) return { instances: [], onLatest: 0, total: 0, latestNumber: null as number | null };
  const since = new Date(Date.now() - 60 * 60 * 1000);
  const seen = await db().configInstance.findMany({
    where: {
      environment: ref.environment,
      appId: ref.appId,
      namespace: { in: [ref.namespace.name, `${ref.namespace.name}.properties`] },
      lastSeenAt: { gte: since },
      ...(ref.cluster === "default" ? {} : { cluster: ref.cluster }),
    },
    orderBy: { lastSeenAt: "desc" },
    take: 500,
  });
  const set = await findSet(ref);
  const releases = set
    ? await db().configRelease.findMany({ where: { setId: set.id }, select: { id: true, number: true, releaseKey: true, grayId: true } })
    : [];
  const latest = set ? await latestMainRelease(db(), set.id) : null;
  const gray = set ? await db().configGray.findFirst({ where: { setId: set.id, status: "active" } }) : null;
  const instances = seen.map((i) => {
    const keys = i.releaseKey.split("+");
    const release = releases.find((r) => keys.includes(r.releaseKey));
    const labels = (i.labels ?? {}) as Record<string, string>;
    return {
      ip: i.ip,
      pod: i.pod,
      labels,
      cluster: i.cluster,
      release: release ? { number: release.number, gray: Boolean(release.grayId) } : null,
      latest: Boolean(latest && keys.includes(latest.releaseKey)),
      matchesGray: gray ? matchesRule(grayRuleOf(gray), { ip: i.ip, pod: i.pod || undefined, labels }) : false,
      lastSeenAt: i.lastSeenAt,
    };
  });
  return { instances, onLatest: instances.filter((i) => i.latest).length, total: instances.length, latestNumber: latest?.number ?? null };
}

/** A team's public namespaces (the team page). */
export async function listPublicNamespaces(ctx: Ctx, teamId: string) {
  authorize(ctx, "catalog.read", teamResource(teamId));
  const namespaces = await db().configNamespace.findMany({
    where: { teamId, serviceId: null },
    orderBy: { name: "asc" },
    include: { links: { include: { service: { select: { slug: true, project: { select: { slug: true } } } } } } },
  });
  return {
    namespaces: namespaces.map((n) => ({
      id: n.id,
      name: n.name,
      format: n.format,
      comment: n.comment,
      usedBy: n.links.map((l) => `${l.service.project.slug}/${l.service.slug}`),
    })),
    environments: ENVIRONMENTS,
    rights: {
      manage: can(ctx.actor, "config.public.manage", teamResource(teamId)),
      edit: can(ctx.actor, "config.public.edit", teamResource(teamId)),
      publish: can(ctx.actor, "config.public.publish", teamResource(teamId)),
    },
  };
}

/** Which namespaces an instance may watch (for docs and the instances list). */
export function publicAppId() {
  return PUBLIC_APP;
}

export { namespaceKey, type TSetRef };
