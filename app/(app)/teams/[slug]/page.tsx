import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { getTeam } from "@/lib/catalog/teams";
import { listUserOptions } from "@/lib/catalog/users";
import { PageHeader } from "@/components/shell/page-header";
import { TeamDialog, TeamMemberDialog } from "@/components/catalog/team-dialogs";
import { Badge } from "@/components/ui/badge";
import { Card, CardAction, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { StatusBadge } from "@/components/ui/status-badge";
import { pageParams, pageRead } from "@/lib/http/page";
import { getTeamPublicConfig } from "@/lib/config/team-read";
import { TeamPublicNamespaces } from "@/components/config/team-public-namespaces";
import { getOnCall } from "@/lib/alerting/oncall";
import { getTeamSlackApp } from "@/lib/alerting/chat-settings";
import { OnCallSection } from "@/components/alerting/oncall-section";
import { ChatAppForm } from "@/components/alerting/chat-app-form";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: (await params).slug };
}

export default async function TeamPage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const team = await pageRead(getTeam(ctx, slug));
  const [users, publicConfig, onCall, slackApp] = await Promise.all([
    team.rights.update ? listUserOptions(ctx) : [],
    pageRead(getTeamPublicConfig(ctx, team.id)),
    pageRead(getOnCall(ctx, team.id)),
    pageRead(getTeamSlackApp(ctx, team.id)),
  ]);
  const memberIds = new Set(team.members.map((m) => m.userId));
  return (
    <>
      <PageHeader
        title={team.name}
        description={team.description || "No description."}
        actions={
          team.rights.update ? (
            <TeamDialog
              team={{
                id: team.id,
                version: team.version,
                slug: team.slug,
                name: team.name,
                description: team.description,
                webhookKind: team.webhookKind,
                webhookUrl: team.webhookUrl,
              }}
            />
          ) : undefined
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Projects</CardTitle>
          </CardHeader>
          <CardContent>
            {team.projects.length === 0 ? (
              <p className="text-sm text-muted-foreground">This team owns no project yet.</p>
            ) : (
              <ul className="divide-y">
                {team.projects.map((p) => (
                  <li key={p.id} className="flex items-center justify-between py-2">
                    <Link className="font-medium hover:underline" href={`/projects/${p.slug}`}>
                      {p.name}
                    </Link>
                    <span className="flex gap-2">
                      <Badge variant="outline">{p.tier}</Badge>
                      <StatusBadge status={p.lifecycle} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Members</CardTitle>
            {team.rights.update && (
              <CardAction>
                <TeamMemberDialog teamId={team.id} users={users.filter((u) => !memberIds.has(u.id))} />
              </CardAction>
            )}
          </CardHeader>
          <CardContent>
            {team.members.length === 0 ? (
              <p className="text-sm text-muted-foreground">No members yet.</p>
            ) : (
              <ul className="divide-y">
                {team.members.map((m) => (
                  <li key={m.id} className="flex items-center justify-between py-2">
                    <span>
                      {m.user.name} <span className="text-xs text-muted-foreground">{m.user.email}</span>
                    </span>
                    <Badge variant={m.role === "lead" ? "default" : "secondary"}>{m.role}</Badge>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>On call</CardTitle>
          </CardHeader>
          <CardContent>
            <OnCallSection key={onCall.rota.map((p) => p.id).join() + onCall.ackMinutes} data={onCall} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Incidents in chat</CardTitle>
          </CardHeader>
          <CardContent>
            <ChatAppForm data={slackApp} />
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Public config namespaces</CardTitle>
          </CardHeader>
          <CardContent>
            <TeamPublicNamespaces teamId={team.id} data={publicConfig} />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
