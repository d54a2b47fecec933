import { cookies } from "next/headers";
import { requireCtx } from "@/lib/access/session";
import { navFor } from "@/lib/access/nav";
import { SidebarInset, SidebarProvider, SidebarTrigger } from "@/components/ui/sidebar";
import { SIDEBAR_COOKIE_NAME } from "@/components/ui/sidebar-cookie";
import { Separator } from "@/components/ui/separator";
import { AppSidebar } from "@/components/shell/app-sidebar";
import { Breadcrumbs } from "@/components/shell/breadcrumbs";
import { UserMenu } from "@/components/shell/user-menu";
import { ThemeToggle } from "@/components/theme-toggle";
import { NotificationBell } from "@/components/shell/notification-bell";
import { CommandPalette } from "@/components/shell/command-palette";
import { IntentPrefetch } from "@/components/shell/intent-prefetch";
import { pagesFor } from "@/lib/search/pages";
import { headerCounts } from "@/lib/notifications";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const ctx = await requireCtx();
  const { actor } = ctx;
  const { inbox, unread } = await headerCounts(ctx);
  const open = (await cookies()).get(SIDEBAR_COOKIE_NAME)?.value !== "false";
  return (
    <SidebarProvider defaultOpen={open}>
      <IntentPrefetch />
      <AppSidebar items={navFor(actor).map(({ href, label, icon }) => ({ href, label, icon }))} inbox={inbox} />
      {/* min-w-0: a wide table scrolls in its own container instead of widening the page past the window. */}
      <SidebarInset className="min-w-0">
        <header className="sticky top-0 z-10 flex h-14 shrink-0 items-center gap-2 border-b bg-background/95 px-4 backdrop-blur">
          <SidebarTrigger className="-ml-1" />
          <Separator orientation="vertical" className="mr-2 data-[orientation=vertical]:h-4" />
          <div className="min-w-0 flex-1">
            <Breadcrumbs />
          </div>
          <div className="flex shrink-0 items-center gap-1 sm:gap-2">
            <CommandPalette pages={pagesFor(actor)} />
            <NotificationBell initialUnread={unread} />
            <ThemeToggle />
            <UserMenu name={actor.name} email={actor.email} role={actor.platformRole} />
          </div>
        </header>
        <div className="mx-auto w-full max-w-7xl flex-1 p-4 md:p-6">{children}</div>
      </SidebarInset>
    </SidebarProvider>
  );
}
