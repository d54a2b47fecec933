/** Teams: list, detail, create, edit, members. */
import { AppError, parseInput } from "@/lib/errors";
import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { staleVersionError } from "@/lib/db/optimistic";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { can, platform, teamResource } from "@/lib/access/policy";
import { ZCreateTeam, ZTeamMember, ZUpdateTeam, type TCreateTeam, type TUpdateTeam } from "./schemas";
import type { z } from "zod";

export async function listTeams(ctx: Ctx) {
  authorize(ctx, "catalog.read", platform);
  return db().team.findMany({
    orderBy: { name: "asc" },
    include: { _count: { select: { members: true, projects: { where: { lifecycle: { not: "archived" } } } } } },
  });
}

/** Teams for filters and pickers: no counts, so it stays cheap with thousands of projects. */
export async function listTeamOptions(ctx: Ctx) {
  authorize(ctx, "catalog.read", platform);
  return db().team.findMany({ orderBy: { name: "asc" }, select: { id: true, slug: true, name: true } });
}

export async function getTeam(ctx: Ctx, slug: string) {
  authorize(ctx, "catalog.read", platform);
  const team = await db().team.findUnique({
    where: { slug },
    include: {
      members: { include: { user: { select: { id: true, name: true, email: true } } }, orderBy: { role: "asc" } },
      projects: {
        where: { lifecycle: { not: "archived" } },
        orderBy: { name: "asc" },
        select: { id: true, slug: true, name: true, tier: true, lifecycle: true },
      },
    },
  });
  if (!team) throw new AppError("NOT_FOUND", `There is no team "${slug}".`);
  return { ...team, rights: { update: can(ctx.actor, "team.update", teamResource(team.id)) } };
}

const teamTaken = (slug: string) =>
  new AppError("ALREADY_EXISTS", `The slug "${slug}" is already taken.`, {
    fieldErrors: { slug: [`"${slug}" is already taken by another team; choose another`] },
  });

export async function createTeam(ctx: Ctx, raw: TCreateTeam) {
  authorize(ctx, "team.create", platform);
  const input = parseInput(ZCreateTeam, raw);
  if ((await db().team.count({ where: { slug: input.slug } })) > 0) throw teamTaken(input.slug);
  try {
    return await db().$transaction(async (tx) => {
      const team = await tx.team.create({ data: input });
      await recordAudit(tx, ctx, { action: "team.create", target: { type: "team", id: team.id, label: team.slug }, after: team });
      return team;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw teamTaken(input.slug);
    throw e;
  }
}

export async function updateTeam(ctx: Ctx, raw: z.input<typeof ZUpdateTeam> | TUpdateTeam) {
  const input = parseInput(ZUpdateTeam, raw);
  authorize(ctx, "team.update", teamResource(input.id));
  const before = await db().team.findUnique({ where: { id: input.id } });
  if (!before) throw new AppError("NOT_FOUND", "This team no longer exists.");
  return db().$transaction(async (tx) => {
    const { count } = await tx.team.updateMany({
      where: { id: input.id, version: input.version },
      data: {
        name: input.name,
        description: input.description,
        webhookKind: input.webhookUrl ? input.webhookKind : null,
        webhookUrl: input.webhookUrl,
        version: { increment: 1 },
      },
    });
    if (count === 0) {
      const current = await tx.team.findUnique({ where: { id: input.id }, select: { updatedAt: true } });
      throw await staleVersionError(tx, { type: "team", id: input.id, noun: "team" }, current);
    }
    const after = await tx.team.findUniqueOrThrow({ where: { id: input.id } });
    await recordAudit(tx, ctx, { action: "team.update", target: { type: "team", id: after.id, label: after.slug }, before, after });
    return after;
  });
}

export async function setTeamMember(ctx: Ctx, raw: z.input<typeof ZTeamMember>) {
  const input = parseInput(ZTeamMember, raw);
  authorize(ctx, "team.update", teamResource(input.teamId));
  const [team, user] = await Promise.all([
    db().team.findUnique({ where: { id: input.teamId } }),
    db().user.findUnique({ where: { id: input.userId }, select: { id: true, email: true } }),
  ]);
  if (!team) throw new AppError("NOT_FOUND", "This team no longer exists.");
  if (!user) throw new AppError("INVALID_INPUT", "Choose an existing user.", { fieldErrors: { userId: ["This user does not exist"] } });
  return db().$transaction(async (tx) => {
    const before = await tx.teamMembership.findUnique({ where: { teamId_userId: { teamId: team.id, userId: user.id } } });
    const after = await tx.teamMembership.upsert({
      where: { teamId_userId: { teamId: team.id, userId: user.id } },
      create: { teamId: team.id, userId: user.id, role: input.role },
      update: { role: input.role },
    });
    await recordAudit(tx, ctx, {
      action: before ? "team.member.update" : "team.member.add",
      target: { type: "team", id: team.id, label: `${team.slug}/${user.email}` },
      before,
      after,
    });
    return after;
  });
}

export async function removeTeamMember(ctx: Ctx, teamId: string, userId: string) {
  authorize(ctx, "team.update", teamResource(teamId));
  return db().$transaction(async (tx) => {
    const before = await tx.teamMembership.findUnique({ where: { teamId_userId: { teamId, userId } }, include: { team: true, user: true } });
    if (!before) throw new AppError("NOT_FOUND", "This user is not in the team.");
    await tx.teamMembership.delete({ where: { id: before.id } });
    await recordAudit(tx, ctx, {
      action: "team.member.remove",
      target: { type: "team", id: teamId, label: `${before.team.slug}/${before.user.email}` },
      before: { teamId, userId, role: before.role },
    });
  });
}
