/**
 * The module contract's promise: a new domain with a ticket type, a run kind
 * (a plan with its own input loader), a plan contributor, a step kind, a job
 * task and a cron plugs in as one module, registered here only, with no edit
 * in lib/tickets, lib/provisioning or lib/jobs. The engines carry its ticket
 * from request to approval to provisioning to done.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { can, platform, projectResource, type Action } from "@/lib/access/policy";
import { navFor } from "@/lib/access/nav";
import { buildRegistry, defineModule, type ModuleParts } from "./module";
import { MODULES, extendRegistry, registry } from "./modules";
import { crontab, defineTask } from "@/lib/jobs/registry";
import { defineRunKind, definePlanContributor, defineStepKind } from "@/lib/provisioning/registry";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { startRun } from "@/lib/provisioning/start";
import { computePlan } from "@/lib/provisioning/engine";
import { decideTicket, openTicket } from "@/lib/tickets/engine";
import { countInbox, getTicket } from "@/lib/tickets/query";
import { defineTicketType, text } from "@/lib/tickets/types";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { until, workerForThisFile } from "@/test/worker";

// ---- the example domain, as a team would write lib/greetings/module.ts

const greetStep = defineStepKind({
  kind: "example-greet",
  label: "Greet",
  needsCluster: false,
  spec: z.object({ greeting: z.string(), to: z.string() }),
  async run({ greeting, to }) {
    return { said: `${greeting}, ${to}` };
  },
});

const greetingRun = defineRunKind({
  kind: "example_greeting",
  label: "Greeting",
  // Its own input loader: the project's members, as the catalog has them.
  loadInput: async (client, projectId, opts) => ({ ...(await loadPlanInput(projectId, "example_greeting", opts.params ?? {}, client)) }),
  async onFinished(tx, run, outcome) {
    await recordAudit(tx, systemCtx(`run-${run.id}`), { action: `example.greeted.${outcome}`, target: { type: "run", id: run.id }, projectId: run.projectId });
  },
});

const greetEveryone = definePlanContributor({
  name: "example-greet-members",
  runKinds: ["example_greeting"],
  contribute: (input) =>
    input.members.map((m) => ({
      key: `greet:${m.email}`,
      kind: "example-greet",
      title: `Greet ${m.email}`,
      target: m.email,
      spec: { greeting: String(input.params.greeting ?? "Hello"), to: m.email },
    })),
});

const ZGreetingPayload = z.object({ greeting: z.string().min(1).max(40) });

const greetingTicket = defineTicketType({
  type: "example_greeting",
  label: "Greeting",
  payload: ZGreetingPayload,
  decide: "example.greeting.decide",
  whoDecides: "Ops approve greetings.",
  news: { done: "is done: everyone was greeted" },
  async approve(tx, ctx, ticket) {
    const run = await startRun(tx, ctx, {
      kind: "example_greeting",
      projectId: ticket.projectId!,
      ticketId: ticket.id,
      params: { greeting: ticket.payload.greeting },
    });
    return { runId: run.runId };
  },
  async plan(_ctx, ticket) {
    return computePlan(await loadPlanInput(ticket.projectId!, "example_greeting", { greeting: ticket.payload.greeting }));
  },
  async view(_ctx, ticket) {
    return { fields: [{ label: "Greeting", value: text(ticket.payload.greeting) }] };
  },
});

const echoTask = defineTask({
  name: "example_echo",
  description: "Says what it is given",
  payload: z.object({ words: z.string() }),
  async run() {},
});

const exampleModule = defineModule({
  name: "example-greetings",
  policy: {
    "example.greeting.ask": { on: ["project"], platform: ["admin"], project: ["owner", "maintainer"], description: "Ask to greet the project's members" },
    "example.greeting.decide": { on: ["ticket"], platform: ["admin", "ops"], description: "Approve greetings" },
    "example.greetings.read": { on: ["platform"], platform: ["admin", "ops"], description: "Open the greetings page" },
  },
  nav: [{ href: "/greetings", label: "Greetings", icon: "greetings", requires: "example.greetings.read", order: 65 }],
  parts: (): ModuleParts => ({
    ticketTypes: [greetingTicket],
    runKinds: [greetingRun],
    planContributors: [greetEveryone],
    stepKinds: [greetStep],
    tasks: [echoTask],
    crons: [{ schedule: "30 3 * * *", task: "example_echo", description: "Nightly echo" }],
  }),
});

/** The domain's own request function: authorize, open a ticket through the engine. */
async function askForGreeting(ctx: Ctx, projectId: string, greeting: string) {
  authorize(ctx, "example.greeting.ask" as Action, projectResource(projectId));
  return db().$transaction((tx) => openTicket(tx, ctx, { type: "example_greeting", title: `Greet with "${greeting}"`, projectId, payload: { greeting } }));
}

// Registered here only: lib/modules.ts does not list it.
extendRegistry(exampleModule);
workerForThisFile();

describe("a domain added as one module", () => {
  it("is carried from request through approval and provisioning to done by the engines, which never name it", async () => {
    const owner = await makeUser("developer");
    const member = await makeUser("developer");
    const ops = await ctxFor(await makeUser("ops"));
    const project = await makeProject({ owner, members: [[member, "viewer"]], lifecycle: "active" });
    const ownerCtx = await ctxFor(owner);

    // Its policy: the owner may ask, the viewer may not; ops decide, the owner does not.
    expect(can(ownerCtx.actor, "example.greeting.ask" as Action, projectResource(project.id))).toBe(true);
    await expect(askForGreeting(await ctxFor(member), project.id, "Hi")).rejects.toMatchObject({ code: "FORBIDDEN" });
    const { number, id } = await askForGreeting(ownerCtx, project.id, "Ahoy");

    // The inbox and the ticket page come from the type's declaration.
    expect(await countInbox(ops)).toBeGreaterThanOrEqual(1);
    const open = await getTicket(ops, number);
    expect(open.typeLabel).toBe("Greeting");
    expect(open.view.fields).toEqual([{ label: "Greeting", value: { kind: "text", text: "Ahoy", mono: false } }]);
    expect(open.plan?.map((s) => s.title).sort()).toEqual([`Greet ${member.email}`, `Greet ${owner.email}`].sort());
    expect(open.rights.decide).toBe(true);
    expect((await getTicket(ownerCtx, number)).rights).toMatchObject({
      decide: false,
      decideReason: "You cannot decide your own request: another approver must.",
    });
    await expect(decideTicket(await ctxFor(await makeUser("manager")), { ticketId: id, decision: "approve" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      userMessage: "Ops approve greetings.",
    });

    const decided = await decideTicket(ops, { ticketId: id, decision: "approve" });
    expect(decided.status).toBe("provisioning");
    const done = await until(async () => {
      const t = await getTicket(ownerCtx, number);
      return t.status === "done" ? t : null;
    });
    expect(done.run?.steps.map((s) => [s.kind, s.status, (s.result as { said?: string }).said]).sort()).toEqual(
      [
        ["example-greet", "succeeded", `Ahoy, ${member.email}`],
        ["example-greet", "succeeded", `Ahoy, ${owner.email}`],
      ].sort(),
    );
    // Its run kind's finisher ran, and the tickets module closed the ticket with the type's news.
    expect(await db().auditEvent.count({ where: { projectId: project.id, action: "example.greeted.succeeded" } })).toBe(1);
    const news = await db().notification.findMany({ where: { userId: owner.id }, orderBy: { createdAt: "asc" } });
    expect(news.map((n) => n.title)).toContain(`#${number} is done: everyone was greeted`);
  });

  it("brings its nav item, task and cron to the web process and the worker", async () => {
    const admin = await ctxFor(await makeUser("admin"));
    expect(navFor(admin.actor).map((n) => n.href)).toContain("/greetings");
    expect(navFor((await ctxFor(await makeUser("developer"))).actor).map((n) => n.href)).not.toContain("/greetings");
    expect(registry().tasks.has("example_echo")).toBe(true);
    expect(crontab()).toContain("30 3 * * * example_echo");
    expect(can(admin.actor, "example.greeting.ask" as Action, platform)).toBe(false); // a project action, not a platform one
  });
});

describe("the registry", () => {
  it("refuses two modules that declare the same ticket type, step kind or policy action", () => {
    const twin = defineModule({ name: "twin", policy: {}, parts: (): ModuleParts => ({ ticketTypes: [greetingTicket] }) });
    expect(() => buildRegistry([...MODULES, exampleModule, twin])).toThrow(/ticket type "example_greeting", which another module declared already/);
    const steps = defineModule({ name: "steps", policy: {}, parts: (): ModuleParts => ({ stepKinds: [greetStep] }) });
    expect(() => buildRegistry([exampleModule, steps])).toThrow(/step kind "example-greet"/);
    const action = defineModule({ name: "action", policy: { "deploy.read": { on: ["platform"], platform: ["admin"], description: "x" } } });
    expect(() => buildRegistry([...MODULES, action])).toThrow(/policy action "deploy.read", which module deploy declared already/);
  });

  it("refuses references to nothing: a nav item's action, a ticket type's decider, a contributor's run kind, a cron's task", () => {
    const broken = defineModule({
      name: "broken",
      policy: {},
      nav: [{ href: "/x", label: "X", icon: "x", requires: "nobody.has.this", order: 1 }],
      parts: (): ModuleParts => ({
        ticketTypes: [{ ...greetingTicket, type: "broken_ticket", decide: "nobody.decides" }],
        planContributors: [{ ...greetEveryone, runKinds: ["no_such_run"] }],
        crons: [{ schedule: "* * * * *", task: "no_such_task", description: "" }],
      }),
    });
    const message = (() => {
      try {
        buildRegistry([broken]);
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toContain('nav item /x requires the unknown action "nobody.has.this"');
    expect(message).toContain('ticket type broken_ticket is decided by the unknown action "nobody.decides"');
    expect(message).toContain('plan contributor example-greet-members joins the unknown run kind "no_such_run"');
    expect(message).toContain('cron "* * * * * no_such_task" names an unknown task');
  });

  it("knows every ticket type, run kind and step kind the built-in modules declare", () => {
    const r = buildRegistry(MODULES);
    expect([...r.ticketTypes.keys()].sort()).toEqual(["archive", "config_publish", "deploy", "environment", "onboarding", "permission", "quota"]);
    expect([...r.runKinds.keys()].sort()).toEqual([
      "*",
      "archive",
      "ci_regenerate",
      "config-hot",
      "member_sync",
      "monitoring_rules",
      "onboarding",
      "operation",
      "quota",
      "reconcile",
      "release",
    ]);
    expect(r.stepKinds.size).toBe(22); // 17 + monitoring-dashboard + the two alert-rule steps + the two that remove them at archive
    expect(r.nav.map((n) => n.href)).toEqual([
      "/",
      "/projects",
      "/teams",
      "/templates",
      "/tickets",
      "/deployments",
      "/alerts",
      "/incidents",
      "/dashboards",
      "/clusters",
      "/admin/alerting",
      "/admin",
    ]);
  });

  it("a page or job naming an unknown policy action fails loudly", () => {
    expect(() => authorize({ actor: systemCtx().actor, requestId: "t" }, "nope.nope" as Action, platform)).toThrow(/Unknown policy action/);
    expect(new AppError("FORBIDDEN", "x").status).toBe(403);
  });
});
