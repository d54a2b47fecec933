/** A project's configuration starts from its template's defaults, in every environment, once. */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { makeProject, makeTeam, makeUser } from "@/test/factories";
import { until, workerForThisFile } from "@/test/worker";
import { entriesOfDefaultConfig, flatten } from "./seed";
import { resolveClientConfig } from "./resolve";

workerForThisFile();

describe("the template's default configuration", () => {
  it("reads JSON, YAML, .env and .properties files as keys", () => {
    expect(flatten({ server: { port: 8080, shutdown: "graceful" }, list: ["a", "b"], empty: null })).toEqual({
      "server.port": "8080",
      "server.shutdown": "graceful",
      "list[0]": "a",
      "list[1]": "b",
      empty: "",
    });
    expect(entriesOfDefaultConfig("config/default.env", "# the port\nPORT=8080\nGREETING='Hello, you'\n").map((e) => [e.key, e.value])).toEqual([
      ["PORT", "8080"],
      ["GREETING", "Hello, you"],
    ]);
    expect(entriesOfDefaultConfig("a.yaml", "app:\n  greeting: Hi\n").map((e) => [e.key, e.value])).toEqual([["app.greeting", "Hi"]]);
    expect(entriesOfDefaultConfig("a.properties", "# c\nk = v\n")).toEqual([{ key: "k", value: "v", comment: "c", secret: false }]);
  });

  it("becomes the first release of every service's application namespace in each environment, and is not applied twice", async () => {
    const owner = await makeUser();
    const project = await makeProject({ owner, slug: "seeded", teamId: (await makeTeam()).id, lifecycle: "active" });
    await db().project.update({ where: { id: project.id }, data: { templateId: "node-ts" } });
    await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
    for (const kind of ["dev", "prod"] as const) await db().environment.create({ data: { projectId: project.id, kind } });
    const input = await loadPlanInput(project.id, "onboarding", { greeting: "Ahoy", nodeVersion: "22" });
    const drafts = computePlan(input).filter((d) => d.kind === "config-seed");
    expect(drafts).toHaveLength(1);
    const runOnce = async () => {
      const { runId } = await db().$transaction((tx) => createRun(tx, { kind: "onboarding", projectId: project.id, drafts }));
      return until(async () => {
        const r = await getRun(runId);
        return r && r.status !== "running" ? r : null;
      });
    };
    const first = await runOnce();
    expect(first.status).toBe("succeeded");
    expect(first.steps[0]!.result).toMatchObject({ seeded: 2, from: "config/default.json" });
    for (const environment of ["dev", "prod"]) {
      const got = await resolveClientConfig({
        environment,
        appId: "seeded.api",
        cluster: "default",
        namespace: "application",
        instance: { ip: "10.0.0.1" },
        authenticated: false,
      });
      expect(got?.configurations).toMatchObject({ name: "seeded", greeting: "Ahoy", port: "8080", logLevel: "info" });
    }
    const again = await runOnce();
    expect(again.steps[0]!.result).toMatchObject({ seeded: 0 });
    expect(await db().configRelease.count({ where: { set: { serviceId: { not: null }, namespace: { service: { projectId: project.id } } } } })).toBe(2);
  });
});
