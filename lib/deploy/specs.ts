/** Versions of a service's application spec: read, save (a new version, optimistic), render for review. */
import { db } from "@/lib/db/client";
import { toJson } from "@/lib/db/json";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { namespaceName } from "@/lib/provisioning/manifests";
import { unsafeLoadTemplateCatalog } from "@/lib/templates/gallery";
import { renderTemplate } from "@/lib/templates/render";
import { parseWharfSpec } from "@/lib/templates/wharf-spec";
import { z } from "zod";
import { ZAppSpec, defaultSpec, specFromWharfService, type EnvKind, type TAppSpec } from "./spec";
import { renderManifests } from "./render";
import { configRefProblems } from "@/lib/config/delivery-values";
import { rulesFingerprint, startRulesRun } from "@/lib/monitoring/rules-deploy";

export async function serviceOrThrow(serviceId: string) {
  const service = await db().service.findUnique({
    where: { id: serviceId },
    include: {
      project: {
        select: {
          id: true,
          slug: true,
          name: true,
          lifecycle: true,
          templateId: true,
          allowChaosInProd: true,
          team: { select: { slug: true } },
          owner: { select: { name: true, email: true } },
          tier: true,
          description: true,
        },
      },
    },
  });
  if (!service) throw new AppError("NOT_FOUND", "This service does not exist (any more).");
  return service;
}

/**
 * The spec a service starts from when nobody saved one: the service of the
 * project's wharf.yaml when the project came from a template, else defaults.
 */
async function initialSpec(service: Awaited<ReturnType<typeof serviceOrThrow>>): Promise<TAppSpec> {
  const p = service.project;
  if (p.templateId) {
    const template = (await unsafeLoadTemplateCatalog()).templates.find((t) => t.id === p.templateId);
    if (template) {
      try {
        const files = renderTemplate(template, {
          project: { slug: p.slug, name: p.name, description: p.description, team: p.team.slug, owner: p.owner, tier: p.tier },
        });
        const wharf = files.find((f) => f.path === "wharf.yaml");
        const parsed = wharf ? parseWharfSpec(wharf.content) : null;
        const svc = parsed?.ok ? parsed.spec.spec.services.find((s) => s.name === service.slug) : undefined;
        if (svc) return specFromWharfService(svc);
      } catch {
        // A template that changed since the project was generated: fall back to defaults.
      }
    }
  }
  return defaultSpec(service, p.slug);
}

export async function getServiceSpec(ctx: Ctx, serviceId: string) {
  const service = await serviceOrThrow(serviceId);
  authorize(ctx, "deploy.read", projectResource(service.project.id));
  const latest = await db().serviceSpec.findFirst({ where: { serviceId }, orderBy: { version: "desc" } });
  const versions = await db().serviceSpec.findMany({
    where: { serviceId },
    orderBy: { version: "desc" },
    take: 50,
    select: { version: true, comment: true, createdAt: true, createdById: true },
  });
  return {
    service,
    version: latest?.version ?? 0,
    spec: latest ? ZAppSpec.parse(latest.spec) : await initialSpec(service),
    saved: Boolean(latest),
    versions,
  };
}

/**
 * Where the service's images live: the repository of its newest spec (the initial one when none was saved). CI
 * pushes there, so what a run builds is what a release of the service deploys.
 */
export async function currentImageRepository(serviceId: string): Promise<string> {
  const latest = await db().serviceSpec.findFirst({ where: { serviceId }, orderBy: { version: "desc" }, select: { version: true } });
  return (await specAtVersion(serviceId, latest?.version ?? 0)).image.repository;
}

/** The spec of a given version (0 = the initial one, when none was saved yet). */
export async function specAtVersion(serviceId: string, version: number): Promise<TAppSpec> {
  if (version === 0) return initialSpec(await serviceOrThrow(serviceId));
  const row = await db().serviceSpec.findUnique({ where: { serviceId_version: { serviceId, version } } });
  if (!row) throw new AppError("NOT_FOUND", `Version ${version} of this spec does not exist.`);
  return ZAppSpec.parse(row.spec);
}

export const ZSaveSpec = z.object({
  serviceId: z.string().min(1),
  /** The version the edit was made from: saving over a newer one is refused. */
  baseVersion: z.number().int().min(0),
  spec: z.unknown(),
  comment: z.string().trim().max(500).default(""),
});

export async function saveServiceSpec(ctx: Ctx, raw: z.input<typeof ZSaveSpec>) {
  const input = parseInput(ZSaveSpec, raw);
  const service = await serviceOrThrow(input.serviceId);
  authorize(ctx, "service.spec.update", projectResource(service.project.id));
  const parsed = ZAppSpec.safeParse(input.spec);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (fieldErrors[`spec.${i.path.join(".")}`] ??= []).push(i.message);
    throw new AppError("INVALID_INPUT", "The spec has problems; nothing was saved.", { fieldErrors });
  }
  // Config entries name namespaces of the service: the database knows which exist.
  const configProblems = await configRefProblems(service.id, parsed.data.config);
  if (Object.keys(configProblems).length) {
    throw new AppError("INVALID_INPUT", "The spec has problems; nothing was saved.", {
      fieldErrors: Object.fromEntries(Object.entries(configProblems).map(([path, messages]) => [`spec.${path}`, messages])),
    });
  }
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`select id from "Service" where id = ${service.id} for update`;
    const latest = await tx.serviceSpec.findFirst({ where: { serviceId: service.id }, orderBy: { version: "desc" } });
    const current = latest?.version ?? 0;
    if (current !== input.baseVersion) {
      throw new AppError(
        "CONFLICT",
        `Version ${current} of this spec was saved while you were editing version ${input.baseVersion}. Your changes were not saved: reload, then apply them again.`,
      );
    }
    // The project's alert rules follow its specs (objectives, autoscaling): compared as the rule file they make.
    const rulesBefore = await rulesFingerprint(tx, service.project.id);
    const row = await tx.serviceSpec.create({
      data: {
        serviceId: service.id,
        version: current + 1,
        spec: toJson(parsed.data),
        comment: input.comment,
        createdById: ctx.actor.id,
      },
    });
    // Changed rules are planned again: the rule file for Wharf's Prometheus and the PrometheusRules (lib/monitoring/rules-deploy.ts).
    const rulesRun = (await rulesFingerprint(tx, service.project.id)) !== rulesBefore ? await startRulesRun(tx, ctx, service.project.id) : null;
    await recordAudit(tx, ctx, {
      action: "service.spec.update",
      target: { type: "service", id: service.id, label: `${service.project.slug}/${service.slug}` },
      projectId: service.project.id,
      before: latest ? { version: latest.version, spec: latest.spec } : { version: 0 },
      after: { version: row.version, spec: parsed.data, comment: input.comment, ...(rulesRun ? { rulesRunId: rulesRun.runId } : {}) },
    });
    return { version: row.version, rulesRunId: rulesRun?.runId ?? null };
  });
}

/** The objects a spec becomes in an environment (the "rendered manifests" tab), per cluster of that environment. */
export async function previewManifests(ctx: Ctx, serviceId: string, spec: unknown, environment: EnvKind, tag = "latest") {
  const service = await serviceOrThrow(serviceId);
  authorize(ctx, "deploy.read", projectResource(service.project.id));
  const parsed = ZAppSpec.safeParse(spec);
  if (!parsed.success)
    throw new AppError("INVALID_INPUT", "Fix the spec first.", {
      fieldErrors: Object.fromEntries(parsed.error.issues.map((i) => [`spec.${i.path.join(".")}`, [i.message]])),
    });
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId: service.project.id, kind: environment } },
    include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } },
  });
  const objects = renderManifests(parsed.data, {
    project: { slug: service.project.slug },
    service: { slug: service.slug, kind: service.kind },
    environment,
    namespace: namespaceName(service.project.slug, environment),
    image: `${parsed.data.image.repository}:${tag}`,
  });
  return { clusters: (env?.clusters ?? []).map((c) => c.cluster.name), objects };
}
