import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { CalendarClock } from "lucide-react";
import { Button } from "@/components/ui/button";
import { requireCtx } from "@/lib/access/session";
import { getProjectOverview } from "@/lib/catalog/projects";
import { listTeamOptions } from "@/lib/catalog/teams";
import { listUserOptions } from "@/lib/catalog/users";
import { labelText } from "@/lib/catalog/schemas";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage, pageParams, pageRead } from "@/lib/http/page";
import { ProjectForm } from "@/components/catalog/project-form";

export const metadata: Metadata = { title: "Project settings" };

export default async function ProjectSettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const project = await pageRead(getProjectOverview(ctx, slug), { hide: true });
  allowPage(project.rights.update);
  const [teams, users] = await Promise.all([listTeamOptions(ctx), listUserOptions(ctx)]);
  return (
    <>
      <PageHeader
        title={`Settings of ${project.name}`}
        description="Changes are saved only if nobody else saved this project since you opened it."
        actions={
          <Button asChild variant="outline">
            <Link href={`/projects/${project.slug}/maintenance`}>
              <CalendarClock /> Maintenance windows
            </Link>
          </Button>
        }
      />
      <ProjectForm
        teams={teams.map((t) => ({ id: t.id, name: t.name }))}
        users={users}
        rights={{ lifecycle: project.rights.changeLifecycle, owner: project.rights.manageMembers, risk: project.rights.changeRisk }}
        project={{
          id: project.id,
          version: project.version,
          slug: project.slug,
          name: project.name,
          description: project.description,
          teamId: project.teamId,
          ownerId: project.ownerId,
          tier: project.tier,
          lifecycle: project.lifecycle,
          language: project.language,
          framework: project.framework,
          repositoryUrl: project.repositoryUrl,
          labels: labelText(project.labels),
          allowChaosInProd: project.allowChaosInProd,
        }}
      />
    </>
  );
}
