/**
 * Responding to an incident: acknowledge, assign, comment, resolve, reopen.
 * Each needs `incident.respond` on the incident's project (a reader who may
 * not respond is refused FORBIDDEN; one who may not even read it, NOT_FOUND),
 * says which version of the incident it was made from (a stale one is
 * refused with who changed it), and in one transaction — serialized with the
 * ingest on the incident's key by `pg_advisory_xact_lock(hashtext(key))` —
 * changes the incident, adds the line to its timeline, writes the audit
 * record (before/after) and queues its chat update.
 */
import { z } from "zod";
import { can, projectResource, scopeOf } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import type { Ctx } from "@/lib/context";
import { db, type Prisma, type Tx } from "@/lib/db/client";
import type { Incident } from "@/lib/db/generated/client";
import { staleVersionError } from "@/lib/db/optimistic";
import { AppError, parseInput } from "@/lib/errors";
import { incidentChanged, recordIncidentEvent, type IncidentEventKind } from "./events";
import { canRespondTo } from "./queries";

const incidentId = z
  .string({ message: "Which incident? Its id is missing." })
  .min(1, "Which incident? Its id is missing.")
  .max(64, "This is not an incident id.");
const version = z.number({ message: "The incident's version is missing: reload the page." }).int().positive();
const note = z.string().trim().max(4000, "Keep the note under 4,000 characters.").optional().default("");

export const ZAcknowledgeIncident = z.object({ incidentId, version });
export const ZAssignIncident = z.object({
  incidentId,
  version,
  /** A member of the incident's project; null unassigns. */
  assigneeId: z.string().max(64).nullable(),
});
export const ZCommentIncident = z.object({
  incidentId,
  body: z.string().trim().min(1, "Write a comment first.").max(4000, "Keep the comment under 4,000 characters."),
});
export const ZResolveIncident = z.object({ incidentId, version, note });
export const ZReopenIncident = z.object({ incidentId, version, note });

/** What the audit keeps of an incident before and after a response. */
function snapshot(i: Incident) {
  return {
    status: i.status,
    assigneeId: i.assigneeId,
    acknowledgedAt: i.acknowledgedAt,
    acknowledgedById: i.acknowledgedById,
    resolvedAt: i.resolvedAt,
    resolvedById: i.resolvedById,
    version: i.version,
  };
}

const label = (i: { number: number }) => `INC-${i.number}`;

/**
 * Runs one response in a transaction: locks the incident's key, re-reads it, checks the reader may see it and
 * respond to it, then hands it to `change`.
 */
async function respond<T>(ctx: Ctx, id: string, change: (tx: Tx, incident: Incident) => Promise<T>): Promise<T> {
  const first = await db().incident.findUnique({ where: { id }, select: { key: true } });
  if (!first) throw new AppError("NOT_FOUND", "This incident does not exist.");
  return db().$transaction(async (tx) => {
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${first.key}))`;
    const incident = await tx.incident.findUnique({ where: { id } });
    const readable =
      incident && (incident.projectId ? can(ctx.actor, "alert.read", projectResource(incident.projectId)) : scopeOf(ctx.actor, "alert.read").all);
    if (!incident || !readable) throw new AppError("NOT_FOUND", "This incident does not exist.");
    if (!canRespondTo(ctx, incident.projectId)) {
      throw new AppError("FORBIDDEN", "You may read this incident but not respond to it: ask a maintainer of its project for the developer role.", {
        message: `${ctx.actor.email} may not incident.respond on ${incident.projectId ?? "platform"}`,
      });
    }
    return change(tx, incident);
  });
}

/** Writes the change if the incident is still at `version`; else CONFLICT saying who changed it. */
async function update(tx: Tx, before: Incident, version: number, data: Prisma.IncidentUncheckedUpdateManyInput): Promise<Incident> {
  const { count } = await tx.incident.updateMany({ where: { id: before.id, version }, data: { ...data, version: { increment: 1 } } });
  if (count === 0) throw await staleVersionError(tx, { type: "incident", id: before.id, noun: "incident" }, before);
  return tx.incident.findUniqueOrThrow({ where: { id: before.id } });
}

async function finish(
  tx: Tx,
  ctx: Ctx,
  before: Incident,
  after: Incident,
  action: string,
  kind: IncidentEventKind,
  text = "",
  data: Record<string, string | null> = {},
) {
  const actorId = ctx.actor.kind === "user" ? ctx.actor.id : null;
  await recordIncidentEvent(tx, after.id, kind, { actorId, text, data });
  await recordAudit(tx, ctx, {
    action,
    target: { type: "incident", id: after.id, label: label(after) },
    projectId: after.projectId,
    before: snapshot(before),
    after: snapshot(after),
  });
  await incidentChanged(tx, after.id);
  return { id: after.id, number: after.number, status: after.status, version: after.version };
}

/** Acknowledge: someone is on it (escalation stops). Whoever acks an unassigned incident becomes its assignee. */
export async function acknowledgeIncident(ctx: Ctx, raw: z.input<typeof ZAcknowledgeIncident>) {
  const input = parseInput(ZAcknowledgeIncident, raw);
  return respond(ctx, input.incidentId, async (tx, before) => {
    if (before.status === "acknowledged") throw new AppError("PRECONDITION_FAILED", `${label(before)} is already acknowledged.`);
    if (before.status === "resolved") throw new AppError("PRECONDITION_FAILED", `${label(before)} is resolved: reopen it first.`);
    const me = ctx.actor.kind === "user" ? ctx.actor.id : null;
    const after = await update(tx, before, input.version, {
      status: "acknowledged",
      acknowledgedAt: new Date(),
      acknowledgedById: me,
      ...(before.assigneeId || !me ? {} : { assigneeId: me }),
    });
    return finish(tx, ctx, before, after, "incident.acknowledge", "acknowledged");
  });
}

/** Assign to a member of the incident's project, or unassign (null). */
export async function assignIncident(ctx: Ctx, raw: z.input<typeof ZAssignIncident>) {
  const input = parseInput(ZAssignIncident, raw);
  return respond(ctx, input.incidentId, async (tx, before) => {
    let name: string | null = null;
    if (input.assigneeId) {
      const member = before.projectId
        ? await tx.projectMember.findUnique({
            where: { projectId_userId: { projectId: before.projectId, userId: input.assigneeId } },
            select: { user: { select: { name: true, disabled: true } } },
          })
        : null;
      if (!member || member.user.disabled) {
        throw new AppError("INVALID_INPUT", "Assign the incident to a member of its project.", {
          fieldErrors: { assigneeId: ["Choose a member of the incident's project."] },
        });
      }
      name = member.user.name;
    }
    if (before.assigneeId === input.assigneeId)
      throw new AppError("PRECONDITION_FAILED", name ? `${label(before)} is already assigned to ${name}.` : `${label(before)} is not assigned.`);
    const after = await update(tx, before, input.version, { assigneeId: input.assigneeId });
    return finish(tx, ctx, before, after, "incident.assign", "assigned", name ? `Assigned to ${name}` : "Unassigned", {
      assigneeId: input.assigneeId,
      assignee: name,
    });
  });
}

/** A comment on the timeline (the incident itself does not change: no version). */
export async function commentOnIncident(ctx: Ctx, raw: z.input<typeof ZCommentIncident>) {
  const input = parseInput(ZCommentIncident, raw);
  return respond(ctx, input.incidentId, async (tx, incident) => {
    const actorId = ctx.actor.kind === "user" ? ctx.actor.id : null;
    await recordIncidentEvent(tx, incident.id, "comment", { actorId, text: input.body });
    await recordAudit(tx, ctx, {
      action: "incident.comment",
      target: { type: "incident", id: incident.id, label: label(incident) },
      projectId: incident.projectId,
      after: { comment: input.body },
    });
    return { id: incident.id, number: incident.number, status: incident.status, version: incident.version };
  });
}

/** Resolve by hand (its alerts may still fire: a new firing opens a new incident). */
export async function resolveIncident(ctx: Ctx, raw: z.input<typeof ZResolveIncident>) {
  const input = parseInput(ZResolveIncident, raw);
  return respond(ctx, input.incidentId, async (tx, before) => {
    if (before.status === "resolved") throw new AppError("PRECONDITION_FAILED", `${label(before)} is already resolved.`);
    const me = ctx.actor.kind === "user" ? ctx.actor.id : null;
    const after = await update(tx, before, input.version, { status: "resolved", resolvedAt: new Date(), resolvedById: me });
    return finish(tx, ctx, before, after, "incident.resolve", "resolved", input.note);
  });
}

/** Reopen a resolved incident, unless another incident of the same alert is open now (work on that one). */
export async function reopenIncident(ctx: Ctx, raw: z.input<typeof ZReopenIncident>) {
  const input = parseInput(ZReopenIncident, raw);
  return respond(ctx, input.incidentId, async (tx, before) => {
    if (before.status !== "resolved") throw new AppError("PRECONDITION_FAILED", `${label(before)} is not resolved.`);
    const other = await tx.incident.findFirst({ where: { key: before.key, id: { not: before.id }, status: { not: "resolved" } }, select: { number: true } });
    if (other) throw new AppError("PRECONDITION_FAILED", `INC-${other.number} is open for the same alert: work on that one.`);
    const after = await update(tx, before, input.version, {
      status: "open",
      resolvedAt: null,
      resolvedById: null,
      acknowledgedAt: null,
      acknowledgedById: null,
    });
    return finish(tx, ctx, before, after, "incident.reopen", "reopened", input.note);
  });
}
