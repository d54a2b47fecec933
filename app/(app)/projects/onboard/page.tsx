import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { LayoutTemplate, Server } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listTemplates } from "@/lib/templates/gallery";
import { listTeamOptions } from "@/lib/catalog/teams";
import { listUserOptions } from "@/lib/catalog/users";
import { listClusterOptions } from "@/lib/catalog/clusters";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage, pageParams } from "@/lib/http/page";
import { EmptyState } from "@/components/ui/empty-state";
import { Button } from "@/components/ui/button";
import { OnboardingWizard } from "@/components/onboarding/wizard";

export const metadata: Metadata = { title: "Onboard a project" };

export default async function OnboardPage({ searchParams }: { searchParams: Promise<{ template?: string }> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "project.request", platform));
  const [catalog, teams, users, clusters] = await Promise.all([listTemplates(ctx), listTeamOptions(ctx), listUserOptions(ctx), listClusterOptions(ctx)]);
  const { template } = await pageParams(searchParams);
  const templates = catalog.templates.map((t) => ({
    id: t.id,
    name: t.manifest.name,
    description: t.manifest.description,
    language: t.manifest.language,
    framework: t.manifest.framework,
    gpu: t.manifest.gpu,
    parameters: t.manifest.parameters
      .filter((p) => p.name !== "gpu")
      .map((p) => ({ name: p.name, label: p.label, description: p.description, type: p.type, default: p.default, required: p.required, options: p.options })),
  }));
  return (
    <>
      <PageHeader
        title="Onboard a project"
        description="Pick a template, describe the project, choose where it runs. Ops approve it, then Wharf creates everything on every cluster."
      />
      {clusters.length === 0 ? (
        <EmptyState icon={Server} title="No cluster to run on yet" description="An admin registers clusters first; then projects can be onboarded onto them." />
      ) : templates.length === 0 ? (
        <EmptyState
          icon={LayoutTemplate}
          title="No template in the gallery"
          description="An admin adds templates to the gallery."
          action={
            <Button asChild variant="outline">
              <Link href="/templates">Open the gallery</Link>
            </Button>
          }
        />
      ) : (
        <OnboardingWizard
          templates={templates}
          teams={teams.map((t) => ({ id: t.id, name: t.name }))}
          users={users}
          clusters={clusters.map((c) => ({ id: c.id, name: c.name, region: c.region, status: c.status }))}
          me={ctx.actor.id}
          initialTemplate={templates.some((t) => t.id === template) ? template : undefined}
        />
      )}
    </>
  );
}
