/**
 * Namespaces: a service's own (`application`, created with it, and file
 * namespaces such as `app.yaml`), and public ones a team shares across its
 * projects (`<team>.<name>`), which a service links to use and override.
 */
import { z } from "zod";
import Ajv2020 from "ajv/dist/2020";
import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { staleVersionError } from "@/lib/db/optimistic";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource, teamResource } from "@/lib/access/policy";
import { formatOfName } from "./formats";
import { appIdOf } from "./store";
import { ZCreateNamespace, ZCreatePublicNamespace, ZLinkNamespace, ZSetSchema } from "./schemas";

/** The namespace every service has, as in Apollo. */
export const APPLICATION = "application";

async function serviceOf(serviceId: string) {
  const s = await db().service.findUnique({
    where: { id: serviceId },
    select: { id: true, slug: true, projectId: true, project: { select: { slug: true, teamId: true, lifecycle: true } } },
  });
  if (!s) throw new AppError("NOT_FOUND", "This service does not exist (any more).");
  return s;
}

const taken = (name: string) =>
  new AppError("ALREADY_EXISTS", `There is a namespace "${name}" already.`, { fieldErrors: { name: [`"${name}" exists already; choose another name`] } });

/** Creates a private namespace of a service (its `application` exists from the start, see ensureApplication). */
export async function createNamespace(ctx: Ctx, raw: z.input<typeof ZCreateNamespace>) {
  const input = parseInput(ZCreateNamespace, raw);
  const service = await serviceOf(input.serviceId);
  authorize(ctx, "config.namespace.manage", projectResource(service.projectId));
  if (await db().configNamespace.findFirst({ where: { serviceId: null, name: input.name } })) {
    throw new AppError("ALREADY_EXISTS", `"${input.name}" is a public namespace: link it instead, or choose another name.`, {
      fieldErrors: { name: ["A public namespace has this name"] },
    });
  }
  try {
    return await db().$transaction(async (tx) => {
      const ns = await tx.configNamespace.create({
        data: { serviceId: service.id, name: input.name, format: formatOfName(input.name), comment: input.comment },
      });
      await recordAudit(tx, ctx, {
        action: "config.namespace.create",
        target: { type: "config-namespace", id: ns.id, label: `${appIdOf(service.project.slug, service.slug)} ${ns.name}` },
        projectId: service.projectId,
        after: ns,
      });
      return ns;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw taken(input.name);
    throw e;
  }
}

/** The service's `application` namespace, created the first time it is needed. */
export async function ensureApplication(serviceId: string) {
  const found = await db().configNamespace.findUnique({ where: { serviceId_name: { serviceId, name: APPLICATION } } });
  if (found) return found;
  try {
    return await db().configNamespace.create({ data: { serviceId, name: APPLICATION, format: "properties", comment: "The service's own keys" } });
  } catch (e) {
    if (isUniqueViolation(e)) return db().configNamespace.findUniqueOrThrow({ where: { serviceId_name: { serviceId, name: APPLICATION } } });
    throw e;
  }
}

/** Creates a public namespace of a team, named `<team>.<name>` (what clients ask for). */
export async function createPublicNamespace(ctx: Ctx, raw: z.input<typeof ZCreatePublicNamespace>) {
  const input = parseInput(ZCreatePublicNamespace, raw);
  const team = await db().team.findUnique({ where: { id: input.teamId }, select: { id: true, slug: true } });
  if (!team) throw new AppError("NOT_FOUND", "This team does not exist (any more).");
  authorize(ctx, "config.public.manage", teamResource(team.id));
  const name = input.name.startsWith(`${team.slug}.`) ? input.name : `${team.slug}.${input.name}`;
  if (await db().configNamespace.findFirst({ where: { serviceId: null, name } })) throw taken(name);
  try {
    return await db().$transaction(async (tx) => {
      const ns = await tx.configNamespace.create({ data: { teamId: team.id, name, format: formatOfName(name), comment: input.comment } });
      await recordAudit(tx, ctx, { action: "config.namespace.create", target: { type: "config-namespace", id: ns.id, label: name }, after: ns });
      return ns;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw taken(name);
    throw e;
  }
}

/** A service starts using a public namespace (and may then override its keys). */
export async function linkPublicNamespace(ctx: Ctx, raw: z.input<typeof ZLinkNamespace>) {
  const input = parseInput(ZLinkNamespace, raw);
  const service = await serviceOf(input.serviceId);
  authorize(ctx, "config.namespace.manage", projectResource(service.projectId));
  const ns = await db().configNamespace.findUnique({ where: { id: input.namespaceId } });
  if (!ns || ns.serviceId !== null) throw new AppError("NOT_FOUND", "There is no such public namespace.");
  if (await db().configNamespace.findUnique({ where: { serviceId_name: { serviceId: service.id, name: ns.name } } })) {
    throw new AppError("ALREADY_EXISTS", `${service.slug} has a namespace of its own called ${ns.name}.`);
  }
  return db().$transaction(async (tx) => {
    const link = await tx.configLink.upsert({
      where: { serviceId_namespaceId: { serviceId: service.id, namespaceId: ns.id } },
      create: { serviceId: service.id, namespaceId: ns.id },
      update: {},
    });
    await recordAudit(tx, ctx, {
      action: "config.namespace.link",
      target: { type: "config-namespace", id: ns.id, label: `${appIdOf(service.project.slug, service.slug)} uses ${ns.name}` },
      projectId: service.projectId,
      after: { namespace: ns.name },
    });
    return link;
  });
}

const ajv = new Ajv2020({ strict: false });

/** Sets (or removes, with empty text) a namespace's JSON Schema; a schema that does not compile is refused at its line. */
export async function setNamespaceSchema(ctx: Ctx, raw: z.input<typeof ZSetSchema>) {
  const input = parseInput(ZSetSchema, raw);
  const ns = await db().configNamespace.findUnique({ where: { id: input.namespaceId }, include: { service: { select: { projectId: true } } } });
  if (!ns) throw new AppError("NOT_FOUND", "This config namespace does not exist (any more).");
  authorize(
    ctx,
    ns.service ? "config.namespace.manage" : "config.public.manage",
    ns.service ? projectResource(ns.service.projectId) : teamResource(ns.teamId!),
  );
  let schema: object | null = null;
  if (input.schema.trim()) {
    try {
      schema = JSON.parse(input.schema) as object;
    } catch (e) {
      throw new AppError("INVALID_INPUT", "The schema is not JSON.", { fieldErrors: { schema: [(e as Error).message] } });
    }
    try {
      ajv.compile(schema);
    } catch (e) {
      throw new AppError("INVALID_INPUT", "This is not a JSON Schema Wharf can check against.", { fieldErrors: { schema: [(e as Error).message] } });
    }
  }
  return db().$transaction(async (tx) => {
    const { count } = await tx.configNamespace.updateMany({
      where: { id: ns.id, version: input.version },
      data: { jsonSchema: schema ?? undefined, version: { increment: 1 } },
    });
    if (!count)
      throw await staleVersionError(
        tx,
        { type: "config-namespace", id: ns.id, noun: "namespace" },
        await tx.configNamespace.findUnique({ where: { id: ns.id }, select: { updatedAt: true } }),
      );
    if (!schema) await tx.$executeRaw`update "ConfigNamespace" set "jsonSchema" = null where id = ${ns.id}`;
    await recordAudit(tx, ctx, {
      action: "config.namespace.schema",
      target: { type: "config-namespace", id: ns.id, label: ns.name },
      projectId: ns.service?.projectId ?? null,
      before: { schema: ns.jsonSchema },
      after: { schema },
    });
    return tx.configNamespace.findUniqueOrThrow({ where: { id: ns.id } });
  });
}
