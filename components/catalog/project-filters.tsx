"use client";

import { useEffect, useState, useTransition } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Label } from "@/components/ui/label";
import { SpriteIcon } from "@/components/icons/sprite-icon";
import { LIFECYCLES, PAGE_SIZES, PROJECT_SEARCH_MAX, TIERS, projectSearch } from "@/lib/catalog/schemas";
import styles from "./project-filters.module.css";

const ALL = "__all";

/** Search and filters of the projects list, kept in the URL (shareable, server-rendered). */
export function ProjectFilters({ teams }: { teams: { slug: string; name: string }[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  // The words the list searched: a longer search in the URL was cut to the first 100 characters, and the URL follows.
  const [q, setQ] = useState(projectSearch(params.get("q") ?? ""));

  function update(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (!v || v === ALL) next.delete(k);
      else next.set(k, v);
    }
    next.delete("page");
    startTransition(() => router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false }));
  }

  // Search as the user types, 250 ms after the last key.
  useEffect(() => {
    const current = params.get("q") ?? "";
    if (current === q.trim()) return;
    const t = setTimeout(() => {
      const next = new URLSearchParams(params.toString());
      if (q.trim()) next.set("q", q.trim());
      else next.delete("q");
      next.delete("page");
      startTransition(() => router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false }));
    }, 250);
    return () => clearTimeout(t);
  }, [q, params, pathname, router]);

  const active = ["q", "team", "tier", "lifecycle", "mine"].some((k) => params.get(k));

  return (
    <div className="mb-4 flex flex-wrap items-center gap-2" role="search">
      <div className="relative min-w-64 flex-1">
        <SpriteIcon name="search" className="absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
        <input
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="Search name, slug, description, labels (e.g. pci=true)"
          className={styles.search}
          aria-label="Search projects"
          maxLength={PROJECT_SEARCH_MAX}
        />
        {pending && <SpriteIcon name="loader" className="absolute top-1/2 right-2.5 size-4 -translate-y-1/2 animate-spin text-muted-foreground" />}
      </div>
      <FilterSelect width="w40" aria-label="Team" value={params.get("team") ?? ALL} onChange={(e) => update({ team: e.target.value })}>
        <option value={ALL}>All teams</option>
        {teams.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name}
          </option>
        ))}
      </FilterSelect>
      <FilterSelect width="w36" aria-label="Tier" value={params.get("tier") ?? ALL} onChange={(e) => update({ tier: e.target.value })}>
        <option value={ALL}>All tiers</option>
        {TIERS.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </FilterSelect>
      <FilterSelect width="w40" aria-label="Lifecycle" value={params.get("lifecycle") ?? ALL} onChange={(e) => update({ lifecycle: e.target.value })}>
        <option value={ALL}>Not archived</option>
        {LIFECYCLES.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </FilterSelect>
      <FilterSelect
        width="w28"
        aria-label="Page size"
        value={params.get("size") ?? "20"}
        onChange={(e) => update({ size: e.target.value === "20" ? undefined : e.target.value })}
      >
        {PAGE_SIZES.map((s) => (
          <option key={s} value={String(s)}>
            {s} / page
          </option>
        ))}
      </FilterSelect>
      <div className="flex items-center gap-2 px-1">
        <Checkbox id="mine" checked={params.get("mine") === "1"} onCheckedChange={(v) => update({ mine: v === true ? "1" : undefined })} />
        <Label htmlFor="mine">Mine only</Label>
      </div>
      {active && (
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            setQ("");
            startTransition(() => router.replace(pathname));
          }}
        >
          <SpriteIcon name="x" /> Clear
        </Button>
      )}
    </div>
  );
}

/** NativeSelect's look (components/ui/native-select.tsx) from short module classes: four of these are on the page. */
function FilterSelect({ width, ...props }: React.ComponentProps<"select"> & { width: "w28" | "w36" | "w40" }) {
  return (
    <div className={`${styles.wrap} ${styles[width]}`}>
      <select className={styles.select} {...props} />
      <SpriteIcon name="chevron-down" className={styles.chevron} />
    </div>
  );
}
