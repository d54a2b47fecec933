"use server";
/** Server actions: thin (parse, call one domain function, revalidate); components import them from here. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { createProject, isProjectSlugAvailable, updateProject } from "@/lib/catalog/projects";
import { addService, removeMember, removeService, setEnvironment, setMember } from "@/lib/catalog/project-parts";
import { ZAddService, ZCreateProject, ZRemoveMember, ZSetEnvironment, ZSetMember, ZUpdateProject } from "@/lib/catalog/schemas";

export const createProjectAction = defineAction(
  "project.create",
  ZCreateProject,
  async (input, ctx) => {
    const p = await createProject(ctx, input);
    return { slug: p.slug };
  },
  { revalidate: () => ["/projects", "/"] },
);

export const updateProjectAction = defineAction(
  "project.update",
  ZUpdateProject,
  async (input, ctx) => {
    const p = await updateProject(ctx, input);
    return { slug: p.slug, version: p.version };
  },
  { revalidate: (_i, d) => [`/projects/${d.slug}`, "/projects"] },
);

export const checkProjectSlugAction = defineAction("project.slug.check", z.object({ slug: z.string().max(100) }), async ({ slug }, ctx) => ({
  available: await isProjectSlugAvailable(ctx, slug),
}));

export const addServiceAction = defineAction(
  "service.create",
  ZAddService,
  async (input, ctx) => {
    const s = await addService(ctx, input);
    return { id: s.id };
  },
  { revalidate: () => ["/projects/[slug]"] },
);

export const removeServiceAction = defineAction(
  "service.delete",
  z.object({ projectId: z.string().min(1), serviceId: z.string().min(1) }),
  async ({ projectId, serviceId }, ctx) => {
    await removeService(ctx, projectId, serviceId);
    return {};
  },
  { revalidate: () => ["/projects/[slug]"] },
);

export const setEnvironmentAction = defineAction("environment.set", ZSetEnvironment, (input, ctx) => setEnvironment(ctx, input), {
  revalidate: () => ["/projects/[slug]", "/tickets"],
});

export const setMemberAction = defineAction(
  "member.set",
  ZSetMember,
  async (input, ctx) => {
    await setMember(ctx, input);
    return {};
  },
  { revalidate: () => ["/projects/[slug]"] },
);

export const removeMemberAction = defineAction(
  "member.remove",
  ZRemoveMember,
  async (input, ctx) => {
    await removeMember(ctx, input);
    return {};
  },
  { revalidate: () => ["/projects/[slug]"] },
);
