import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { makeIncident } from "./queries.fixtures";
import { acknowledgeIncident, assignIncident, commentOnIncident, reopenIncident, resolveIncident } from "./respond";

const caught = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

async function setup() {
  const owner = await makeUser("developer");
  const dev = await makeUser("developer");
  const viewer = await makeUser("developer");
  const project = await makeProject({ owner, members: [[dev, "developer"]], lifecycle: "active" });
  await db().projectMember.create({ data: { projectId: project.id, userId: viewer.id, role: "viewer" } });
  const incident = await makeIncident({ project });
  return { owner, dev, viewer, project, incident };
}

describe("responding to an incident", () => {
  it("an ack marks it acknowledged by me, assigns it to me, adds the timeline line, the audit record and the chat update", async () => {
    const { dev, incident } = await setup();
    const r = await acknowledgeIncident(await ctxFor(dev), { incidentId: incident.id, version: incident.version });
    expect(r.status).toBe("acknowledged");
    const after = await db().incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect(after.acknowledgedById).toBe(dev.id);
    expect(after.assigneeId).toBe(dev.id);
    expect(after.acknowledgedAt).not.toBeNull();
    expect(after.version).toBe(incident.version + 1);
    const events = await db().incidentEvent.findMany({ where: { incidentId: incident.id, kind: "acknowledged" } });
    expect(events).toHaveLength(1);
    expect(events[0].actorId).toBe(dev.id);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { targetId: incident.id, action: "incident.acknowledge" } });
    expect(audit.before).toMatchObject({ status: "open" });
    expect(audit.after).toMatchObject({ status: "acknowledged", assigneeId: dev.id });
    const jobs = await db().$queryRaw<{ n: bigint }[]>`select count(*) as n from graphile_worker.jobs where key = ${`incident-chat:${incident.id}`}`;
    expect(Number(jobs[0].n)).toBe(1);
  });

  it("a viewer of the project may read but not ack: refused, nothing changes", async () => {
    const { viewer, incident } = await setup();
    const e = await caught(acknowledgeIncident(await ctxFor(viewer), { incidentId: incident.id, version: incident.version }));
    expect(e?.code).toBe("FORBIDDEN");
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).status).toBe("open");
  });

  it("a manager reads every incident but cannot ack; a member of another project is told it does not exist", async () => {
    const { incident } = await setup();
    const manager = await ctxFor(await makeUser("manager"));
    expect((await caught(acknowledgeIncident(manager, { incidentId: incident.id, version: incident.version })))?.code).toBe("FORBIDDEN");
    const stranger = await makeUser("developer");
    await makeProject({ owner: stranger });
    expect((await caught(acknowledgeIncident(await ctxFor(stranger), { incidentId: incident.id, version: incident.version })))?.code).toBe("NOT_FOUND");
    expect(await db().auditEvent.count({ where: { targetId: incident.id } })).toBe(0);
  });

  it("a stale version is refused with who changed it in between", async () => {
    const { dev, owner, incident } = await setup();
    await acknowledgeIncident(await ctxFor(dev), { incidentId: incident.id, version: incident.version });
    const e = await caught(resolveIncident(await ctxFor(owner), { incidentId: incident.id, version: incident.version }));
    expect(e?.code).toBe("CONFLICT");
    expect(e?.userMessage).toMatch(/Someone else .* saved this incident/);
  });

  it("assigns only to a member of the project, and says so at the field", async () => {
    const { dev, owner, incident } = await setup();
    const outsider = await makeUser("developer");
    const e = await caught(assignIncident(await ctxFor(dev), { incidentId: incident.id, version: incident.version, assigneeId: outsider.id }));
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.fieldErrors?.assigneeId?.[0]).toMatch(/member of the incident's project/);
    const r = await assignIncident(await ctxFor(dev), { incidentId: incident.id, version: incident.version, assigneeId: owner.id });
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).assigneeId).toBe(owner.id);
    const line = await db().incidentEvent.findFirstOrThrow({ where: { incidentId: incident.id, kind: "assigned" } });
    expect(line.text).toBe(`Assigned to ${owner.name}`);
    expect(r.version).toBe(incident.version + 1);
  });

  it("comments join the timeline; an empty one is refused at its field", async () => {
    const { dev, incident } = await setup();
    const ctx = await ctxFor(dev);
    expect((await caught(commentOnIncident(ctx, { incidentId: incident.id, body: "   " })))?.fieldErrors?.body?.[0]).toBe("Write a comment first.");
    await commentOnIncident(ctx, { incidentId: incident.id, body: "Looking at the 5xx now" });
    const line = await db().incidentEvent.findFirstOrThrow({ where: { incidentId: incident.id, kind: "comment" } });
    expect(line).toMatchObject({ text: "Looking at the 5xx now", actorId: dev.id });
  });

  it("resolve then reopen; reopening is refused while another incident of the same alert is open", async () => {
    const { dev, project, incident } = await setup();
    const ctx = await ctxFor(dev);
    const resolved = await resolveIncident(ctx, { incidentId: incident.id, version: incident.version, note: "Rolled back" });
    expect(resolved.status).toBe("resolved");
    expect((await caught(resolveIncident(ctx, { incidentId: incident.id, version: resolved.version })))?.userMessage).toMatch(/already resolved/);
    const reopened = await reopenIncident(ctx, { incidentId: incident.id, version: resolved.version });
    expect(reopened.status).toBe("open");
    const after = await db().incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect(after.resolvedAt).toBeNull();
    const second = await resolveIncident(ctx, { incidentId: incident.id, version: reopened.version });
    const again = await makeIncident({ project, alertname: incident.key.split("/")[3] });
    const e = await caught(reopenIncident(ctx, { incidentId: incident.id, version: second.version }));
    expect(e?.code).toBe("PRECONDITION_FAILED");
    expect(e?.userMessage).toBe(`INC-${again.number} is open for the same alert: work on that one.`);
    const kinds = (await db().incidentEvent.findMany({ where: { incidentId: incident.id }, orderBy: { at: "asc" } })).map((x) => x.kind);
    expect(kinds).toEqual(["alert_firing", "resolved", "reopened", "resolved"]);
  });
});
