import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { search } from "./search";

async function makeService(projectId: string, slug: string, name = slug) {
  return db().service.create({ data: { projectId, slug, name } });
}

async function makeRelease(serviceId: string, tag: string, number = 1) {
  return db().release.create({
    data: { serviceId, environment: "dev", number, specVersion: 1, image: `registry/x:${tag}`, tag, spec: {}, manifests: [], status: "succeeded" },
  });
}

async function makeTicket(requesterId: string, projectId: string | null, title: string) {
  return db().ticket.create({ data: { type: "permission", title, requesterId, projectId, payload: {} } });
}

describe("the command palette's search", () => {
  it("finds a project by part of its name or labels, its own first, and a service by project/service", async () => {
    const dana = await makeUser("developer");
    const other = await makeUser("developer");
    const theirs = await makeProject({ owner: other, slug: "billing-theirs", lifecycle: "active" });
    const mine = await makeProject({ owner: dana, slug: "billing-mine", lifecycle: "active" });
    await db().project.update({ where: { id: mine.id }, data: { searchText: "billing-mine invoices pci=true" } });
    await db().project.update({ where: { id: theirs.id }, data: { searchText: "billing-theirs invoices" } });
    await makeService(mine.id, "api", "Invoice API");
    await makeService(theirs.id, "api", "Their API");

    const ctx = await ctxFor(dana);
    const byWord = await search(ctx, { q: "Invoices" });
    expect(byWord.hits.filter((h) => h.kind === "project").map((h) => h.href)).toEqual(["/projects/billing-mine", "/projects/billing-theirs"]);
    expect((await search(ctx, { q: "pci=true" })).hits.map((h) => h.title)).toContain("billing-mine");

    const services = (await search(ctx, { q: "billing-mine/api" })).hits.filter((h) => h.kind === "service");
    expect(services).toEqual([
      {
        kind: "service",
        id: expect.any(String),
        title: "billing-mine/api",
        subtitle: "Invoice API · billing-mine",
        href: "/projects/billing-mine/services/api",
      },
    ]);
  });

  it("refuses a search of one letter with what to do instead", async () => {
    const ctx = await ctxFor(await makeUser("developer"));
    const e = await search(ctx, { q: " a " }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).fieldErrors?.q).toEqual(["Type at least 2 characters"]);
  });

  it("returns only the tickets and releases the actor may see", async () => {
    const dev = await makeUser("developer");
    const stranger = await makeUser("developer");
    const manager = await makeUser("manager");
    const own = await makeProject({ owner: dev, slug: "radar-own", lifecycle: "active" });
    const foreign = await makeProject({ owner: stranger, slug: "radar-foreign", lifecycle: "active" });
    const ownTicket = await makeTicket(dev.id, own.id, "Radar quota for own");
    const foreignTicket = await makeTicket(stranger.id, foreign.id, "Radar quota for foreign");
    await makeRelease((await makeService(own.id, "radar")).id, "radar-v1");
    await makeRelease((await makeService(foreign.id, "radar")).id, "radar-v2");

    const asDev = await search(await ctxFor(dev), { q: "radar" });
    expect(asDev.hits.filter((h) => h.kind === "ticket").map((h) => h.href)).toEqual([`/tickets/${ownTicket.number}`]);
    expect(asDev.hits.filter((h) => h.kind === "release").map((h) => h.title)).toEqual(["radar-own/radar #1 · radar-v1"]);
    // The ticket's number finds it only for those who may see it.
    expect((await search(await ctxFor(dev), { q: `#${foreignTicket.number}` })).hits.filter((h) => h.kind === "ticket")).toEqual([]);

    // Managers read every project's tickets and releases.
    const asManager = await search(await ctxFor(manager), { q: "radar" });
    expect(asManager.hits.filter((h) => h.kind === "ticket")).toHaveLength(2);
    expect(asManager.hits.filter((h) => h.kind === "release")).toHaveLength(2);
  });

  it("answers a few hits per kind however many match", async () => {
    const owner = await makeUser("developer");
    await db().team.create({ data: { id: "bulk-team", slug: "bulk-team", name: "Bulk" } });
    await db().project.createMany({
      data: Array.from({ length: 40 }, (_, i) => ({ slug: `bulk-${i}`, name: `Bulk ${i}`, teamId: "bulk-team", ownerId: owner.id, searchText: `bulk-${i}` })),
    });
    const hits = (await search(await ctxFor(owner), { q: "bulk" })).hits.filter((h) => h.kind === "project");
    expect(hits).toHaveLength(6);
    // Exact and prefix slugs first: "bulk-1" is not buried under "bulk-10".
    expect((await search(await ctxFor(owner), { q: "bulk-1" })).hits[0]?.title).toBe("Bulk 1");
  });
});
