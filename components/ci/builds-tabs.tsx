"use client";

import Link from "@/components/ui/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/utils";

const TABS = [
  { tab: "", label: "Runs" },
  { tab: "trends", label: "Trends" },
  { tab: "pipeline", label: "Pipeline" },
  { tab: "settings", label: "Settings" },
] as const;

/**
 * The sections of a project's Builds tab, under each page's header. A run
 * page (/builds/<number>) belongs to Runs. `hide` drops sections the person
 * may not open (Settings for those who may not edit them).
 */
export function BuildsTabs({ slug, hide = [] }: { slug: string; hide?: readonly ("trends" | "pipeline" | "settings")[] }) {
  const pathname = usePathname();
  const base = `/projects/${slug}/builds`;
  const section = pathname.startsWith(`${base}/`) ? pathname.slice(base.length + 1).split("/")[0]! : "";
  const current = TABS.some((t) => t.tab === section) ? section : "";
  return (
    <nav className="-mx-1 mb-4 overflow-x-auto border-b px-1" aria-label="Build sections">
      <ul className="flex gap-1">
        {TABS.filter((t) => !(hide as readonly string[]).includes(t.tab)).map((t) => (
          <li key={t.label}>
            <Link
              href={t.tab ? `${base}/${t.tab}` : base}
              aria-current={current === t.tab ? "page" : undefined}
              className={cn(
                "-mb-px inline-block border-b-2 px-3 py-2 text-sm whitespace-nowrap",
                current === t.tab ? "border-primary font-medium text-foreground" : "border-transparent text-muted-foreground hover:text-foreground",
              )}
            >
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
