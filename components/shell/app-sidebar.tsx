"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { Anchor, BarChart3, Boxes, Flame, Home, LayoutTemplate, Rocket, Server, Shapes, Shield, Siren, Ticket, Users, type LucideIcon } from "lucide-react";
import {
  Sidebar,
  SidebarContent,
  SidebarGroup,
  SidebarGroupContent,
  SidebarHeader,
  SidebarMenu,
  SidebarMenuBadge,
  SidebarMenuButton,
  SidebarMenuItem,
  SidebarRail,
} from "@/components/ui/sidebar";
import type { NavItem } from "@/lib/access/nav";
import { useLiveCounts } from "./live-counts";

/** Icons by the keys modules name in their nav items; an unknown key gets a neutral icon. */
const ICONS: Record<string, LucideIcon> = {
  home: Home,
  projects: Boxes,
  teams: Users,
  templates: LayoutTemplate,
  tickets: Ticket,
  deployments: Rocket,
  dashboards: BarChart3,
  clusters: Server,
  admin: Shield,
  alerts: Siren,
  incidents: Flame,
};

/** What a sidebar entry shows; the layout sends only this (not the action it requires, nor its order). */
export type SidebarItem = Pick<NavItem, "href" | "label" | "icon">;

export function AppSidebar({ items, inbox }: { items: SidebarItem[]; inbox: number }) {
  const pathname = usePathname();
  const { data } = useLiveCounts({ inbox });
  const waiting = data?.inbox ?? inbox;
  return (
    <Sidebar collapsible="icon">
      <SidebarHeader>
        <SidebarMenu>
          <SidebarMenuItem>
            <SidebarMenuButton size="lg" asChild>
              <Link href="/">
                <div className="flex aspect-square size-8 items-center justify-center rounded-lg bg-sidebar-primary text-sidebar-primary-foreground">
                  <Anchor className="size-4" />
                </div>
                <div className="grid flex-1 text-left text-sm leading-tight">
                  <span className="truncate font-semibold">Wharf</span>
                  <span className="truncate text-xs text-muted-foreground">Platform portal</span>
                </div>
              </Link>
            </SidebarMenuButton>
          </SidebarMenuItem>
        </SidebarMenu>
      </SidebarHeader>
      <SidebarContent>
        <SidebarGroup>
          <SidebarGroupContent>
            <SidebarMenu aria-label="Main">
              {items.map((item) => {
                const Icon = ICONS[item.icon] ?? Shapes;
                const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
                return (
                  <SidebarMenuItem key={item.href}>
                    <SidebarMenuButton asChild isActive={active} tooltip={item.label}>
                      <Link href={item.href}>
                        <Icon />
                        <span>{item.label}</span>
                      </Link>
                    </SidebarMenuButton>
                    {item.href === "/tickets" && waiting > 0 && <SidebarMenuBadge data-testid="inbox-count">{waiting}</SidebarMenuBadge>}
                  </SidebarMenuItem>
                );
              })}
            </SidebarMenu>
          </SidebarGroupContent>
        </SidebarGroup>
      </SidebarContent>
      <SidebarRail />
    </Sidebar>
  );
}
