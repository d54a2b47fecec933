import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { makeIncident } from "./queries.fixtures";
import { getIncident, getProjectAlerts, listFiringAlerts, listIncidents, myOpenIncidents, ZAlertFilters, ZIncidentFilters } from "./queries";
import { acknowledgeIncident } from "./respond";
import { formatDuration, teamIncidentStats } from "./stats";

const caught = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );
const alertFilters = (q: Record<string, string> = {}) => ZAlertFilters.parse(q);
const incidentFilters = (q: Record<string, string> = {}) => ZIncidentFilters.parse(q);

describe("the alerts and incidents a person sees", () => {
  it("a member sees only their projects' firing alerts, grouped by team and severity; a manager sees them all", async () => {
    const dana = await makeUser("developer");
    const mine = await makeProject({ owner: dana });
    const other = await makeProject({ owner: await makeUser("developer") });
    await makeIncident({ project: mine, severity: "critical", clusters: ["sandbox-east", "sandbox-west"] });
    await makeIncident({ project: mine, severity: "warning", service: "worker" });
    await makeIncident({ project: other, severity: "critical" });
    await makeIncident({ project: mine, severity: "critical", status: "resolved" });

    const seen = await listFiringAlerts(await ctxFor(dana), alertFilters());
    expect(seen.alerts.map((a) => a.projectSlug)).toEqual([mine.slug, mine.slug, mine.slug]);
    expect(seen.alerts.map((a) => a.severity)).toEqual(["critical", "critical", "warning"]);
    const team = seen.alerts[0].teamSlug;
    expect(seen.groups).toEqual([
      { team, severity: "critical", count: 2 },
      { team, severity: "warning", count: 1 },
    ]);
    expect(seen.options.clusters).toEqual(["sandbox-east", "sandbox-west"]);

    const filtered = await listFiringAlerts(await ctxFor(dana), alertFilters({ cluster: "sandbox-west" }));
    expect(filtered.alerts).toHaveLength(1);
    expect((await listFiringAlerts(await ctxFor(dana), alertFilters({ q: "worker" }))).alerts.map((a) => a.serviceSlug)).toEqual(["worker"]);

    const manager = await listFiringAlerts(await ctxFor(await makeUser("manager")), alertFilters({ project: other.slug }));
    expect(manager.alerts).toHaveLength(1);
  });

  it("lists incidents by status (open or acknowledged by default), mine, and refuses another project's incident as not found", async () => {
    const dana = await makeUser("developer");
    const project = await makeProject({ owner: dana });
    const open = await makeIncident({ project });
    const resolved = await makeIncident({ project, status: "resolved", resolvedAt: new Date() });
    await makeIncident({ project, status: "pending" });
    const ctx = await ctxFor(dana);
    expect((await listIncidents(ctx, incidentFilters())).incidents.map((i) => i.number)).toEqual([open.number]);
    expect((await listIncidents(ctx, incidentFilters({ status: "resolved" }))).incidents.map((i) => i.number)).toEqual([resolved.number]);
    expect((await listIncidents(ctx, incidentFilters({ status: "all" }))).total).toBe(3);
    expect((await listIncidents(ctx, incidentFilters({ status: "nonsense" }))).incidents.map((i) => i.number)).toEqual([open.number]);
    expect((await myOpenIncidents(ctx)).incidents.map((i) => i.number)).toEqual([open.number]);

    const view = await getIncident(ctx, String(open.number));
    expect(view.clusters).toEqual(["sandbox-east"]);
    expect(view.timeline.map((t) => t.kind)).toEqual(["alert_firing"]);
    expect(view.rights.respond).toBe(true);
    expect(view.members.map((m) => m.id)).toEqual([dana.id]);

    const stranger = await makeUser("developer");
    await makeProject({ owner: stranger });
    const strangerCtx = await ctxFor(stranger);
    expect((await caught(getIncident(strangerCtx, String(open.number))))?.code).toBe("NOT_FOUND");
    expect((await caught(getIncident(strangerCtx, "INC-x")))?.code).toBe("NOT_FOUND");
    expect((await listIncidents(strangerCtx, incidentFilters({ status: "all" }))).total).toBe(0);
    expect((await caught(getProjectAlerts(strangerCtx, project.slug)))?.code).toBe("NOT_FOUND");
    // Assigned to someone outside the project? Still only what they may read.
    expect((await myOpenIncidents(strangerCtx)).total).toBe(0);
  });

  it("a project's alerts tab: its firing alerts, its open incidents and the last resolved", async () => {
    const dana = await makeUser("developer");
    const project = await makeProject({ owner: dana });
    const open = await makeIncident({ project, clusters: ["sandbox-east", "sandbox-west"] });
    const resolved = await makeIncident({ project, status: "resolved", resolvedAt: new Date() });
    const tab = await getProjectAlerts(await ctxFor(dana), project.slug);
    expect(tab.alerts.map((a) => a.cluster)).toEqual(["sandbox-east", "sandbox-west"]);
    expect(tab.active.map((i) => i.number)).toEqual([open.number]);
    expect(tab.resolved.map((i) => i.number)).toEqual([resolved.number]);
  });
});

describe("managers' figures per team", () => {
  it("counts open incidents and the mean times to acknowledge and resolve over 30 days", async () => {
    const owner = await makeUser("developer");
    const project = await makeProject({ owner });
    const now = new Date();
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    await makeIncident({ project, openedAt: minutesAgo(60), acknowledgedAt: minutesAgo(56), resolvedAt: minutesAgo(30), status: "resolved" });
    await makeIncident({ project, openedAt: minutesAgo(20), acknowledgedAt: minutesAgo(18), status: "acknowledged" });
    await makeIncident({ project, openedAt: minutesAgo(5) });
    // Older than the window and resolved: not counted.
    await makeIncident({ project, openedAt: minutesAgo(60 * 24 * 40), resolvedAt: minutesAgo(60 * 24 * 39), status: "resolved" });
    await makeIncident({ project, status: "pending" });

    const stats = await teamIncidentStats(await ctxFor(await makeUser("manager")), { now });
    const team = stats.teams.find((t) => t.teamId === project.teamId);
    expect(team).toMatchObject({ open: 2, opened: 3, acknowledged: 2, resolved: 1, mttaSeconds: 180, mttrSeconds: 1800 });
    expect(formatDuration(team!.mttaSeconds)).toBe("3 min");
    expect(formatDuration(team!.mttrSeconds)).toBe("30 min");
    expect(formatDuration(null)).toBe("—");

    expect((await caught(teamIncidentStats(await ctxFor(owner))))?.code).toBe("FORBIDDEN");
  });

  it("an ack through the page's path counts towards the time to acknowledge", async () => {
    const owner = await makeUser("developer");
    const project = await makeProject({ owner });
    const incident = await makeIncident({ project, openedAt: new Date(Date.now() - 120_000) });
    await acknowledgeIncident(await ctxFor(owner), { incidentId: incident.id, version: incident.version });
    const stats = await teamIncidentStats(await ctxFor(await makeUser("ops")));
    const team = stats.teams.find((t) => t.teamId === project.teamId)!;
    expect(team.acknowledged).toBe(1);
    expect(team.mttaSeconds).toBeGreaterThanOrEqual(120);
    expect(await db().incident.count({ where: { teamId: project.teamId, status: "acknowledged" } })).toBe(1);
  });
});
