import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { BellRing, History, Users, Workflow } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { lastReconcile } from "@/lib/provisioning/reconcile";
import { RelativeTime } from "@/components/shell/relative-time";
import { ReconcileButton } from "./reconcile-card";

export const metadata: Metadata = { title: "Admin" };

const SECTIONS = [
  { href: "/admin/audit", title: "Audit log", description: "Every change: who, what, when, before and after.", icon: History },
  { href: "/admin/users", title: "Users", description: "Platform roles of everyone who signed in.", icon: Users },
  { href: "/admin/ci", title: "CI seed job", description: "Plan and apply the regeneration of every project's pipelines.", icon: Workflow },
  {
    href: "/admin/alerting",
    title: "Alert routing",
    description: "Alertmanager's configuration generated from the CMDB: state, write and reload.",
    icon: BellRing,
  },
];

export default async function AdminPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "admin.access", platform));
  const last = await lastReconcile(ctx);
  const summary = last?.after as { projects: number; bindingsChecked: number; drifted: number; unreachableClusters: string[] } | undefined;
  return (
    <>
      <PageHeader title="Admin" description="Run the platform." />
      <Card className="mb-6">
        <CardHeader>
          <CardTitle>RBAC reconcile</CardTitle>
          <CardDescription>
            Every night at 02:00 Wharf compares the member RoleBindings on every cluster with the project members and repairs what was edited or deleted.
          </CardDescription>
          <CardAction>
            <ReconcileButton />
          </CardAction>
        </CardHeader>
        <CardContent className="text-sm" data-testid="last-reconcile">
          {last && summary ? (
            <p>
              Last run <RelativeTime date={last.at} /> by {last.actorLabel}: {summary.projects} projects, {summary.bindingsChecked} bindings checked,{" "}
              {summary.drifted} drifted and repaired
              {summary.unreachableClusters.length ? `; not checked (unreachable): ${summary.unreachableClusters.join(", ")}` : ""}.{" "}
              <a className="underline" href="/admin/audit?action=rbac.drift">
                See the drift found
              </a>
            </p>
          ) : (
            <p className="text-muted-foreground">Not run yet.</p>
          )}
        </CardContent>
      </Card>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {SECTIONS.map((s) => (
          <Link key={s.href} href={s.href} className="rounded-xl focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none">
            <Card className="h-full transition-colors hover:bg-muted/50">
              <CardHeader>
                <s.icon className="mb-2 size-5 text-primary" />
                <CardTitle>{s.title}</CardTitle>
                <CardDescription>{s.description}</CardDescription>
              </CardHeader>
            </Card>
          </Link>
        ))}
      </div>
    </>
  );
}
