/**
 * Requests on an existing project, and their ticket types: access (join with
 * a role), quota, archive, and widening production (a prod environment, or
 * a cluster of the prod tier).
 */
import { z } from "zod";
import { AppError, parseInput } from "@/lib/errors";
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { projectResource } from "@/lib/access/policy";
import { PROJECT_ROLES } from "@/lib/access/roles";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { changeMembership } from "@/lib/catalog/members";
import { adminReasons, describeQuota, quotaOfChoice, ZQuota } from "@/lib/provisioning/quota";
import { checkCapacity } from "@/lib/provisioning/quota-check";
import { getQuotaLimits } from "@/lib/provisioning/quota-limits";
import { computePlan } from "@/lib/provisioning/engine";
import { loadPlanInput, quotaFromJson } from "@/lib/provisioning/plan-input";
import { startRun, syncMembers } from "@/lib/provisioning/start";
import { openTicket, refuseDuplicate } from "./engine";
import { badge, defineTicketType, list, row, text, type TicketOf } from "./types";
import {
  ZArchiveRequest,
  ZPermissionRequest,
  ZQuotaCheck,
  ZQuotaRequest,
  type TArchiveRequest,
  type TPermissionRequest,
  type TQuotaCheck,
  type TQuotaRequest,
} from "./schemas";

async function activeProject(projectId: string) {
  const project = await db().project.findUnique({ where: { id: projectId }, select: { id: true, slug: true, name: true, lifecycle: true, teamId: true } });
  if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
  if (project.lifecycle !== "active") throw new AppError("PRECONDITION_FAILED", `${project.name} is ${project.lifecycle}: requests are for active projects.`);
  return project;
}

function projectOf<P>(ticket: TicketOf<P>) {
  if (!ticket.project) throw new AppError("PRECONDITION_FAILED", "The project of this ticket no longer exists.");
  return ticket.project;
}

// ---------------------------------------------------------------- access

export const ZPermissionPayload = z.object({
  userId: z.string().min(1),
  email: z.string(),
  role: z.enum(PROJECT_ROLES),
  currentRole: z.enum(PROJECT_ROLES).nullable(),
  reason: z.string(),
});

export const permissionTicket = defineTicketType({
  type: "permission",
  label: "Access",
  payload: ZPermissionPayload,
  decide: "ticket.permission.decide",
  whoDecides: "The project's owner, ops or an admin approve access requests.",
  async approve(tx, ctx, ticket) {
    const project = projectOf(ticket);
    const p = ticket.payload;
    // The membership rules hold here too: the last owner cannot ask themselves down to a lower role.
    await changeMembership(tx, ctx, { projectId: project.id, userId: p.userId, role: p.role, because: { ticket: ticket.number }, noSync: true });
    const run = await syncMembers(tx, ctx, project.id, ticket.id);
    return { runId: run?.runId ?? null };
  },
  async plan(_ctx, ticket) {
    if (!ticket.projectId) return null;
    const input = await loadPlanInput(ticket.projectId, "member_sync");
    const members = input.members.filter((m) => m.email.toLowerCase() !== ticket.payload.email.toLowerCase());
    return computePlan({ ...input, members: [...members, { email: ticket.payload.email, role: ticket.payload.role }] });
  },
  async view(_ctx, ticket) {
    const p = ticket.payload;
    return {
      fields: [
        { label: "Who", value: text(p.email) },
        { label: "Role asked", value: badge(p.role) },
        { label: "Current role", value: text(p.currentRole ?? "none") },
        { label: "Why", value: text(p.reason) },
      ],
    };
  },
});

export async function requestAccess(ctx: Ctx, raw: z.input<typeof ZPermissionRequest> | TPermissionRequest) {
  const input = parseInput(ZPermissionRequest, raw);
  authorize(ctx, "project.access.request", projectResource(input.projectId));
  const project = await activeProject(input.projectId);
  const current = ctx.actor.projectRoles[project.id];
  if (current === input.role) {
    throw new AppError("PRECONDITION_FAILED", `You are already ${input.role} of ${project.name}.`, { fieldErrors: { role: [`You already have this role`] } });
  }
  if (current === "owner") {
    const owners = await db().projectMember.count({ where: { projectId: project.id, role: "owner" } });
    if (owners <= 1) {
      throw new AppError("PRECONDITION_FAILED", `You are the last owner of ${project.name}: make someone else owner first.`, {
        fieldErrors: { role: ["The last owner cannot ask for a lower role"] },
      });
    }
  }
  await refuseDuplicate("permission", project.id, ctx.actor.id);
  return db().$transaction((tx) =>
    openTicket(tx, ctx, {
      type: "permission",
      title: `${ctx.actor.name} asks to be ${input.role} of ${project.name}`,
      projectId: project.id,
      teamId: project.teamId,
      payload: { userId: ctx.actor.id, email: ctx.actor.email, role: input.role, currentRole: current ?? null, reason: input.reason },
    }),
  );
}

// ---------------------------------------------------------------- quota

export const ZQuotaPayload = z.object({
  environment: z.enum(ENVIRONMENTS),
  /** small | medium | large | custom */
  preset: z.string(),
  gpu: z.number().int().min(0),
  quota: ZQuota,
  describe: z.string(),
  previous: z.unknown(),
  previousPreset: z.string().optional(),
  reason: z.string(),
});

const QUOTA_ROWS = [
  { key: "cpu", label: "CPU" },
  { key: "memoryGi", label: "Memory (GiB)" },
  { key: "pods", label: "Pods" },
  { key: "gpu", label: "GPUs" },
] as const;

export const quotaTicket = defineTicketType({
  type: "quota",
  label: "Quota",
  payload: ZQuotaPayload,
  decide: "ticket.quota.decide",
  decideElevated: "ticket.decide.elevated",
  whoDecides: "Ops or an admin approve this request.",
  whoDecidesElevated: "This request asks for GPUs, more than the largest quota preset or a custom quota above the limits ops set: an admin approves it.",
  async approve(tx, ctx, ticket) {
    const project = projectOf(ticket);
    const p = ticket.payload;
    const before = await tx.environment.findUnique({ where: { projectId_kind: { projectId: project.id, kind: p.environment } } });
    if (!before) throw new AppError("PRECONDITION_FAILED", `The ${p.environment} environment no longer exists.`);
    await tx.environment.update({ where: { id: before.id }, data: { quotaPreset: p.preset, quota: p.quota } });
    await recordAudit(tx, ctx, {
      action: "environment.quota",
      target: { type: "environment", id: before.id, label: `${project.slug}/${p.environment}` },
      projectId: project.id,
      before: { preset: before.quotaPreset, quota: before.quota },
      after: { preset: p.preset, quota: p.quota },
    });
    const run = await startRun(tx, ctx, { kind: "quota", projectId: project.id, ticketId: ticket.id, onlyEnvironment: p.environment });
    return { runId: run.runId };
  },
  async plan(_ctx, ticket) {
    if (!ticket.projectId) return null;
    const input = await loadPlanInput(ticket.projectId, "quota");
    const envs = input.environments.filter((e) => e.kind === ticket.payload.environment).map((e) => ({ ...e, quota: ticket.payload.quota }));
    return computePlan({ ...input, environments: envs });
  },
  async view(_ctx, ticket) {
    const p = ticket.payload;
    // What the namespace has now, read as provisioning reads it (an environment never given a quota has small's).
    const now = quotaFromJson(p.previous);
    return {
      fields: [
        { label: "Environment", value: text(p.environment) },
        { label: "New quota", value: row([badge(p.preset, p.preset === "custom" ? "warning" : "default"), text(p.describe)]) },
        {
          label: "Values",
          // Each value with the one in force, so the approver sees what changes.
          value: list(QUOTA_ROWS.map((r) => text(`${r.label}: ${p.quota[r.key]} (now ${now[r.key]})`))),
        },
        { label: "Now", value: text(`${p.previousPreset ? `${p.previousPreset}: ` : ""}${describeQuota(now)}`) },
        { label: "Why", value: text(p.reason) },
      ],
    };
  },
});

/** The project and environment a quota request is about: the requester's right, an active project, an existing environment. */
async function quotaTarget(ctx: Ctx, input: { projectId: string; environment: TQuotaCheck["environment"] }) {
  authorize(ctx, "project.quota.request", projectResource(input.projectId));
  const project = await activeProject(input.projectId);
  const env = await db().environment.findUnique({
    where: { projectId_kind: { projectId: project.id, kind: input.environment } },
    include: { clusters: { select: { clusterId: true } } },
  });
  if (!env) {
    throw new AppError("INVALID_INPUT", `${project.name} has no ${input.environment} environment.`, {
      fieldErrors: { environment: ["Choose one of the project's environments"] },
    });
  }
  return { project, env };
}

/**
 * What a quota would mean for an environment, while it is chosen (the quota
 * dialog asks as the values change) and again when it is sent: whether its
 * clusters can hold it (the one capacity check, problems at the field
 * "quota"), warnings for clusters that did not answer, and whether an admin
 * must approve it and why.
 */
export async function checkQuotaRequest(ctx: Ctx, raw: z.input<typeof ZQuotaCheck> | TQuotaCheck) {
  const input = parseInput(ZQuotaCheck, raw);
  const { env } = await quotaTarget(ctx, input);
  return quotaVerdict(input, env);
}

async function quotaVerdict(input: TQuotaCheck, env: { kind: string; clusters: { clusterId: string }[] }) {
  const quota = quotaOfChoice(input);
  const [limits, capacity] = await Promise.all([
    getQuotaLimits(),
    checkCapacity([{ field: "quota", environment: env.kind, quota, clusterIds: env.clusters.map((c) => c.clusterId) }]),
  ]);
  const reasons = adminReasons(input, limits);
  return {
    quota,
    describe: describeQuota(quota),
    fieldErrors: capacity.fieldErrors,
    warnings: capacity.warnings,
    requiresAdmin: reasons.length > 0,
    adminReasons: reasons,
    limits: { cpu: limits.cpu, memoryGi: limits.memoryGi, pods: limits.pods },
  };
}

export async function requestQuota(ctx: Ctx, raw: z.input<typeof ZQuotaRequest> | TQuotaRequest) {
  const input = parseInput(ZQuotaRequest, raw);
  const { project, env } = await quotaTarget(ctx, input);
  await refuseDuplicate("quota", project.id, null, (p) => (p as { environment?: string }).environment === input.environment);
  const verdict = await quotaVerdict(input, env);
  if (Object.keys(verdict.fieldErrors).length) {
    throw new AppError("INVALID_INPUT", "The quota is larger than the environment's clusters have.", { fieldErrors: verdict.fieldErrors });
  }
  const { quota } = verdict;
  return db().$transaction((tx) =>
    openTicket(tx, ctx, {
      type: "quota",
      title: `Quota of ${project.slug}-${input.environment}: ${input.preset === "custom" ? `custom (${verdict.describe})` : input.preset}${input.preset !== "custom" && input.gpu ? ` + ${input.gpu} GPU` : ""}`,
      projectId: project.id,
      teamId: project.teamId,
      requiresAdmin: verdict.requiresAdmin,
      payload: {
        environment: input.environment,
        preset: input.preset,
        gpu: input.gpu,
        quota,
        describe: verdict.describe,
        previous: env.quota,
        previousPreset: env.quotaPreset,
        reason: input.reason,
      },
    }),
  );
}

// ---------------------------------------------------------------- archive

export const archiveTicket = defineTicketType({
  type: "archive",
  label: "Archive",
  payload: z.object({ reason: z.string() }),
  decide: "ticket.archive.decide",
  whoDecides: "Ops or an admin approve archiving.",
  news: { done: "is done: the project is archived", failed: "failed: some namespaces could not be deleted" },
  async approve(tx, ctx, ticket) {
    const run = await startRun(tx, ctx, { kind: "archive", projectId: projectOf(ticket).id, ticketId: ticket.id });
    return { runId: run.runId };
  },
  async plan(_ctx, ticket) {
    return ticket.projectId ? computePlan(await loadPlanInput(ticket.projectId, "archive")) : null;
  },
  async view(_ctx, ticket) {
    return { fields: [{ label: "Why", value: text(ticket.payload.reason) }] };
  },
});

export async function requestArchive(ctx: Ctx, raw: z.input<typeof ZArchiveRequest> | TArchiveRequest) {
  const input = parseInput(ZArchiveRequest, raw);
  authorize(ctx, "project.archive.request", projectResource(input.projectId));
  const project = await activeProject(input.projectId);
  await refuseDuplicate("archive", project.id, null);
  return db().$transaction((tx) =>
    openTicket(tx, ctx, {
      type: "archive",
      title: `Archive ${project.name}`,
      projectId: project.id,
      teamId: project.teamId,
      payload: { reason: input.reason },
    }),
  );
}
