/** On call: the weekly rota, escalation when nobody acknowledges in time, and who may edit the rota. */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeTeam, makeUser } from "@/test/factories";
import { escalateDueIncidents, getOnCall, setOnCall } from "./oncall";
import { onCallIndex, rotaPositionAt } from "./oncall-rota";

async function teamWith(names: string[]) {
  const team = await makeTeam();
  const people = [];
  for (const name of names) {
    const u = await makeUser("developer", `${name} ${Math.random().toString(36).slice(2, 6)}`);
    await db().teamMembership.create({ data: { teamId: team.id, userId: u.id, role: "member" } });
    people.push(u);
  }
  return { team, people };
}

let seq = 0;
async function openIncident(teamId: string, openedAt: Date) {
  const owner = await makeUser();
  const project = await makeProject({ owner, teamId });
  return db().incident.create({
    data: { key: `${project.slug}/api/dev/Down/${++seq}`, title: "Down", status: "open", projectId: project.id, teamId, openedAt },
  });
}

describe("on call", () => {
  it("turns the rota weekly on Mondays 00:00 UTC", () => {
    const monday = new Date("2026-11-30T00:00:00Z");
    const i = onCallIndex(3, monday);
    expect(onCallIndex(3, new Date("2026-12-06T23:59:59Z"))).toBe(i);
    expect(onCallIndex(3, new Date("2026-12-07T00:00:00Z"))).toBe((i + 1) % 3);
    expect(onCallIndex(3, new Date("2026-12-14T00:00:00Z"))).toBe((i + 2) % 3);
    expect(rotaPositionAt(3, monday, 1)).toBe((i + 1) % 3);
    expect(rotaPositionAt(3, monday, 3)).toBeNull();
    expect(rotaPositionAt(0, monday, 0)).toBeNull();
  });

  it("escalates an incident not acknowledged in time to the next person, notifies them, and stops after the whole rota", async () => {
    const { team, people } = await teamWith(["Ann", "Bob", "Cid"]);
    const lead = await makeUser("admin");
    await setOnCall(await ctxFor(lead), { teamId: team.id, userIds: people.map((p) => p.id), ackMinutes: 10 });
    const openedAt = new Date("2026-12-01T10:00:00Z");
    const incident = await openIncident(team.id, openedAt);
    const first = onCallIndex(3, openedAt);
    const next = people[(first + 1) % 3]!;
    const last = people[(first + 2) % 3]!;

    // Within the time to acknowledge: nothing.
    await escalateDueIncidents(new Date("2026-12-01T10:09:00Z"));
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).escalationLevel).toBe(0);

    await escalateDueIncidents(new Date("2026-12-01T10:10:00Z"));
    let now = await db().incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect(now.escalationLevel).toBe(1);
    const event = await db().incidentEvent.findFirstOrThrow({ where: { incidentId: incident.id, kind: "escalated" } });
    expect(event.text).toBe(`Escalated to ${next.name}: not acknowledged within 10 min`);
    const note = await db().notification.findFirstOrThrow({ where: { userId: next.id } });
    expect(note).toMatchObject({ title: `INC-${incident.number} escalated to you: Down`, link: `/incidents/${incident.number}` });
    // Its chat message is brought up to date (naming them): the job is queued.
    const jobs = await db().$queryRaw<{ n: bigint }[]>`
      select count(*) as n from graphile_worker._private_jobs where key = ${`incident-chat:${incident.id}`}`;
    expect(Number(jobs[0]!.n)).toBe(1);

    // The next escalation counts from the last one.
    await escalateDueIncidents(new Date("2026-12-01T10:15:00Z"));
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).escalationLevel).toBe(1);
    await escalateDueIncidents(new Date("2026-12-01T10:20:00Z"));
    now = await db().incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect(now.escalationLevel).toBe(2);
    expect(await db().notification.count({ where: { userId: last.id } })).toBe(1);

    // The whole rota was asked: no more.
    await escalateDueIncidents(new Date("2026-12-01T12:00:00Z"));
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).escalationLevel).toBe(2);
    expect(await db().incidentEvent.count({ where: { incidentId: incident.id, kind: "escalated" } })).toBe(2);
  });

  it("does not escalate an acknowledged incident", async () => {
    const { team, people } = await teamWith(["Dee", "Eve"]);
    await db().onCallEntry.createMany({ data: people.map((p, position) => ({ teamId: team.id, userId: p.id, position })) });
    const incident = await openIncident(team.id, new Date("2026-12-01T10:00:00Z"));
    await db().incident.update({ where: { id: incident.id }, data: { status: "acknowledged", acknowledgedAt: new Date("2026-12-01T10:01:00Z") } });
    await escalateDueIncidents(new Date("2026-12-01T11:00:00Z"));
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).escalationLevel).toBe(0);
  });

  it("the team's lead edits the rota and the time to acknowledge, audited; a member who is not lead and another team's lead are refused", async () => {
    const { team, people } = await teamWith(["Fay", "Gus"]);
    const lead = await makeUser();
    await db().teamMembership.create({ data: { teamId: team.id, userId: lead.id, role: "lead" } });
    const leadCtx = await ctxFor(lead);
    const after = await setOnCall(leadCtx, { teamId: team.id, userIds: [people[1]!.id, people[0]!.id], ackMinutes: 5 });
    expect(after).toEqual({ ackMinutes: 5, rota: [people[1]!.email, people[0]!.email] });
    const view = await getOnCall(leadCtx, team.id);
    expect(view.rota.map((u) => u.id)).toEqual([people[1]!.id, people[0]!.id]);
    expect(view.canEdit).toBe(true);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "alerting.oncall.edit", targetId: team.id } });
    expect(audit.before).toEqual({ ackMinutes: 15, rota: [] });
    expect(audit.after).toEqual({ ackMinutes: 5, rota: [people[1]!.email, people[0]!.email] });

    const member = await ctxFor(people[0]!);
    await expect(setOnCall(member, { teamId: team.id, userIds: [], ackMinutes: 5 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await getOnCall(member, team.id)).canEdit).toBe(false);
    const other = await teamWith([]);
    const otherLead = await makeUser();
    await db().teamMembership.create({ data: { teamId: other.team.id, userId: otherLead.id, role: "lead" } });
    await expect(setOnCall(await ctxFor(otherLead), { teamId: team.id, userIds: [], ackMinutes: 5 })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("refuses someone outside the team, the same person twice and a time to acknowledge of 0, at the field", async () => {
    const { team, people } = await teamWith(["Hal"]);
    const admin = await ctxFor(await makeUser("admin"));
    const stranger = await makeUser();
    await expect(setOnCall(admin, { teamId: team.id, userIds: [people[0]!.id, stranger.id], ackMinutes: 5 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      fieldErrors: { "userIds.1": ["Not a member of this team: add them to the team first"] },
    });
    await expect(setOnCall(admin, { teamId: team.id, userIds: [people[0]!.id, people[0]!.id], ackMinutes: 5 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(setOnCall(admin, { teamId: team.id, userIds: [], ackMinutes: 0 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      fieldErrors: { ackMinutes: ["At least 1 minute"] },
    });
  });
});
