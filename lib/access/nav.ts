/** The sidebar: each item is shown only to actors who may use it. */
import { can, platform, type Action, type Actor } from "./policy";

export interface NavItem {
  href: string;
  label: string;
  icon: "home" | "projects" | "teams" | "templates" | "tickets" | "deployments" | "dashboards" | "clusters" | "admin";
  requires: Action;
}

export const NAV: NavItem[] = [
  { href: "/", label: "Home", icon: "home", requires: "catalog.read" },
  { href: "/projects", label: "Projects", icon: "projects", requires: "catalog.read" },
  { href: "/teams", label: "Teams", icon: "teams", requires: "catalog.read" },
  { href: "/templates", label: "Templates", icon: "templates", requires: "template.read" },
  { href: "/tickets", label: "Tickets", icon: "tickets", requires: "ticket.read" },
  { href: "/deployments", label: "Deployments", icon: "deployments", requires: "deployment.read" },
  { href: "/dashboards", label: "Dashboards", icon: "dashboards", requires: "dashboard.read" },
  { href: "/clusters", label: "Clusters", icon: "clusters", requires: "cluster.read" },
  { href: "/admin", label: "Admin", icon: "admin", requires: "admin.access" },
];

export function navFor(actor: Actor): NavItem[] {
  return NAV.filter((item) => can(actor, item.requires, platform));
}
