/**
 * The writer against the test run's real Alertmanager (test/global-setup.ts):
 * a change in the CMDB queues the job in its transaction (the trigger), a real
 * worker writes the file Alertmanager was started with, reloads it, and
 * Alertmanager's /api/v2/status then runs the new routes.
 *
 * Only this file points WHARF_ALERTMANAGER_CONFIG_FILE at the shared
 * Alertmanager's file: other files' databases would otherwise rewrite it with
 * their own projects while this one checks what is loaded.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ctxFor, makeProject, makeTeam, makeUser } from "@/test/factories";
import { testMonitoring } from "@/test/monitoring";
import { until, workerForThisFile } from "@/test/worker";
import { amStatus } from "./am";
import { addMaintenanceWindow, listMaintenanceWindows, removeMaintenanceWindow } from "./maintenance";
import { AMTOOL, getRoutingStatus, readRoutingState, requestRoutingApply, ROUTING_SETTING_KEY } from "./routing-apply";

const configFile = testMonitoring().alertmanagerConfigFile;
process.env.WHARF_ALERTMANAGER_CONFIG_FILE = configFile;

workerForThisFile();

/** Waits until the Alertmanager runs a configuration for which `test` holds. */
async function loaded(test: (original: string) => boolean, what: string) {
  return until(
    async () => {
      const s = await amStatus();
      return s.ok && s.data.config && test(s.data.config.original) ? s.data.config.original : null;
    },
    20_000,
    what,
  );
}

function routeTaken(labels: Record<string, string>): string[] {
  const out = execFileSync(
    AMTOOL,
    ["config", "routes", "test", `--config.file=${configFile}`, "--tree", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  return [...out.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
}

let owner: Awaited<ReturnType<typeof makeUser>>;
let team: Awaited<ReturnType<typeof makeTeam>>;
let project: Awaited<ReturnType<typeof makeProject>>;

beforeAll(async () => {
  owner = await makeUser("developer");
  team = await makeTeam(`rt-${Date.now().toString(36)}`);
  project = await makeProject({ owner, teamId: team.id, slug: `routed-${Date.now().toString(36)}` });
});

describe("Alertmanager's configuration follows the CMDB", () => {
  it("routes a team's new project at once: Alertmanager runs its route and amtool sends its alerts there", async () => {
    await loaded((c) => c.includes(`project="${project.slug}"`), `Alertmanager to load the route of ${project.slug}`);
    expect(routeTaken({ team: team.slug, project: project.slug, service: "api", environment: "dev", severity: "warning" })).toEqual([
      `team="${team.slug}"`,
      `project="${project.slug}"`,
    ]);
    const state = await until(async () => {
      const s = await readRoutingState();
      return s.loadedAt ? s : null;
    });
    expect(state).toMatchObject({ lastError: "", projects: expect.any(Number) });
    expect(fs.readFileSync(configFile, "utf8")).toMatch(/credentials: /);
    const audit = await db().auditEvent.findFirst({ where: { action: "alerting.routing.applied" } });
    expect(audit?.actorLabel).toBe("system");
  });

  it("mutes the project during a maintenance window its owner adds, and unmutes it when removed", async () => {
    const ctx = await ctxFor(owner);
    const w = await addMaintenanceWindow(ctx, {
      projectId: project.id,
      window: { name: "Database upgrade", weekdays: ["sunday"], startTime: "02:00", endTime: "04:00", location: "Europe/Berlin", environments: ["prod"] },
    });
    await loaded((c) => c.includes(`mw-${w.id}`), "the window's time interval");
    expect(routeTaken({ team: team.slug, project: project.slug, environment: "prod", severity: "warning" })).toEqual([
      `team="${team.slug}"`,
      `project="${project.slug}"`,
      'environment="prod"',
    ]);
    expect((await listMaintenanceWindows(ctx, project.slug)).windows.map((x) => x.name)).toEqual(["Database upgrade"]);
    expect(await db().auditEvent.count({ where: { action: "alerting.maintenance.add", targetId: w.id } })).toBe(1);

    await removeMaintenanceWindow(ctx, { projectId: project.id, windowId: w.id });
    await loaded((c) => !c.includes(`mw-${w.id}`) && c.includes(`project="${project.slug}"`), "the window gone");
    expect(await db().auditEvent.count({ where: { action: "alerting.maintenance.remove", targetId: w.id } })).toBe(1);
  });

  it("drops an archived project's route", async () => {
    const other = await makeProject({ owner, teamId: team.id, slug: `gone-${Date.now().toString(36)}` });
    await loaded((c) => c.includes(`project="${other.slug}"`), "the second project's route");
    await db().project.update({ where: { id: other.id }, data: { lifecycle: "archived" } });
    await loaded((c) => !c.includes(`project="${other.slug}"`), "the archived project's route gone");
  });
});

describe("who may change maintenance windows and see the routing", () => {
  const window = { name: "Nightly", weekdays: [], startTime: "23:00", endTime: "01:00", location: "UTC", environments: [] };

  it("refuses a developer of the project and a member of another project, storing nothing", async () => {
    const developer = await makeUser("developer");
    const outsider = await makeUser("developer");
    await db().projectMember.create({ data: { projectId: project.id, userId: developer.id, role: "developer" } });
    await makeProject({ owner: outsider });
    for (const who of [developer, outsider]) {
      await expect(addMaintenanceWindow(await ctxFor(who), { projectId: project.id, window })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(listMaintenanceWindows(await ctxFor(outsider), project.slug)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await listMaintenanceWindows(await ctxFor(developer), project.slug)).canEdit).toBe(false);
    expect(await db().maintenanceWindow.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("refuses a window with a bad time at its field, storing nothing", async () => {
    await expect(
      addMaintenanceWindow(await ctxFor(owner), { projectId: project.id, window: { ...window, startTime: "9pm", location: "Nowhere/City" } }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      fieldErrors: { "window.startTime": [expect.stringMatching(/HH:MM/)], "window.location": [expect.stringMatching(/time zone/)] },
    });
    expect(await db().maintenanceWindow.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("shows ops the configuration with the token hidden, and writes and reloads it when ops ask", async () => {
    const ops = await ctxFor(await makeUser("ops"));
    const status = await getRoutingStatus(ops);
    expect(status).toMatchObject({ configured: true, file: configFile, canApply: true });
    expect(status.text).toContain(`project="${project.slug}"`);
    expect(status.text).not.toMatch(/credentials: (?!<hidden)/);
    const before = await readRoutingState();
    await requestRoutingApply(ops);
    expect(await db().auditEvent.count({ where: { action: "alerting.routing.apply", actorLabel: ops.actor.email } })).toBe(1);
    const after = await until(async () => {
      const s = await readRoutingState();
      return s.writtenAt !== before.writtenAt ? s : null;
    });
    expect(after.lastError).toBe("");
    await expect(getRoutingStatus(await ctxFor(await makeUser("developer")))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(requestRoutingApply(await ctxFor(await makeUser("manager")))).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await db().platformSetting.findUnique({ where: { key: ROUTING_SETTING_KEY } })).not.toBeNull();
  });
});
