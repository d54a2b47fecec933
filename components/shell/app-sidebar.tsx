"use client";

import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import Link from "@/components/ui/link";
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
  useSidebar,
} from "@/components/ui/sidebar";
import type { NavItem } from "@/lib/access/nav";
import { SpriteIcon, isIconName } from "@/components/icons/sprite-icon";
import { useLiveCounts } from "./live-counts";
import styles from "./app-sidebar.module.css";

/** What a sidebar entry shows; the layout sends only this (not the action it requires, nor its order). */
export type SidebarItem = Pick<NavItem, "href" | "label" | "icon">;

interface Tip {
  href: string;
  label: string;
  x: number;
  y: number;
}

/**
 * The entries' names as a tooltip while the sidebar is collapsed to icons (on hover or focus, Escape hides it): one
 * tooltip for the whole menu, drawn only while shown, instead of a Radix Tooltip around every entry, which cost
 * 1 to 2 ms of server rendering per page for a tooltip hidden unless collapsed (docs/performance.md).
 */
function useCollapsedTip() {
  const { state, isMobile } = useSidebar();
  const [tip, setTip] = useState<Tip | null>(null);
  const shown = state === "collapsed" && !isMobile ? tip : null;
  useEffect(() => {
    if (!shown) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setTip(null);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [shown]);
  const show = (target: EventTarget) => {
    const link = target instanceof Element ? target.closest<HTMLAnchorElement>("a[data-tip]") : null;
    if (!link) return setTip(null); // between entries, or on a badge
    if (link.getAttribute("href") === tip?.href) return;
    const box = link.getBoundingClientRect();
    setTip({ href: link.getAttribute("href") ?? "", label: link.dataset.tip ?? "", x: box.right, y: box.top + box.height / 2 });
  };
  const handlers = {
    onPointerOver: (e: React.PointerEvent) => show(e.target),
    onPointerLeave: () => setTip(null),
    onFocus: (e: React.FocusEvent) => show(e.target),
    onBlur: () => setTip(null),
  };
  const tooltip = shown
    ? createPortal(
        <div role="tooltip" id="sidebar-tip" className={styles.tip} style={{ left: shown.x + 6, top: shown.y }}>
          {shown.label}
          <span aria-hidden="true" className={styles.arrow} />
        </div>,
        document.body,
      )
    : null;
  return { handlers, tooltip, describes: (href: string) => (shown?.href === href ? "sidebar-tip" : undefined) };
}

export function AppSidebar({ items, inbox }: { items: SidebarItem[]; inbox: number }) {
  const pathname = usePathname();
  const { data } = useLiveCounts({ inbox });
  const waiting = data?.inbox ?? inbox;
  const tip = useCollapsedTip();
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
            {/* Plain anchors that navigate in the client (data-client-nav, components/shell/intent-prefetch.tsx). */}
            <SidebarMenu aria-label="Main" data-client-nav="" {...tip.handlers}>
              {items.map((item) => {
                const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
                return (
                  <SidebarMenuItem key={item.href}>
                    <SidebarMenuButton asChild isActive={active}>
                      <a href={item.href} data-tip={item.label} aria-describedby={tip.describes(item.href)}>
                        {/* Icons by the keys modules name in their nav items (components/icons/sprite-icons.ts); an unknown key gets a neutral icon. */}
                        <SpriteIcon name={isIconName(item.icon) ? item.icon : "shapes"} />
                        <span>{item.label}</span>
                      </a>
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
      {tip.tooltip}
    </Sidebar>
  );
}
