/**
 * Onboarding a project: validate the wizard's request (slug free, team and
 * people real, every environment on reachable-enough clusters, quota within
 * what the clusters have, GPUs only where the template allows them), preview
 * exactly what approval will create on which cluster, and submit it as a
 * ticket. The project appears as `requested` at once, reserving its slug.
 */
import { db, type Prisma } from "@/lib/db/client";
import { AppError, parseInput, type FieldErrors } from "@/lib/errors";
import { isUniqueViolation } from "@/lib/db/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { buildSearchText } from "@/lib/catalog/projects";
import { clusterCapacity } from "@/lib/kube/capacity";
import { computePlan } from "@/lib/provisioning/engine";
import { needsAdmin, quotaOf, type Quota, type QuotaPreset } from "@/lib/provisioning/quota";
import type { PlanInput } from "@/lib/provisioning/registry";
import { getTemplate } from "@/lib/templates/gallery";
import { renderTemplate, validateParams } from "@/lib/templates/render";
import { repositoryCloneUrl } from "@/lib/git/store";
import { notify } from "@/lib/notifications";
import { ZOnboardingRequest, type TOnboardingRequest } from "./schemas";
import type { z } from "zod";

const invalid = (fieldErrors: FieldErrors, message = "Some fields need attention.") => new AppError("INVALID_INPUT", message, { fieldErrors });

/** Everything the preview and the submission share. */
async function validate(ctx: Ctx, raw: z.input<typeof ZOnboardingRequest> | TOnboardingRequest) {
  authorize(ctx, "project.request", platform);
  const input = parseInput(ZOnboardingRequest, raw);
  const template = await getTemplate(ctx, input.templateId).catch((e: unknown) => {
    if (e instanceof AppError && e.code === "NOT_FOUND") throw invalid({ templateId: ["This template does not exist (any more); choose another"] });
    throw e;
  });
  const params = validateParams(template.manifest, input.params);
  const errors: FieldErrors = {};

  if (await db().project.count({ where: { slug: input.project.slug } }))
    errors["project.slug"] = [`"${input.project.slug}" is already taken by another project; choose another`];
  const [team, owner, users] = await Promise.all([
    db().team.findUnique({ where: { id: input.project.teamId }, select: { id: true, slug: true, name: true } }),
    db().user.findUnique({ where: { id: input.project.ownerId }, select: { id: true, name: true, email: true, disabled: true } }),
    db().user.findMany({ where: { id: { in: input.members.map((m) => m.userId) } }, select: { id: true, email: true, disabled: true } }),
  ]);
  if (!team) errors["project.teamId"] = ["This team does not exist (any more)"];
  if (!owner || owner.disabled) errors["project.ownerId"] = ["This user does not exist or is disabled"];
  input.members.forEach((m, i) => {
    const u = users.find((x) => x.id === m.userId);
    if (!u || u.disabled) errors[`members.${i}.userId`] = ["This user does not exist or is disabled"];
    if (m.userId === input.project.ownerId) errors[`members.${i}.userId`] = ["The owner is a member already"];
  });

  const clusterIds = [...new Set(input.environments.flatMap((e) => e.clusterIds))];
  const clusters = await db().cluster.findMany({ where: { id: { in: clusterIds } }, select: { id: true, name: true } });
  const quotas: Quota[] = [];
  input.environments.forEach((env, i) => {
    const missing = env.clusterIds.filter((id) => !clusters.some((c) => c.id === id));
    if (missing.length) errors[`environments.${i}.clusterIds`] = ["A chosen cluster is no longer registered; choose again"];
    if (env.gpu > 0 && !template.manifest.gpu) errors[`environments.${i}.gpu`] = [`The ${template.manifest.name} template has no GPU flavour`];
    quotas.push(quotaOf(env.preset as QuotaPreset, env.gpu));
  });
  if (Object.keys(errors).length) throw invalid(errors);

  // Quota above what a cluster has can never be used: refuse it. A cluster that does not answer cannot be checked: say so.
  const warnings: string[] = [];
  const capacities = new Map((await Promise.all(clusterIds.map(async (id) => [id, await clusterCapacity(id)] as const))).map(([id, c]) => [id, c]));
  input.environments.forEach((env, i) => {
    const q = quotas[i]!;
    for (const id of env.clusterIds) {
      const cap = capacities.get(id)!;
      if ("error" in cap) {
        warnings.push(`${cap.cluster} did not answer, so the ${env.kind} quota could not be checked against it (${cap.error}).`);
        continue;
      }
      const short = [
        q.cpu > cap.cpu && `${q.cpu} CPU (it has ${cap.cpu})`,
        q.memoryGi > cap.memoryGi && `${q.memoryGi} GiB (it has ${cap.memoryGi})`,
        q.gpu > cap.gpu && `${q.gpu} GPU (it has ${cap.gpu})`,
      ].filter(Boolean);
      if (short.length)
        (errors[`environments.${i}.preset`] ??= []).push(`${env.preset} asks ${short.join(", ")} on ${cap.cluster}: choose a smaller preset or other clusters`);
    }
  });
  if (Object.keys(errors).length) throw invalid(errors, "The quota is larger than a cluster has.");

  const planInput: PlanInput = {
    kind: "onboarding",
    project: {
      id: "(new)",
      slug: input.project.slug,
      name: input.project.name,
      description: input.project.description,
      tier: input.project.tier,
      templateId: template.id,
      owner: { name: owner!.name, email: owner!.email },
    },
    team: { slug: team!.slug, name: team!.name },
    environments: input.environments.map((e, i) => ({
      kind: e.kind,
      clusters: clusters.filter((c) => e.clusterIds.includes(c.id)).sort((a, b) => a.name.localeCompare(b.name)),
      quota: quotas[i]!,
    })),
    members: [
      { email: owner!.email, role: "owner" as const },
      ...input.members.map((m) => ({ email: users.find((u) => u.id === m.userId)!.email, role: m.role })),
    ],
    params,
    services: template.manifest.services.map((s) => ({ slug: s.slug, name: s.slug, kind: s.kind })),
  };
  return { input, template, params, team: team!, owner: owner!, quotas, warnings, planInput, requiresAdmin: quotas.some(needsAdmin) };
}

export async function previewOnboarding(ctx: Ctx, raw: z.input<typeof ZOnboardingRequest>) {
  const v = await validate(ctx, raw);
  const steps = computePlan(v.planInput);
  const files = renderTemplate(v.template, {
    project: {
      slug: v.input.project.slug,
      name: v.input.project.name,
      description: v.input.project.description,
      team: v.team.slug,
      owner: { name: v.owner.name, email: v.owner.email },
      tier: v.input.project.tier,
      repositoryUrl: repositoryCloneUrl({ slug: v.input.project.slug, team: v.team.slug }),
    },
    params: v.params,
  }).map((f) => f.path);
  return {
    steps: steps.map((s) => ({
      key: s.key,
      kind: s.kind,
      title: s.title,
      target: s.target,
      clusterName: s.clusterName ?? null,
      environment: s.environment ?? null,
      spec: s.spec,
    })),
    warnings: v.warnings,
    requiresAdmin: v.requiresAdmin,
    files,
  };
}

export async function submitOnboarding(ctx: Ctx, raw: z.input<typeof ZOnboardingRequest>) {
  const v = await validate(ctx, raw);
  const { input } = v;
  const taken = () =>
    invalid({ "project.slug": [`"${input.project.slug}" was taken while you were filling the form; choose another`] }, "The slug was just taken.");
  try {
    return await db().$transaction(async (tx) => {
      const labels = {};
      const project = await tx.project.create({
        data: {
          slug: input.project.slug,
          name: input.project.name,
          description: input.project.description,
          teamId: input.project.teamId,
          ownerId: input.project.ownerId,
          tier: input.project.tier,
          language: v.template.manifest.language,
          framework: v.template.manifest.framework,
          templateId: v.template.id,
          repositoryUrl: repositoryCloneUrl({ slug: input.project.slug, team: v.team.slug }),
          lifecycle: "requested",
          labels,
          searchText: buildSearchText({ ...input.project, labels }),
          members: { create: [{ userId: input.project.ownerId, role: "owner" }, ...input.members.map((m) => ({ userId: m.userId, role: m.role }))] },
          services: { create: v.template.manifest.services.map((s) => ({ slug: s.slug, name: `${input.project.name} ${s.slug}`, kind: s.kind })) },
        },
      });
      for (const [i, env] of input.environments.entries()) {
        await tx.environment.create({
          data: {
            projectId: project.id,
            kind: env.kind,
            quotaPreset: env.preset,
            quota: v.quotas[i] as unknown as Prisma.InputJsonValue,
            clusters: { create: env.clusterIds.map((clusterId) => ({ clusterId })) },
          },
        });
      }
      const ticket = await tx.ticket.create({
        data: {
          type: "onboarding",
          title: `Onboard ${input.project.name} (${input.project.slug}) from ${v.template.manifest.name}`,
          requesterId: ctx.actor.id,
          projectId: project.id,
          payload: { ...input, params: v.params } as unknown as Prisma.InputJsonValue,
          requiresAdmin: v.requiresAdmin,
        },
      });
      await recordAudit(tx, ctx, {
        action: "project.request",
        target: { type: "project", id: project.id, label: project.slug },
        projectId: project.id,
        after: project,
      });
      await recordAudit(tx, ctx, {
        action: "ticket.create",
        target: { type: "ticket", id: ticket.id, label: `#${ticket.number}` },
        projectId: project.id,
        after: { type: "onboarding", title: ticket.title, payload: input },
      });
      await notify(tx, { userIds: [], teamId: project.teamId, title: `New request #${ticket.number}: ${ticket.title}`, link: `/tickets/${ticket.number}` });
      return { number: ticket.number, slug: project.slug, warnings: v.warnings };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
}
