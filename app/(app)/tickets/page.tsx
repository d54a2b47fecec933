import type { Metadata } from "next";
import { Ticket } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { PageHeader } from "@/components/shell/page-header";
import { NoAccess } from "@/components/shell/no-access";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Tickets" };

export default async function TicketsPage() {
  const ctx = await requireCtx();
  if (!can(ctx.actor, "ticket.read", platform)) return <NoAccess what="tickets" />;
  const ops = ctx.actor.platformRole === "ops" || ctx.actor.platformRole === "admin";
  return (
    <>
      <PageHeader title="Tickets" description={ops ? "Requests waiting for your approval." : "Your requests and where they stand."} />
      <EmptyState
        icon={Ticket}
        title="No tickets"
        description={
          ops
            ? "Onboarding, permission and quota requests will wait here for approval."
            : "When you request a new project, access to a project or more quota, the request and its progress show here."
        }
      />
    </>
  );
}
