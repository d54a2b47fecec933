"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
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
import { SpriteIcon, isIconName } from "@/components/icons/sprite-icon";
import { useLiveCounts } from "./live-counts";

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
                  <SpriteIcon name="anchor" className="size-4" />
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
                const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
                return (
                  <SidebarMenuItem key={item.href}>
                    <SidebarMenuButton asChild isActive={active} tooltip={item.label}>
                      <Link href={item.href}>
                        {/* Icons by the keys modules name in their nav items (components/icons/sprite-icons.ts); an unknown key gets a neutral icon. */}
                        <SpriteIcon name={isIconName(item.icon) ? item.icon : "shapes"} />
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
