"use client";

import { useEffect, useState, useTransition } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Loader2, Search, X } from "lucide-react";
import { Input } from "@/components/ui/input";
import { Button } from "@/components/ui/button";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { Label } from "@/components/ui/label";
import { LIFECYCLES, PAGE_SIZES, TIERS } from "@/lib/catalog/schemas";

const ALL = "__all";

/** Search and filters of the projects list, kept in the URL (shareable, server-rendered). */
export function ProjectFilters({ teams }: { teams: { slug: string; name: string }[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [q, setQ] = useState(params.get("q") ?? "");

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
        <Search className="absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
        <Input
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="Search name, slug, description, labels (e.g. pci=true)"
          className="pl-8"
          aria-label="Search projects"
          maxLength={100}
        />
        {pending && <Loader2 className="absolute top-1/2 right-2.5 size-4 -translate-y-1/2 animate-spin text-muted-foreground" />}
      </div>
      <Select value={params.get("team") ?? ALL} onValueChange={(v) => update({ team: v })}>
        <SelectTrigger className="w-40" aria-label="Team">
          <SelectValue placeholder="Team" />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ALL}>All teams</SelectItem>
          {teams.map((t) => (
            <SelectItem key={t.slug} value={t.slug}>
              {t.name}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Select value={params.get("tier") ?? ALL} onValueChange={(v) => update({ tier: v })}>
        <SelectTrigger className="w-36" aria-label="Tier">
          <SelectValue placeholder="Tier" />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ALL}>All tiers</SelectItem>
          {TIERS.map((t) => (
            <SelectItem key={t} value={t}>
              {t}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Select value={params.get("lifecycle") ?? ALL} onValueChange={(v) => update({ lifecycle: v })}>
        <SelectTrigger className="w-40" aria-label="Lifecycle">
          <SelectValue placeholder="Lifecycle" />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ALL}>Not archived</SelectItem>
          {LIFECYCLES.map((t) => (
            <SelectItem key={t} value={t}>
              {t}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Select value={params.get("size") ?? "20"} onValueChange={(v) => update({ size: v === "20" ? undefined : v })}>
        <SelectTrigger className="w-28" aria-label="Page size">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {PAGE_SIZES.map((s) => (
            <SelectItem key={s} value={String(s)}>
              {s} / page
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <div className="flex items-center gap-2 px-1">
        <Switch id="mine" checked={params.get("mine") === "1"} onCheckedChange={(v) => update({ mine: v ? "1" : undefined })} />
        <Label htmlFor="mine">Mine</Label>
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
          <X /> Clear
        </Button>
      )}
    </div>
  );
}
