/**
 * Silences against the test run's real Alertmanager (test/global-setup.ts). Alerts are pushed to it as Prometheus
 * would (POST /api/v2/alerts), with a project slug unique to each test.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { amSilences } from "./am";
import { createReleaseWithSilence, createSilence, expireSilence, incidentSilenceMatchers, listSilences, previewSilence } from "./silences";

const amUrl = process.env.WHARF_ALERTMANAGER_URL;
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

async function fire(project: string, alerts: { alertname: string; service: string; environment?: string; cluster?: string }[]) {
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(
      alerts.map((a) => ({
        labels: {
          alertname: a.alertname,
          project,
          service: a.service,
          environment: a.environment ?? "dev",
          cluster: a.cluster ?? "sandbox-east",
          severity: "critical",
        },
        annotations: { summary: "test" },
        startsAt: new Date().toISOString(),
        endsAt: inAnHour(),
      })),
    ),
  });
  expect(res.ok).toBe(true);
}

async function setup() {
  const dev = await makeUser();
  const slug = `sil-${randomBytes(3).toString("hex")}`;
  const project = await makeProject({ owner: dev, slug, lifecycle: "active" });
  return { dev, ctx: await ctxFor(dev), project };
}

describe("silences", () => {
  it("previews how many active alerts the matchers would mute, confined to the project", async () => {
    const { ctx, project } = await setup();
    const other = await setup();
    await fire(project.slug, [
      { alertname: "HighErrorRate", service: "api", cluster: "sandbox-east" },
      { alertname: "HighErrorRate", service: "api", cluster: "sandbox-west" },
      { alertname: "HighLatency", service: "web" },
    ]);
    await fire(other.project.slug, [{ alertname: "HighErrorRate", service: "api" }]);
    const all = await previewSilence(ctx, { projectId: project.id, matchers: [{ name: "alertname", op: "=~", value: "High.*" }] });
    expect(all.count).toBe(3);
    expect(all.matchers[0]).toEqual({ name: "project", op: "=", value: project.slug });
    const api = await previewSilence(ctx, { projectId: project.id, matchers: [{ name: "service", op: "=", value: "api" }] });
    expect(api).toMatchObject({ count: 2, alertnames: ["HighErrorRate"] });
    const notApi = await previewSilence(ctx, { projectId: project.id, matchers: [{ name: "service", op: "!=", value: "api" }] });
    expect(notApi.count).toBe(1);
  });

  it("creates a silence in Alertmanager from an incident, audited and on its timeline; it then mutes those alerts", async () => {
    const { ctx, project } = await setup();
    await fire(project.slug, [{ alertname: "HighErrorRate", service: "api" }]);
    const incident = await db().incident.create({ data: { key: `${project.slug}/api/dev/HighErrorRate`, title: "HighErrorRate", projectId: project.id } });
    const matchers = incidentSilenceMatchers(incident);
    expect(matchers).toEqual([
      { name: "project", op: "=", value: project.slug },
      { name: "service", op: "=", value: "api" },
      { name: "environment", op: "=", value: "dev" },
      { name: "alertname", op: "=", value: "HighErrorRate" },
    ]);
    const created = await createSilence(ctx, {
      projectId: project.id,
      incidentId: incident.id,
      matchers,
      endsAt: inAnHour(),
      comment: "Rolling back",
    });
    const inAm = await amSilences([`project="${project.slug}"`]);
    expect(inAm.ok && inAm.data.find((s) => s.id === created.id)).toMatchObject({ comment: "Rolling back", status: { state: "active" } });
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "alert.silence", targetId: created.id } });
    expect(audit.projectId).toBe(project.id);
    expect(audit.after).toMatchObject({ id: created.id, comment: "Rolling back" });
    const event = await db().incidentEvent.findFirstOrThrow({ where: { incidentId: incident.id, kind: "silenced" } });
    expect(event.text).toMatch(/^Silenced until .* UTC: Rolling back$/);
    expect((await previewSilence(ctx, { projectId: project.id, matchers: [{ name: "service", op: "=", value: "api" }] })).count).toBe(0);

    const listed = await listSilences(ctx, project.id);
    expect(listed.silences.map((s) => s.id)).toEqual([created.id]);
    await expireSilence(ctx, { projectId: project.id, silenceId: created.id });
    const expiredAudit = await db().auditEvent.findFirstOrThrow({ where: { action: "alert.silence.expire", targetId: created.id } });
    expect(expiredAudit.before).toMatchObject({ status: { state: "active" } });
    expect(expiredAudit.after).toMatchObject({ status: { state: "expired" } });
    expect(await db().incidentEvent.findFirst({ where: { incidentId: incident.id, kind: "silence_expired" } })).toMatchObject({
      text: "Silence expired: its alerts are sent again",
    });
    expect((await listSilences(ctx, project.id)).silences[0]!.status.state).toBe("expired");
  });

  it("refuses a silence of another project's alerts, and lists or expires none of theirs", async () => {
    const { ctx, project } = await setup();
    const other = await setup();
    await expect(
      createSilence(ctx, { projectId: project.id, matchers: [{ name: "project", op: "=", value: other.project.slug }], endsAt: inAnHour(), comment: "x" }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", fieldErrors: { "matchers.0": [expect.stringContaining(`project = ${project.slug}`)] } });
    await expect(
      createSilence(ctx, { projectId: project.id, matchers: [{ name: "project", op: "=~", value: ".*" }], endsAt: inAnHour(), comment: "x" }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    // Not a member of the other project: refused outright.
    await expect(
      createSilence(ctx, { projectId: other.project.id, matchers: [{ name: "service", op: "=", value: "api" }], endsAt: inAnHour(), comment: "x" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const theirs = await createSilence(other.ctx, {
      projectId: other.project.id,
      matchers: [{ name: "service", op: "=", value: "api" }],
      endsAt: inAnHour(),
      comment: "theirs",
    });
    expect((await listSilences(ctx, project.id)).silences).toEqual([]);
    await expect(expireSilence(ctx, { projectId: project.id, silenceId: theirs.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses no matcher, an end before the start and more than 30 days, at the field", async () => {
    const { ctx, project } = await setup();
    await expect(createSilence(ctx, { projectId: project.id, matchers: [], endsAt: inAnHour(), comment: "x" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      fieldErrors: { matchers: [expect.stringContaining("at least one matcher")] },
    });
    await expect(
      createSilence(ctx, {
        projectId: project.id,
        matchers: [{ name: "service", op: "=", value: "api" }],
        startsAt: new Date(Date.now() + 7200_000).toISOString(),
        endsAt: inAnHour(),
        comment: "x",
      }),
    ).rejects.toMatchObject({ fieldErrors: { endsAt: ["The end must be after the start"] } });
    await expect(
      createSilence(ctx, {
        projectId: project.id,
        matchers: [{ name: "service", op: "=", value: "api" }],
        endsAt: new Date(Date.now() + 31 * 86_400_000).toISOString(),
        comment: "x",
      }),
    ).rejects.toMatchObject({ fieldErrors: { endsAt: [expect.stringContaining("At most 30 days")] } });
    await expect(
      createSilence(ctx, { projectId: project.id, matchers: [{ name: "service", op: "=~", value: "(" }], endsAt: inAnHour(), comment: "x" }),
    ).rejects.toMatchObject({ fieldErrors: { "matchers.0.value": ["Not a valid regular expression"] } });
  });
});

describe("the deploy form's release-window silence", () => {
  it("takes its silence back when the release is refused, so nothing is half-done", async () => {
    const { ctx, project } = await setup();
    // No environment on any cluster: the release is refused after the silence was created.
    const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "api" } });
    await expect(createReleaseWithSilence(ctx, { serviceId: service.id, environment: "dev", tag: "v2", silenceMinutes: 30 })).rejects.toBeDefined();
    const listed = await listSilences(ctx, project.id);
    expect(listed.silences).toHaveLength(1);
    expect(listed.silences[0]).toMatchObject({
      status: { state: "expired" },
      comment: "Release window: api v2 in dev (30 min)",
      matchers: [
        { name: "project", op: "=", value: project.slug },
        { name: "service", op: "=", value: "api" },
        { name: "environment", op: "=", value: "dev" },
      ],
    });
  });

  it("refuses a release window under 5 minutes at the field", async () => {
    const { ctx } = await setup();
    await expect(createReleaseWithSilence(ctx, { serviceId: "x", environment: "dev", tag: "v2", silenceMinutes: 1 })).rejects.toMatchObject({
      fieldErrors: { silenceMinutes: ["At least 5 minutes"] },
    });
  });
});

describe("silences with Alertmanager down", () => {
  it("says why and stores nothing", async () => {
    const { ctx, project } = await setup();
    const saved = process.env.WHARF_ALERTMANAGER_URL;
    // Nothing listens there (the client reads the variable as it is now, like the worker of `npm run dev`).
    process.env.WHARF_ALERTMANAGER_URL = "http://127.0.0.1:59124";
    try {
      await expect(
        createSilence(ctx, { projectId: project.id, matchers: [{ name: "service", op: "=", value: "api" }], endsAt: inAnHour(), comment: "x" }),
      ).rejects.toMatchObject({ code: "UNAVAILABLE", userMessage: expect.stringMatching(/refused the connection: is it running\?\. Nothing was changed\./) });
      expect(await db().auditEvent.count({ where: { action: "alert.silence", projectId: project.id } })).toBe(0);
    } finally {
      process.env.WHARF_ALERTMANAGER_URL = saved;
    }
  });
});
