/**
 * The list's count without a search comes from counts kept by triggers (ProjectCount): it must equal counting the
 * projects, for every filter, through every kind of change.
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ZProjectListQuery } from "./schemas";
import { createProject, listProjects } from "./projects";
import { ctxFor, makeTeam, makeUser } from "@/test/factories";
import type { Ctx } from "@/lib/context";

const LIFECYCLES = [undefined, "requested", "active", "archived"] as const;
const TIERS = [undefined, "critical", "standard", "experimental"] as const;

/** Every combination of the list's lifecycle, team and tier filters: the list's total against a count of the rows. */
async function expectCountsExact(ctx: Ctx, teams: { id: string; slug: string }[]) {
  for (const lifecycle of LIFECYCLES) {
    for (const team of [undefined, ...teams]) {
      for (const tier of TIERS) {
        const listed = await listProjects(ctx, ZProjectListQuery.parse({ lifecycle, team: team?.slug, tier }));
        const counted = await db().project.count({
          where: {
            lifecycle: lifecycle ?? { not: "archived" },
            ...(team ? { teamId: team.id } : {}),
            ...(tier ? { tier } : {}),
          },
        });
        expect({ lifecycle, team: team?.slug, tier, total: listed.total }).toEqual({ lifecycle, team: team?.slug, tier, total: counted });
      }
    }
  }
}

describe("the projects list's count", () => {
  it("equals the projects that match, for every lifecycle, team and tier, through creates, edits, bulk changes and deletes", async () => {
    const admin = await makeUser("admin");
    const ctx = await ctxFor(admin);
    const owner = await makeUser();
    const a = await makeTeam("count-a");
    const b = await makeTeam("count-b");
    const create = (slug: string, teamId: string, tier: "critical" | "standard" | "experimental") =>
      createProject(ctx, {
        slug,
        name: slug,
        description: "",
        teamId,
        ownerId: owner.id,
        tier,
        language: "",
        framework: "",
        repositoryUrl: "",
        labels: {},
      });
    // Created at once: concurrent inserts of the same team and tier add up.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => create(`count-${i}`, i % 3 ? a.id : b.id, (["critical", "standard", "experimental"] as const)[i % 3]!)),
    );
    await expectCountsExact(ctx, [a, b]);

    // One project moved to the other team, to another tier, through its lifecycle; an edit that changes none of them.
    await db().project.update({ where: { slug: "count-1" }, data: { teamId: b.id } });
    await db().project.update({ where: { slug: "count-2" }, data: { tier: "critical", lifecycle: "requested" } });
    await db().project.update({ where: { slug: "count-4" }, data: { lifecycle: "archived" } });
    await db().project.update({ where: { slug: "count-5" }, data: { description: "no key changes" } });
    // Many at once, and back again for some.
    await db().project.updateMany({ where: { teamId: a.id, tier: "standard" }, data: { lifecycle: "requested" } });
    await db().project.updateMany({ where: { slug: { in: ["count-7", "count-10"] } }, data: { lifecycle: "active", tier: "experimental" } });
    await expectCountsExact(ctx, [a, b]);

    // A change rolled back leaves the counts as they were.
    await db()
      .$transaction(async (tx) => {
        await tx.project.updateMany({ where: { teamId: b.id }, data: { teamId: a.id } });
        throw new Error("roll back");
      })
      .catch(() => {});
    await db().project.deleteMany({ where: { slug: { in: ["count-0", "count-3"] } } });
    await expectCountsExact(ctx, [a, b]);
    expect((await listProjects(ctx, ZProjectListQuery.parse({}))).total).toBe(await db().project.count({ where: { lifecycle: { not: "archived" } } }));
  });
});
