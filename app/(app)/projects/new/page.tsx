import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listTeamOptions } from "@/lib/catalog/teams";
import { listUserOptions } from "@/lib/catalog/users";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { ProjectForm } from "@/components/catalog/project-form";

export const metadata: Metadata = { title: "New project" };

export default async function NewProjectPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "project.create", platform));
  const [teams, users] = await Promise.all([listTeamOptions(ctx), listUserOptions(ctx)]);
  return (
    <>
      <PageHeader title="New project" description="Create a project directly in the catalog. Its owner becomes its first member." />
      <ProjectForm teams={teams.map((t) => ({ id: t.id, name: t.name }))} users={users} />
    </>
  );
}
