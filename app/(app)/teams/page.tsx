import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Users } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listTeams } from "@/lib/catalog/teams";
import { PageHeader } from "@/components/shell/page-header";
import { TeamDialog } from "@/components/catalog/team-dialogs";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  const ctx = await requireCtx();
  const teams = await listTeams(ctx);
  const canCreate = can(ctx.actor, "team.create", platform);
  return (
    <>
      <PageHeader title="Teams" description="Who owns which projects." actions={canCreate ? <TeamDialog /> : undefined} />
      {teams.length === 0 ? (
        <EmptyState
          icon={Users}
          title="No teams yet"
          description={canCreate ? "Create the first team: projects belong to a team." : "An admin creates teams; projects belong to one."}
        />
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {teams.map((t) => (
            <Link key={t.id} href={`/teams/${t.slug}`} className="rounded-xl focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none">
              <Card className="h-full transition-colors hover:bg-muted/50">
                <CardHeader>
                  <CardTitle>{t.name}</CardTitle>
                  <CardDescription className="line-clamp-2">{t.description || "No description."}</CardDescription>
                  <p className="pt-2 text-xs text-muted-foreground">
                    {t._count.projects} projects · {t._count.members} members
                  </p>
                </CardHeader>
              </Card>
            </Link>
          ))}
        </div>
      )}
    </>
  );
}
