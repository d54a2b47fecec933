import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { getHomeSummary } from "./summary";

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

describe("the home page", () => {
  it("shows a manager who is in no project what they watch: this week's deliveries, failed releases, open tickets and their age", async () => {
    const manager = await makeUser("manager");
    const dev = await makeUser("developer");
    const project = await makeProject({ owner: dev, slug: "watched", lifecycle: "active" });
    const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
    const release = (number: number, status: "succeeded" | "failed" | "rolled_back", days: number, environment: "dev" | "prod" = "dev", reason = "") =>
      db().release.create({
        data: {
          serviceId: service.id,
          environment,
          number,
          specVersion: 1,
          image: `r/api:v${number}`,
          tag: `v${number}`,
          spec: {},
          manifests: [],
          status,
          reason,
          createdAt: ago(days),
          finishedAt: ago(days),
        },
      });
    await release(1, "succeeded", 10); // last week: not a delivery of this week
    await release(2, "succeeded", 3);
    await release(3, "succeeded", 1, "prod");
    await release(4, "failed", 2, "dev", "CrashLoopBackOff: api-7d9 restarted 5 times");
    await release(5, "rolled_back", 0.5);
    const ticket = (title: string, days: number, status: "open" | "done" = "open") =>
      db().ticket.create({ data: { type: "permission", title, requesterId: dev.id, projectId: project.id, payload: {}, status, createdAt: ago(days) } });
    await ticket("Fresh", 0.2);
    await ticket("Three days", 3);
    await ticket("Old", 12);
    await ticket("Closed", 20, "done");

    const summary = await getHomeSummary(await ctxFor(manager));
    expect(summary.myProjects).toEqual([]);
    const boards = summary.boards!;
    expect(boards.deliveries.count).toBe(2);
    expect(boards.deliveries.prod).toBe(1);
    expect(boards.deliveries.latest.map((r) => r.tag)).toEqual(["v3", "v2"]);
    expect(boards.failures.count).toBe(2);
    expect(boards.failures.latest.map((r) => [r.tag, r.status, r.reason])).toEqual([
      ["v5", "rolled_back", ""],
      ["v4", "failed", "CrashLoopBackOff: api-7d9 restarted 5 times"],
    ]);
    expect(boards.tickets.open).toBe(3);
    expect(boards.tickets.ages).toEqual({ day: 1, week: 1, older: 1 });
    expect(boards.tickets.oldest.map((t) => [t.title, t.ageDays])).toEqual([
      ["Old", 12],
      ["Three days", 3],
      ["Fresh", 0],
    ]);
  });

  it("gives a developer no boards: they land on their projects", async () => {
    const summary = await getHomeSummary(await ctxFor(await makeUser("developer")));
    expect(summary.boards).toBeNull();
  });

  it("groups repeated system events into one line of the feed", async () => {
    const admin = await makeUser("admin");
    const events = [
      ...Array.from({ length: 25 }, (_, i) => ({ action: "provisioning.succeeded", targetType: "run", targetLabel: `run ${i}` })),
      { action: "project.update", targetType: "project", targetLabel: "ledger" },
    ];
    const base = Date.now() + 60_000;
    await db().auditEvent.createMany({
      data: events.map((e, i) => ({ ...e, actorLabel: "system", targetId: `t${i}`, at: new Date(base + i * 1000) })),
    });
    const { recent } = await getHomeSummary(await ctxFor(admin));
    expect(recent[0]).toMatchObject({ action: "project.update", count: 1, targets: ["ledger"] });
    expect(recent[1]).toMatchObject({
      action: "provisioning.succeeded",
      count: 25,
      summary: "25 provisioning runs succeeded",
      targets: ["run 24", "run 23", "run 22"],
    });
  });
});
