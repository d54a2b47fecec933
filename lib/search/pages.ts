/** The pages the command palette offers: the sidebar's sections and the pages behind them, each only to who may use it. */
import { navFor } from "@/lib/access/nav";
import { can, platform, type Action, type Actor } from "@/lib/access/policy";

export interface PageLink {
  href: string;
  label: string;
  /** Words that find the page besides its label. */
  keywords: string[];
}

/** Pages below the sidebar's sections, with the platform action each needs. */
const MORE: (PageLink & { requires: Action })[] = [
  { href: "/projects/onboard", label: "Onboard a project", keywords: ["request", "new", "wizard", "template"], requires: "project.request" },
  { href: "/projects/new", label: "New project", keywords: ["create"], requires: "project.create" },
  { href: "/tickets?view=mine", label: "My requests", keywords: ["tickets", "mine"], requires: "ticket.read" },
  { href: "/settings/tokens", label: "Git access tokens", keywords: ["clone", "token", "settings"], requires: "git.token.create" },
  { href: "/clusters/new", label: "Register a cluster", keywords: ["kubeconfig", "add"], requires: "cluster.register" },
  { href: "/admin/audit", label: "Audit log", keywords: ["admin", "history", "who"], requires: "audit.read" },
  { href: "/admin/users", label: "Users", keywords: ["admin", "people", "roles"], requires: "user.manage" },
];

export function pagesFor(actor: Actor): PageLink[] {
  const sections = navFor(actor).map((n) => ({ href: n.href, label: n.label, keywords: [] }));
  const more = MORE.filter((p) => can(actor, p.requires, platform)).map(({ href, label, keywords }) => ({ href, label, keywords }));
  return [...sections, ...more];
}
