/** The two routes the alerting pages poll, called as the browser does, with a real actor in place of the cookie. */
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { GET as firingRoute } from "@/app/api/alerts/firing/route";
import { GET as incidentRoute } from "@/app/api/incidents/[number]/route";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { makeIncident } from "./queries.fixtures";
import { commentOnIncident } from "./respond";

const get = (path: string) => new NextRequest(new URL(path, "http://localhost"));

describe("the alerting pages' live reads", () => {
  it("an open incident page sees a new stamp when its timeline grows; another project's member gets 404", async () => {
    const user = await makeUser("developer");
    const project = await makeProject({ owner: user });
    // The actor is loaded after the project exists: its roles come with it.
    const dana = await ctxFor(user);
    const incident = await makeIncident({ project });
    const read = (ctx: typeof dana) =>
      incidentRoute.withActor(async () => ctx.actor)(get(`/api/incidents/${incident.number}`), {
        params: Promise.resolve({ number: String(incident.number) }),
      });

    const before = await (await read(dana)).json();
    await commentOnIncident(dana, { incidentId: incident.id, body: "on it" });
    const after = await (await read(dana)).json();
    expect(after.stamp).not.toBe(before.stamp);

    const stranger = await ctxFor(await makeUser("developer"));
    expect((await read(stranger)).status).toBe(404);
  });

  it("the firing list answers in the reader's scope and refuses an over-long filter with what to fix", async () => {
    const user = await makeUser("developer");
    const project = await makeProject({ owner: user });
    // The actor is loaded after the project exists: its roles come with it.
    const dana = await ctxFor(user);
    await makeIncident({ project, clusters: ["sandbox-east", "sandbox-west"] });
    const call = (ctx: typeof dana, qs: string) =>
      firingRoute.withActor(async () => ctx.actor)(get(`/api/alerts/firing?${qs}`), { params: Promise.resolve({}) });

    const body = await (await call(dana, `project=${project.slug}`)).json();
    expect(body.total).toBe(2);
    expect(body.alerts.map((a: { cluster: string }) => a.cluster)).toEqual(["sandbox-east", "sandbox-west"]);
    const stranger = await ctxFor(await makeUser("developer"));
    expect((await (await call(stranger, `project=${project.slug}`)).json()).total).toBe(0);

    const bad = await call(dana, `q=${"x".repeat(101)}`);
    expect(bad.status).toBe(422);
    expect((await bad.json()).fieldErrors.q).toEqual(["The text filter is at most 100 characters."]);
  });
});
