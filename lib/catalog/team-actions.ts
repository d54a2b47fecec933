"use server";
/** Server actions: thin (parse, call one domain function, revalidate); components import them from here. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { createTeam, removeTeamMember, setTeamMember, updateTeam } from "@/lib/catalog/teams";
import { ZCreateTeam, ZTeamMember, ZUpdateTeam } from "@/lib/catalog/schemas";

export const createTeamAction = defineAction(
  "team.create",
  ZCreateTeam,
  async (input, ctx) => {
    const t = await createTeam(ctx, input);
    return { slug: t.slug };
  },
  { revalidate: () => ["/teams"] },
);

export const updateTeamAction = defineAction(
  "team.update",
  ZUpdateTeam,
  async (input, ctx) => {
    const t = await updateTeam(ctx, input);
    return { slug: t.slug, version: t.version };
  },
  { revalidate: (_i, d) => ["/teams", `/teams/${d.slug}`] },
);

export const setTeamMemberAction = defineAction(
  "team.member.set",
  ZTeamMember,
  async (input, ctx) => {
    await setTeamMember(ctx, input);
    return {};
  },
  { revalidate: () => ["/teams/[slug]"] },
);

export const removeTeamMemberAction = defineAction(
  "team.member.remove",
  z.object({ teamId: z.string().min(1), userId: z.string().min(1) }),
  async ({ teamId, userId }, ctx) => {
    await removeTeamMember(ctx, teamId, userId);
    return {};
  },
  { revalidate: () => ["/teams/[slug]"] },
);
