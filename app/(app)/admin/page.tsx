import type { Metadata } from "next";
import Link from "next/link";
import { History, Users } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { PageHeader } from "@/components/shell/page-header";
import { NoAccess } from "@/components/shell/no-access";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

export const metadata: Metadata = { title: "Admin" };

const SECTIONS = [
  { href: "/admin/audit", title: "Audit log", description: "Every change: who, what, when, before and after.", icon: History },
  { href: "/admin/users", title: "Users", description: "Platform roles of everyone who signed in.", icon: Users },
];

export default async function AdminPage() {
  const ctx = await requireCtx();
  if (!can(ctx.actor, "admin.access", platform)) return <NoAccess what="the Admin section" />;
  return (
    <>
      <PageHeader title="Admin" description="Run the platform." />
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
