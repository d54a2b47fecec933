/**
 * Onboarding a project: validate the wizard's request (slug free, team and
 * people real, every environment on reachable-enough clusters, quota within
 * what the clusters have, GPUs only where the template allows them), preview
 * exactly what approval will create on which cluster, and submit it as a
 * ticket. The project appears as `requested` at once, reserving its slug.
 */
import { db, type Db, type Tx } from "@/lib/db/client";
import { AppError, parseInput, type FieldErrors } from "@/lib/errors";
import { isUniqueViolation } from "@/lib/db/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { buildSearchText } from "@/lib/catalog/projects";
import { computePlan } from "@/lib/provisioning/engine";
import { adminReasons, describeChoice, needsAdmin, quotaOfChoice, type Quota } from "@/lib/provisioning/quota";
import { checkCapacity } from "@/lib/provisioning/quota-check";
import { getQuotaLimits } from "@/lib/provisioning/quota-limits";
import { byEnvironment } from "@/lib/catalog/environments";
import type { ProjectPlanInput } from "@/lib/provisioning/registry";
import { startRun } from "@/lib/provisioning/start";
import { openTicket } from "./engine";
import { badge, defineTicketType, link, list, text } from "./types";
import { getTemplate } from "@/lib/templates/gallery";
import { renderTemplate, validateParams } from "@/lib/templates/render";
import { repositoryCloneUrl } from "@/lib/git/store";
import { ZEnvironmentsCheck, ZOnboardingRequest, type TEnvironmentRequest, type TOnboardingRequest } from "./schemas";
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

  const envCheck = await checkEnvironments(template, input.environments);
  for (const [k, v] of Object.entries(envCheck.fieldErrors)) (errors[k] ??= []).push(...v);
  const fields = Object.keys(errors);
  if (fields.length) throw invalid(errors, fields.every((f) => /^environments\.\d+\.quota$/.test(f)) ? "The quota is larger than a cluster has." : undefined);
  const { clusters, quotas, warnings } = envCheck;

  const planInput: ProjectPlanInput = {
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
  return { input, template, params, team: team!, owner: owner!, quotas, warnings, planInput, requiresAdmin: envCheck.requiresAdmin };
}

/**
 * The environments step, checked as one: every chosen cluster still
 * registered, GPUs only where the template has a GPU flavour, and each
 * quota within what its clusters' nodes can give (one capacity check, the
 * quota dialog's too). Problems are keyed by field.
 */
async function checkEnvironments(template: { manifest: { name: string; gpu?: unknown } }, environments: TEnvironmentRequest[]) {
  const fieldErrors: FieldErrors = {};
  const clusterIds = [...new Set(environments.flatMap((e) => e.clusterIds))];
  const [clusters, limits] = await Promise.all([
    db().cluster.findMany({ where: { id: { in: clusterIds } }, select: { id: true, name: true } }),
    getQuotaLimits(),
  ]);
  const quotas: Quota[] = environments.map((e) => quotaOfChoice(e));
  environments.forEach((env, i) => {
    if (env.clusterIds.some((id) => !clusters.some((c) => c.id === id)))
      fieldErrors[`environments.${i}.clusterIds`] = ["A chosen cluster is no longer registered; choose again"];
    if (env.gpu > 0 && !template.manifest.gpu) fieldErrors[`environments.${i}.gpu`] = [`The ${template.manifest.name} template has no GPU flavour`];
  });
  if (Object.keys(fieldErrors).length) return { fieldErrors, warnings: [], clusters, quotas, limits, requiresAdmin: false };
  // Quota above what a cluster has can never be used: refuse it. A cluster that does not answer cannot be checked: say so.
  const capacity = await checkCapacity(
    environments.map((env, i) => ({ field: `environments.${i}.quota`, environment: env.kind, quota: quotas[i]!, clusterIds: env.clusterIds })),
  );
  return {
    fieldErrors: capacity.fieldErrors,
    warnings: capacity.warnings,
    clusters,
    quotas,
    limits,
    requiresAdmin: environments.some((e) => needsAdmin(e, limits)),
  };
}

/**
 * The wizard's environments step before it moves on (Next waits for it):
 * the same checks the submission makes, answered as data so the step shows
 * them at their fields.
 */
export async function checkOnboardingEnvironments(ctx: Ctx, raw: z.input<typeof ZEnvironmentsCheck>) {
  authorize(ctx, "project.request", platform);
  const input = parseInput(ZEnvironmentsCheck, raw);
  const template = await getTemplate(ctx, input.templateId).catch((e: unknown) => {
    if (e instanceof AppError && e.code === "NOT_FOUND") throw invalid({ templateId: ["This template does not exist (any more); choose another"] });
    throw e;
  });
  const check = await checkEnvironments(template, input.environments);
  return {
    fieldErrors: check.fieldErrors,
    warnings: check.warnings,
    requiresAdmin: check.requiresAdmin,
    adminReasons: input.environments.flatMap((e) => adminReasons(e, check.limits).map((r) => `${e.kind}: ${r}`)),
  };
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
            quota: v.quotas[i]!,
            clusters: { create: env.clusterIds.map((clusterId) => ({ clusterId })) },
          },
        });
      }
      await recordAudit(tx, ctx, {
        action: "project.request",
        target: { type: "project", id: project.id, label: project.slug },
        projectId: project.id,
        after: project,
      });
      const ticket = await openTicket(tx, ctx, {
        type: "onboarding",
        title: `Onboard ${input.project.name} (${input.project.slug}) from ${v.template.manifest.name}`,
        projectId: project.id,
        teamId: project.teamId,
        payload: { ...input, params: v.params },
        requiresAdmin: v.requiresAdmin,
      });
      return { number: ticket.number, slug: project.slug, warnings: v.warnings };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
}

/** The onboarding request as stored on its ticket. */
export const ZOnboardingPayload = ZOnboardingRequest;
export type TOnboardingPayload = z.output<typeof ZOnboardingPayload>;

/**
 * The plan's input from the request itself, not from the catalog: approval
 * provisions exactly the environments, clusters, quotas and members the
 * ticket shows (the requested project is frozen until then, so the two
 * agree; the request is what the approver read).
 */
export async function planInputFromRequest(client: Tx | Db, projectId: string, p: TOnboardingPayload): Promise<ProjectPlanInput> {
  const project = await client.project.findUnique({
    where: { id: projectId },
    include: { team: { select: { slug: true, name: true } }, services: { select: { slug: true, name: true, kind: true }, orderBy: { slug: "asc" } } },
  });
  if (!project) throw new AppError("PRECONDITION_FAILED", "The project of this request no longer exists.");
  const clusterIds = [...new Set(p.environments.flatMap((e) => e.clusterIds))];
  const userIds = [p.project.ownerId, ...p.members.map((m) => m.userId)];
  const [clusters, users] = await Promise.all([
    client.cluster.findMany({ where: { id: { in: clusterIds } }, select: { id: true, name: true } }),
    client.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true, disabled: true } }),
  ]);
  const missing = clusterIds.filter((id) => !clusters.some((c) => c.id === id));
  if (missing.length) throw new AppError("PRECONDITION_FAILED", "A cluster this request asks for is no longer registered: reject it and ask for a new one.");
  const owner = users.find((u) => u.id === p.project.ownerId);
  if (!owner) throw new AppError("PRECONDITION_FAILED", "The owner this request names no longer exists.");
  const active = (id: string) => users.find((u) => u.id === id && !u.disabled);
  return {
    kind: "onboarding",
    project: {
      id: project.id,
      slug: project.slug,
      name: project.name,
      description: project.description,
      tier: project.tier,
      templateId: project.templateId,
      owner: { name: owner.name, email: owner.email },
    },
    team: project.team,
    environments: byEnvironment(p.environments, (e) => e.kind).map((e) => ({
      kind: e.kind,
      clusters: clusters.filter((c) => e.clusterIds.includes(c.id)).sort((a, b) => a.name.localeCompare(b.name)),
      quota: quotaOfChoice(e),
    })),
    members: [
      ...(active(owner.id) ? [{ email: owner.email, role: "owner" as const }] : []),
      ...p.members.flatMap((m) => (active(m.userId) ? [{ email: active(m.userId)!.email, role: m.role }] : [])),
    ],
    params: p.params,
    services: project.services,
  };
}

/** A rejected or cancelled onboarding frees its slug: the requested project goes, the ticket keeps the request. */
async function dropRequestedProject(tx: Tx, ctx: Ctx, projectId: string) {
  const project = await tx.project.findUnique({ where: { id: projectId } });
  if (!project || project.lifecycle !== "requested") return;
  await tx.project.delete({ where: { id: projectId } });
  await recordAudit(tx, ctx, { action: "project.request.drop", target: { type: "project", id: projectId, label: project.slug }, projectId, before: project });
}

export const onboardingTicket = defineTicketType({
  type: "onboarding",
  label: "Onboarding",
  payload: ZOnboardingPayload,
  decide: "ticket.onboarding.decide",
  decideElevated: "ticket.decide.elevated",
  whoDecides: "Ops or an admin approve this request.",
  whoDecidesElevated: "This request asks for GPUs, more than the largest quota preset or a custom quota above the limits ops set: an admin approves it.",
  news: { done: "is provisioned: the project is active", failed: "failed to provision: a step failed for good" },
  failedHint: "the project stays requested, not active.",
  async approve(tx, ctx, ticket) {
    if (!ticket.project) throw new AppError("PRECONDITION_FAILED", "The project of this ticket no longer exists.");
    const input = await planInputFromRequest(tx, ticket.project.id, ticket.payload);
    const run = await startRun(tx, ctx, { kind: "onboarding", projectId: ticket.project.id, ticketId: ticket.id, input });
    return { runId: run.runId };
  },
  async withdraw(tx, ctx, ticket) {
    if (ticket.projectId) await dropRequestedProject(tx, ctx, ticket.projectId);
  },
  async plan(_ctx, ticket) {
    if (!ticket.projectId) return null;
    return computePlan(await planInputFromRequest(db(), ticket.projectId, ticket.payload));
  },
  async view(_ctx, ticket) {
    const p = ticket.payload;
    const [clusters, users, team] = await Promise.all([
      db().cluster.findMany({ where: { id: { in: p.environments.flatMap((e) => e.clusterIds) } }, select: { id: true, name: true } }),
      db().user.findMany({ where: { id: { in: [p.project.ownerId, ...p.members.map((m) => m.userId)] } }, select: { id: true, name: true } }),
      db().team.findUnique({ where: { id: p.project.teamId }, select: { name: true } }),
    ]);
    const cluster = (id: string) => clusters.find((c) => c.id === id)?.name ?? "(a cluster no longer registered)";
    const user = (id: string) => users.find((u) => u.id === id)?.name ?? "(a user no longer here)";
    const fields = [
      { label: "Template", value: badge(p.templateId) },
      { label: "Project", value: text(`${p.project.name} (${p.project.slug}), tier ${p.project.tier}`) },
      { label: "Team", value: text(team?.name ?? "(a team no longer here)") },
      { label: "Owner", value: text(user(p.project.ownerId)) },
      {
        label: "Environments",
        value: list(
          byEnvironment(p.environments, (e) => e.kind).map((e) => text(`${e.kind} on ${e.clusterIds.map(cluster).join(", ")} · ${describeChoice(e)}`)),
        ),
      },
    ];
    if (p.members.length) fields.push({ label: "Members", value: text(p.members.map((m) => `${user(m.userId)} (${m.role})`).join(", ")) });
    const params = Object.entries(p.params);
    if (params.length) fields.push({ label: "Parameters", value: text(params.map(([k, v]) => `${k}=${String(v)}`).join(", "), true) });
    return { fields, notes: [link("What the template generates", `/templates/${p.templateId}`)] };
  },
});
