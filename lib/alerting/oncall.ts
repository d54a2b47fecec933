/**
 * On call: a rota per team (ordered members, turning weekly: ./oncall-rota.ts has the formula), a time to
 * acknowledge per team (Team.ackMinutes), and escalation: every minute, an open incident not acknowledged within
 * ackMinutes of opening (or of its last escalation) goes to the next person of the rota: escalationLevel + 1, an
 * in-app notification to that person, its chat message updated to name them, an "escalated" timeline event;
 * nothing more once the whole rota was asked.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { can, teamResource } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { defineTask } from "@/lib/jobs/registry";
import { notify } from "@/lib/notifications";
import { incidentChanged, recordIncidentEvent } from "./events";
import { loadRota, onCallIndex, rotaPositionAt } from "./oncall-rota";

export const ZOnCallSettings = z.object({
  teamId: z.string().min(1),
  /** The rota in order: team members, each once. */
  userIds: z
    .array(z.string().min(1))
    .max(50, { message: "A rota has at most 50 people" })
    .refine((ids) => new Set(ids).size === ids.length, { message: "Each person can be in the rota once" }),
  ackMinutes: z.coerce
    .number({ message: "Enter the minutes to acknowledge, e.g. 15" })
    .int({ message: "Use whole minutes" })
    .min(1, { message: "At least 1 minute" })
    .max(1440, { message: "At most 1440 minutes (a day)" }),
});
export type TOnCallSettings = z.infer<typeof ZOnCallSettings>;

/** The team's on-call section: rota in order, who is on call now, time to acknowledge, whether the actor may edit. */
export async function getOnCall(ctx: Ctx, teamId: string, now = new Date()) {
  const [team, rota, members] = await Promise.all([
    db().team.findUnique({ where: { id: teamId }, select: { id: true, ackMinutes: true } }),
    loadRota(db(), teamId),
    db().teamMembership.findMany({ where: { teamId }, select: { user: { select: { id: true, name: true, email: true } } }, orderBy: { createdAt: "asc" } }),
  ]);
  if (!team) throw new AppError("NOT_FOUND", "This team no longer exists.");
  const current = rota.length ? rota[onCallIndex(rota.length, now)]!.user : null;
  return {
    teamId,
    ackMinutes: team.ackMinutes,
    rota: rota.map((r) => r.user),
    onCallNow: current,
    members: members.map((m) => m.user),
    canEdit: can(ctx.actor, "alerting.oncall.edit", teamResource(teamId)),
  };
}

/** Replaces the team's rota and time to acknowledge (team leads, admins, ops); audited with before and after. */
export async function setOnCall(ctx: Ctx, raw: z.input<typeof ZOnCallSettings>) {
  const input = parseInput(ZOnCallSettings, raw);
  authorize(ctx, "alerting.oncall.edit", teamResource(input.teamId));
  return db().$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: input.teamId }, select: { id: true, slug: true, ackMinutes: true } });
    if (!team) throw new AppError("NOT_FOUND", "This team no longer exists.");
    const members = await tx.teamMembership.findMany({ where: { teamId: team.id, userId: { in: input.userIds } }, select: { userId: true } });
    const inTeam = new Set(members.map((m) => m.userId));
    const strangers = input.userIds.map((id, i) => [id, i] as const).filter(([id]) => !inTeam.has(id));
    if (strangers.length) {
      throw new AppError("INVALID_INPUT", "Only members of the team can be on its rota.", {
        fieldErrors: Object.fromEntries(strangers.map(([, i]) => [`userIds.${i}`, ["Not a member of this team: add them to the team first"]])),
      });
    }
    const beforeRota = await loadRota(tx, team.id);
    const before = { ackMinutes: team.ackMinutes, rota: beforeRota.map((r) => r.user.email) };
    await tx.onCallEntry.deleteMany({ where: { teamId: team.id } });
    if (input.userIds.length) await tx.onCallEntry.createMany({ data: input.userIds.map((userId, position) => ({ teamId: team.id, userId, position })) });
    await tx.team.update({ where: { id: team.id }, data: { ackMinutes: input.ackMinutes } });
    const afterRota = await loadRota(tx, team.id);
    const after = { ackMinutes: input.ackMinutes, rota: afterRota.map((r) => r.user.email) };
    await recordAudit(tx, ctx, { action: "alerting.oncall.edit", target: { type: "team", id: team.id, label: team.slug }, before, after });
    return after;
  });
}

/** Escalates one incident if it is still due (checked again under the incident's lock); true when it escalated. */
export async function escalateIncident(incidentId: string, now = new Date()): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const first = await tx.incident.findUnique({ where: { id: incidentId }, select: { key: true } });
    if (!first) return false;
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${first.key}))`;
    const incident = await tx.incident.findUnique({ where: { id: incidentId }, include: { team: { select: { ackMinutes: true, slug: true } } } });
    if (!incident?.teamId || !incident.team || incident.status !== "open" || incident.acknowledgedAt) return false;
    const since = incident.escalatedAt ?? incident.openedAt;
    if (now.getTime() - since.getTime() < incident.team.ackMinutes * 60_000) return false;
    const rota = await loadRota(tx, incident.teamId);
    const level = incident.escalationLevel + 1;
    const at = rotaPositionAt(rota.length, incident.openedAt, level);
    if (at === null) return false;
    const person = rota[at]!.user;
    await tx.incident.update({ where: { id: incident.id }, data: { escalationLevel: level, escalatedAt: now, version: { increment: 1 } } });
    await recordIncidentEvent(tx, incident.id, "escalated", {
      text: `Escalated to ${person.name}: not acknowledged within ${incident.team.ackMinutes} min`,
      data: { level, userId: person.id },
      at: now,
    });
    await notify(tx, {
      userIds: [person.id],
      title: `INC-${incident.number} escalated to you: ${incident.title}`,
      body: `Not acknowledged within ${incident.team.ackMinutes} minutes by the team's on-call (${incident.team.slug}).`,
      link: `/incidents/${incident.number}`,
    });
    await recordAudit(tx, systemCtx(), {
      action: "incident.escalate",
      target: { type: "incident", id: incident.id, label: `INC-${incident.number}` },
      projectId: incident.projectId,
      before: { escalationLevel: incident.escalationLevel },
      after: { escalationLevel: level, to: person.email },
    });
    await incidentChanged(tx, incident.id, { delayMs: 0 });
    return true;
  });
}

/** Open incidents whose time to acknowledge ran out and whose team's rota has someone left to ask. */
export async function escalateDueIncidents(now = new Date()): Promise<number> {
  const due = await db().$queryRaw<{ id: string }[]>`
    select i.id from "Incident" i join "Team" t on t.id = i."teamId"
    where i.status = 'open' and i."acknowledgedAt" is null
      and coalesce(i."escalatedAt", i."openedAt") + make_interval(mins => t."ackMinutes") <= ${now}
      and i."escalationLevel" + 1 < (select count(*) from "OnCallEntry" o where o."teamId" = t.id)
    order by i."openedAt" limit 500`;
  let escalated = 0;
  for (const { id } of due) if (await escalateIncident(id, now)) escalated += 1;
  return escalated;
}

export const escalationTask = defineTask({
  name: "incident_escalate",
  description: "Escalates open incidents not acknowledged in time to the next person of their team's on-call rota",
  payload: z.object({}).passthrough(),
  async run() {
    await escalateDueIncidents();
  },
});
