"use client";

import Link from "@/components/ui/link";
import { Fragment } from "react";
import { usePathname } from "next/navigation";
import {
  Breadcrumb,
  BreadcrumbEllipsis,
  BreadcrumbItem,
  BreadcrumbLink,
  BreadcrumbList,
  BreadcrumbPage,
  BreadcrumbSeparator,
} from "@/components/ui/breadcrumb";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { SpriteIcon } from "@/components/icons/sprite-icon";
import { cn } from "@/lib/utils";

const LABELS: Record<string, string> = {
  projects: "Projects",
  teams: "Teams",
  templates: "Templates",
  tickets: "Tickets",
  deployments: "Deployments",
  dashboards: "Dashboards",
  clusters: "Clusters",
  admin: "Admin",
  audit: "Audit log",
  users: "Users",
  new: "New",
  onboard: "Onboard",
  settings: "Settings",
  services: "Services",
  releases: "Releases",
  spec: "Spec",
  diff: "Compare",
  config: "Config",
  history: "History",
  gray: "Gray release",
  instances: "Instances",
  builds: "Builds",
  trends: "Trends",
  pipeline: "Pipeline",
  ci: "CI",
  alerts: "Alerts",
  incidents: "Incidents",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A segment's label: known words get their names, ids are shortened as git shortens hashes, a CI run is "Run #N", slugs stay as they are. */
function label(segment: string, parent?: string): string {
  const s = decodeURIComponent(segment);
  if (parent === "builds" && /^\d+$/.test(s)) return `Run #${s}`;
  if (parent === "incidents" && /^\d+$/.test(s)) return `INC-${s}`;
  return LABELS[s] ?? (UUID.test(s) ? s.slice(0, 8) : s);
}

/**
 * Breadcrumbs from the path: known segments get their names, the rest (slugs) are shown as they are. One line
 * always: long labels are cut with an ellipsis, and on a narrow screen a deep path collapses its middle into a menu
 * ("… / api / Spec"), so the header never wraps into clipped lines.
 */
export function Breadcrumbs() {
  const pathname = usePathname();
  const segments = pathname.split("/").filter(Boolean);
  const crumbs = [
    { href: "/", label: "Home" },
    ...segments.map((s, i) => ({ href: "/" + segments.slice(0, i + 1).join("/"), label: label(s, segments[i - 1]) })),
  ];
  const last = crumbs.length - 1;
  // Below md only the parent and the page itself stay; the crumbs before them go into the menu.
  const collapsed = crumbs.length > 3 ? crumbs.slice(0, last - 1) : [];
  const hiddenOnSmall = (i: number) => i < collapsed.length;
  // A deep path (a service's config history: seven crumbs) would cut every crumb to a few letters beside the
  // sidebar on a laptop: it collapses below 2xl, a short one only below md.
  const deep = crumbs.length > 6;
  const showWhenCollapsed = deep ? "2xl:hidden" : "md:hidden";
  const hideWhenCollapsed = deep ? "max-2xl:hidden" : "max-md:hidden";
  return (
    // Its links are plain anchors that navigate in the client (data-client-nav, components/shell/intent-prefetch.tsx).
    <Breadcrumb className="min-w-0" data-client-nav="">
      <BreadcrumbList className="flex-nowrap gap-1 sm:gap-1.5 md:gap-2">
        {collapsed.length > 0 && (
          <>
            <BreadcrumbItem className={showWhenCollapsed}>
              <DropdownMenu>
                <DropdownMenuTrigger className="rounded-sm hover:text-foreground" aria-label="Show the whole path">
                  <BreadcrumbEllipsis className="size-6" />
                </DropdownMenuTrigger>
                <DropdownMenuContent align="start">
                  {collapsed.map((c) => (
                    <DropdownMenuItem key={c.href} asChild>
                      <Link href={c.href}>{c.label}</Link>
                    </DropdownMenuItem>
                  ))}
                </DropdownMenuContent>
              </DropdownMenu>
            </BreadcrumbItem>
            <BreadcrumbSeparator className={showWhenCollapsed}>
              <SpriteIcon name="chevron-right" />
            </BreadcrumbSeparator>
          </>
        )}
        {crumbs.map((c, i) => (
          <Fragment key={c.href}>
            {i > 0 && (
              <BreadcrumbSeparator className={cn(hiddenOnSmall(i - 1) && hideWhenCollapsed)}>
                <SpriteIcon name="chevron-right" />
              </BreadcrumbSeparator>
            )}
            <BreadcrumbItem className={cn("min-w-0", hiddenOnSmall(i) && hideWhenCollapsed, i < last && "shrink-[2]")}>
              {i === last ? (
                <BreadcrumbPage className="truncate" title={c.label}>
                  {c.label}
                </BreadcrumbPage>
              ) : (
                <BreadcrumbLink href={c.href} className="truncate" title={c.label}>
                  {c.label}
                </BreadcrumbLink>
              )}
            </BreadcrumbItem>
          </Fragment>
        ))}
      </BreadcrumbList>
    </Breadcrumb>
  );
}
