"use client";

import Link from "next/link";
import { Fragment } from "react";
import { usePathname } from "next/navigation";
import { Breadcrumb, BreadcrumbItem, BreadcrumbLink, BreadcrumbList, BreadcrumbPage, BreadcrumbSeparator } from "@/components/ui/breadcrumb";

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
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A segment's label: known words get their names, ids are shortened as git shortens hashes, slugs stay as they are. */
function label(segment: string): string {
  const s = decodeURIComponent(segment);
  return LABELS[s] ?? (UUID.test(s) ? s.slice(0, 8) : s);
}

/** Breadcrumbs from the path: known segments get their names, the rest (slugs) are shown as they are. */
export function Breadcrumbs() {
  const pathname = usePathname();
  const segments = pathname.split("/").filter(Boolean);
  const crumbs = [{ href: "/", label: "Home" }, ...segments.map((s, i) => ({ href: "/" + segments.slice(0, i + 1).join("/"), label: label(s) }))];
  return (
    <Breadcrumb>
      <BreadcrumbList>
        {crumbs.map((c, i) => (
          <Fragment key={c.href}>
            {i > 0 && <BreadcrumbSeparator />}
            <BreadcrumbItem>
              {i === crumbs.length - 1 ? (
                <BreadcrumbPage>{c.label}</BreadcrumbPage>
              ) : (
                <BreadcrumbLink asChild>
                  <Link href={c.href}>{c.label}</Link>
                </BreadcrumbLink>
              )}
            </BreadcrumbItem>
          </Fragment>
        ))}
      </BreadcrumbList>
    </Breadcrumb>
  );
}
