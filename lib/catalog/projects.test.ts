import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ZProjectListQuery, type TCreateProject } from "./schemas";
import type { Ctx } from "@/lib/context";
import { createProject, getProjectOverview, listIsPrepared, listProjects, updateProject } from "./projects";
import { addService, removeMember, setMember } from "./project-parts";
import { ctxFor, makeTeam, makeUser } from "@/test/factories";

async function expectAppError(p: Promise<unknown>, code: AppError["code"]) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

/** A project through the catalog service, with what a test does not look at left empty. */
function newProject(ctx: Ctx, fields: Pick<TCreateProject, "slug" | "teamId" | "ownerId"> & Partial<TCreateProject>) {
  return createProject(ctx, { name: fields.slug, description: "", tier: "standard", language: "", framework: "", repositoryUrl: "", labels: {}, ...fields });
}

describe("projects in the catalog", () => {
  it("creates a project with its owner as member and one audit event in the same request", async () => {
    const admin = await makeUser("admin");
    const owner = await makeUser("developer");
    const team = await makeTeam();
    const ctx = await ctxFor(admin);
    const p = await createProject(ctx, {
      slug: "orders",
      name: "Orders",
      description: "Order book",
      teamId: team.id,
      ownerId: owner.id,
      tier: "critical",
      language: "Go",
      framework: "",
      repositoryUrl: "https://git.example.com/orders.git",
      labels: { domain: "payments" },
    });
    const members = await db().projectMember.findMany({ where: { projectId: p.id } });
    expect(members).toEqual([expect.objectContaining({ userId: owner.id, role: "owner" })]);
    const audit = await db().auditEvent.findMany({ where: { projectId: p.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "project.create", actorId: admin.id, actorLabel: admin.email, requestId: ctx.requestId, targetLabel: "orders" });
    expect(audit[0]!.after).toMatchObject({ slug: "orders", tier: "critical" });
  });

  it("refuses a taken slug at the slug field and writes nothing", async () => {
    const admin = await makeUser("admin");
    const team = await makeTeam();
    const ctx = await ctxFor(admin);
    const input = {
      slug: "dup",
      name: "Dup",
      description: "",
      teamId: team.id,
      ownerId: admin.id,
      tier: "standard" as const,
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: {},
    };
    await createProject(ctx, input);
    const before = await db().auditEvent.count();
    const e = await expectAppError(createProject(ctx, { ...input, name: "Other" }), "ALREADY_EXISTS");
    expect(e.fieldErrors?.slug?.[0]).toMatch(/already taken/);
    expect(await db().project.count({ where: { slug: "dup" } })).toBe(1);
    expect(await db().auditEvent.count()).toBe(before);
  });

  it("refuses an invalid slug, an unknown team and a disabled owner with field messages", async () => {
    const admin = await makeUser("admin");
    const disabled = await db().user.create({ data: { email: "gone@test.wharf", name: "Gone", disabled: true } });
    const ctx = await ctxFor(admin);
    await expect(
      createProject(ctx, {
        slug: "Not_DNS",
        name: "X",
        description: "",
        teamId: "t",
        ownerId: admin.id,
        tier: "standard",
        language: "",
        framework: "",
        repositoryUrl: "",
        labels: {},
      }),
    ).rejects.toThrow();
    const e = await expectAppError(
      createProject(ctx, {
        slug: "fine",
        name: "X",
        description: "",
        teamId: "no-team",
        ownerId: disabled.id,
        tier: "standard",
        language: "",
        framework: "",
        repositoryUrl: "",
        labels: {},
      }),
      "INVALID_INPUT",
    );
    expect(Object.keys(e.fieldErrors ?? {}).sort()).toEqual(["ownerId", "teamId"]);
    expect(await db().project.count({ where: { slug: "fine" } })).toBe(0);
  });

  it("keeps the first of two concurrent edits and tells the second who saved", async () => {
    const admin = await makeUser("admin", "Ada One");
    const admin2 = await makeUser("admin", "Ada Two");
    const team = await makeTeam();
    const p = await createProject(await ctxFor(admin), {
      slug: "edited",
      name: "Edited",
      description: "",
      teamId: team.id,
      ownerId: admin.id,
      tier: "standard",
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: {},
    });
    const base = {
      id: p.id,
      version: p.version,
      teamId: team.id,
      ownerId: admin.id,
      tier: "standard" as const,
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: {},
      description: "",
    };
    await updateProject(await ctxFor(admin), { ...base, name: "First" });
    const e = await expectAppError(updateProject(await ctxFor(admin2), { ...base, name: "Second" }), "CONFLICT");
    expect(e.userMessage).toContain(admin.email);
    expect(e.userMessage).toMatch(/Your changes were not saved/);
    const now = await db().project.findUniqueOrThrow({ where: { id: p.id } });
    expect(now.name).toBe("First");
    expect(now.version).toBe(p.version + 1);
    expect(await db().auditEvent.count({ where: { targetId: p.id, action: "project.update" } })).toBe(1);
  });

  it("searches name, slug, description and labels, filters, sorts and pages on the server", async () => {
    const admin = await makeUser("admin");
    const ctx = await ctxFor(admin);
    const pay = await makeTeam("search-pay");
    const web = await makeTeam("search-web");
    const mk = (slug: string, teamId: string, extra: Partial<TCreateProject> = {}) =>
      newProject(ctx, { slug, name: slug.toUpperCase(), teamId, ownerId: admin.id, ...extra });
    await mk("zz-ledger", pay.id, { tier: "critical", labels: { pci: "true" } });
    await mk("zz-wallet", pay.id, { description: "Stores customer balances" });
    await mk("zz-shop", web.id, { tier: "experimental" });
    const q = (o: Record<string, string>) => listProjects(ctx, ZProjectListQuery.parse(o));
    expect((await q({ q: "pci=true" })).projects.map((p) => p.slug)).toEqual(["zz-ledger"]);
    expect((await q({ q: "BALANCES" })).projects.map((p) => p.slug)).toEqual(["zz-wallet"]);
    expect((await q({ q: "zz-", team: "search-pay" })).projects.map((p) => p.slug)).toEqual(["zz-ledger", "zz-wallet"]);
    expect((await q({ q: "zz-", tier: "experimental" })).projects.map((p) => p.slug)).toEqual(["zz-shop"]);
    expect((await q({ q: "zz-", sort: "name", dir: "desc" })).projects.map((p) => p.slug)).toEqual(["zz-wallet", "zz-shop", "zz-ledger"]);
    const page2 = await q({ q: "zz-", size: "20", page: "1" });
    expect(page2.total).toBe(3);
    const mine = await listProjects(await ctxFor(await makeUser()), ZProjectListQuery.parse({ mine: "1" }));
    expect(mine.total).toBe(0);
    // Archived projects are left out (and counted out) unless asked for; requested and active ones are listed.
    await db().project.update({ where: { slug: "zz-shop" }, data: { lifecycle: "archived" } });
    await db().project.update({ where: { slug: "zz-wallet" }, data: { lifecycle: "requested" } });
    const listed = await q({ q: "zz-" });
    expect(listed.projects.map((p) => p.slug)).toEqual(["zz-ledger", "zz-wallet"]);
    expect(listed.total).toBe(2);
    expect((await q({ q: "zz-", lifecycle: "archived" })).projects.map((p) => p.slug)).toEqual(["zz-shop"]);
  });

  it("shows each row's team, owner, labels and time; sorts by tier in the tiers' order and by dates; counts a page past the last; finds % and _ as typed", async () => {
    const admin = await makeUser("admin");
    const ctx = await ctxFor(admin);
    const owner = await makeUser();
    const team = await makeTeam("rows-team");
    const mk = (slug: string, extra: Partial<TCreateProject> = {}) =>
      newProject(ctx, { slug, teamId: team.id, ownerId: owner.id, language: "go", framework: "gin", ...extra });
    await mk("rw-b", { tier: "experimental", description: "50% off" });
    await mk("rw-a", { tier: "critical", labels: { team: "a_b" } });
    await mk("rw-c", { tier: "standard", description: "50x off, axb" });
    await mk("rw-d", { tier: "critical", name: "rw-0" });
    const q = (o: Record<string, string>) => listProjects(ctx, ZProjectListQuery.parse({ q: "rw-", ...o }));

    const first = (await q({})).projects.find((p) => p.slug === "rw-a")!;
    expect(first).toMatchObject({
      name: "rw-a",
      tier: "critical",
      lifecycle: "active",
      labels: { team: "a_b" },
      language: "go",
      framework: "gin",
      team: { slug: "rows-team", name: "rows-team" },
      owner: { id: owner.id, name: owner.name },
    });
    expect(first.updatedAt).toBeInstanceOf(Date);

    // Critical before standard before experimental (the enum's order, not the alphabet's), names within a tier.
    expect((await q({ sort: "tier" })).projects.map((p) => p.slug)).toEqual(["rw-d", "rw-a", "rw-c", "rw-b"]);
    expect((await q({ sort: "tier", dir: "desc" })).projects.map((p) => p.slug)).toEqual(["rw-b", "rw-c", "rw-d", "rw-a"]);
    expect((await q({ sort: "created", dir: "desc" })).projects.map((p) => p.slug)).toEqual(["rw-d", "rw-c", "rw-a", "rw-b"]);
    await db().project.update({ where: { slug: "rw-a" }, data: { framework: "echo" } });
    expect((await q({ sort: "updated", dir: "desc" })).projects[0]!.slug).toBe("rw-a");

    // Pages of two, and one past the last: no rows, and still the count and the number of pages.
    const page2 = await q({ size: "10", page: "1" });
    expect(page2.total).toBe(4);
    const past = await q({ page: "9" });
    expect(past).toMatchObject({ total: 4, page: 9, pages: 1, projects: [] });
    expect((await listProjects(ctx, ZProjectListQuery.parse({ q: "no such project anywhere" }))).total).toBe(0);

    // Wildcards are letters: "50%" is not "50x", "a_b" is not "axb".
    expect((await q({ q: "50%" })).projects.map((p) => p.slug)).toEqual(["rw-b"]);
    expect((await q({ q: "a_b" })).projects.map((p) => p.slug)).toEqual(["rw-a"]);
    expect((await q({ q: "\\" })).total).toBe(0);

    // "Mine": the projects the actor is a member of.
    const mine = await listProjects(await ctxFor(owner), ZProjectListQuery.parse({ mine: "1", q: "rw-" }));
    expect(mine.projects.map((p) => p.slug).sort()).toEqual(["rw-a", "rw-b", "rw-c", "rw-d"]);
  });

  it("pages through a search and through 'mine' in the order asked for, every match once", async () => {
    const admin = await makeUser("admin");
    const ctx = await ctxFor(admin);
    const owner = await makeUser();
    const team = await makeTeam("pages-team");
    // 23 matches, created in an order that is neither their names' nor their reverse: page 1 holds 20, page 2 the rest.
    const slugs = Array.from({ length: 23 }, (_, i) => `pg-${String((i * 7) % 23).padStart(2, "0")}`);
    for (const slug of slugs) await newProject(ctx, { slug, teamId: team.id, ownerId: owner.id, tier: slug.endsWith("3") ? "critical" : "standard" });
    const pages = async (o: Record<string, string>, as: Ctx = ctx) => {
      const [one, two] = await Promise.all(["1", "2"].map((page) => listProjects(as, ZProjectListQuery.parse({ ...o, page }))));
      expect(one!.total).toBe(23);
      expect([one!.projects.length, two!.projects.length, two!.pages]).toEqual([20, 3, 2]);
      return [...one!.projects, ...two!.projects].map((p) => p.slug);
    };
    const byName = [...slugs].sort();
    expect(await pages({ q: "pg-" })).toEqual(byName);
    expect(await pages({ q: "pg-", dir: "desc" })).toEqual([...byName].reverse());
    // Critical first, names within a tier.
    expect(await pages({ q: "pg-", sort: "tier" })).toEqual([...byName.filter((s) => s.endsWith("3")), ...byName.filter((s) => !s.endsWith("3"))]);
    expect(await pages({ q: "pg-", sort: "created" })).toEqual(slugs);
    // "Mine" without words: the owner is a member of exactly these 23.
    expect(await pages({ mine: "1" }, await ctxFor(owner))).toEqual(byName);
  });

  it("prepares the list's statement except for a search of one or two characters, and answers a search alike on every run", async () => {
    expect([undefined, "", "a", "ab", "abc", "payments"].map(listIsPrepared)).toEqual([true, true, false, false, true, true]);
    const ctx = await ctxFor(await makeUser("admin"));
    const owner = await makeUser();
    const team = await makeTeam("prep-team");
    for (const slug of ["pq-one", "pq-two", "pq-three"]) await newProject(ctx, { slug, teamId: team.id, ownerId: owner.id });
    // Past the fifth run, where Postgres may switch a prepared statement to its generic plan.
    for (let run = 0; run < 7; run++) {
      const found = await listProjects(ctx, ZProjectListQuery.parse({ q: "pq-" }));
      expect([found.total, found.projects.map((p) => p.slug)]).toEqual([3, ["pq-one", "pq-three", "pq-two"]]);
    }
  });

  it("keeps at least one owner and records membership changes", async () => {
    const owner = await makeUser();
    const dev = await makeUser();
    const team = await makeTeam();
    const admin = await makeUser("admin");
    const p = await createProject(await ctxFor(admin), {
      slug: "owned",
      name: "Owned",
      description: "",
      teamId: team.id,
      ownerId: owner.id,
      tier: "standard",
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: {},
    });
    const ownerCtx = await ctxFor(owner);
    await setMember(ownerCtx, { projectId: p.id, userId: dev.id, role: "developer" });
    await expectAppError(setMember(ownerCtx, { projectId: p.id, userId: owner.id, role: "viewer" }), "PRECONDITION_FAILED");
    await expectAppError(removeMember(ownerCtx, { projectId: p.id, userId: owner.id }), "PRECONDITION_FAILED");
    await removeMember(ownerCtx, { projectId: p.id, userId: dev.id });
    const actions = (await db().auditEvent.findMany({ where: { projectId: p.id }, orderBy: { at: "asc" } })).map((a) => a.action);
    expect(actions).toEqual(["project.create", "member.add", "member.remove"]);
  });

  it("shows activity to members and hides it from others", async () => {
    const owner = await makeUser();
    const outsider = await makeUser();
    const team = await makeTeam();
    const admin = await makeUser("admin");
    const p = await createProject(await ctxFor(admin), {
      slug: "private-activity",
      name: "P",
      description: "",
      teamId: team.id,
      ownerId: owner.id,
      tier: "standard",
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: {},
    });
    await addService(await ctxFor(owner), { projectId: p.id, slug: "api", name: "API", kind: "api", description: "" });
    const forOwner = await getProjectOverview(await ctxFor(owner), "private-activity");
    expect(forOwner.activity?.map((a) => a.action)).toEqual(["service.create", "project.create"]);
    expect(forOwner.rights).toMatchObject({ update: true, manageMembers: true });
    const forOutsider = await getProjectOverview(await ctxFor(outsider), "private-activity");
    expect(forOutsider.activity).toBeNull();
    expect(forOutsider.rights).toMatchObject({ update: false, manageMembers: false, manageServices: false });
    await expectAppError(getProjectOverview(await ctxFor(owner), "no-such-project"), "NOT_FOUND");
  });
});
