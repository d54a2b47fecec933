"use client";

import { useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Boxes, FileText, Loader2, type LucideIcon, Rocket, Shapes, Ticket } from "lucide-react";
import { SpriteIcon } from "@/components/icons/sprite-icon";
import { CommandDialog, CommandEmpty, CommandGroup, CommandInput, CommandItem, CommandList } from "@/components/ui/command";
import { useHydrated } from "@/hooks/use-hydrated";
import styles from "./header.module.css";
import type { PageLink } from "@/lib/search/pages";
import type { SearchHit, SearchKind } from "@/lib/search/search";

const GROUPS: { kind: SearchKind; heading: string; icon: LucideIcon }[] = [
  { kind: "project", heading: "Projects", icon: Boxes },
  { kind: "service", heading: "Services", icon: Shapes },
  { kind: "ticket", heading: "Tickets", icon: Ticket },
  { kind: "release", heading: "Releases", icon: Rocket },
];

/** The server's answer, or the sentence of its error. */
async function fetchHits(q: string, signal: AbortSignal): Promise<SearchHit[]> {
  const res = await fetch(`/api/search?q=${encodeURIComponent(q)}`, { signal });
  const body = (await res.json().catch(() => null)) as { hits?: SearchHit[]; message?: string } | null;
  if (!res.ok) throw new Error(body?.message ?? `Search answered ${res.status}.`);
  return body?.hits ?? [];
}

/** Waits until the person stops typing for a moment: one request per pause, not per key. */
function useSettled(value: string, ms = 150) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * Jump to any project, service, ticket, release or page the person may see: Ctrl+K (⌘K on a Mac) or the header's
 * search button. Pages are filtered here; everything else comes from /api/search, which scopes by the policy.
 */
export function CommandPalette({ pages }: { pages: PageLink[] }) {
  const [open, setOpen] = useState(false);
  const hydrated = useHydrated();
  const mac = hydrated && /Mac|iPhone|iPad/.test(navigator.userAgent);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <>
      <button
        type="button"
        className={`${styles.base} ${styles.search}`}
        aria-label="Search"
        aria-keyshortcuts="Control+K Meta+K"
        onClick={() => setOpen(true)}
      >
        <SpriteIcon name="search" />
        <span className="hidden md:inline">Search…</span>
        <kbd className="ml-auto hidden rounded border bg-muted px-1.5 font-mono text-[10px] md:inline">{mac ? "⌘K" : "Ctrl K"}</kbd>
      </button>
      {/* The dialog, its search and its state come with hydration: the server renders the button alone (docs/performance.md, ninth pass). */}
      {hydrated && <PaletteDialog pages={pages} open={open} setOpen={setOpen} />}
    </>
  );
}

/** The palette itself: the dialog, what was typed, and the search it sends. */
function PaletteDialog({ pages, open, setOpen }: { pages: PageLink[]; open: boolean; setOpen: (open: boolean) => void }) {
  const router = useRouter();
  const [input, setInput] = useState("");
  const [selected, setSelected] = useState("");
  const q = useSettled(input.trim());

  const enabled = open && q.length >= 2;
  const { data, error, isFetching } = useQuery({
    queryKey: ["search", q],
    queryFn: ({ signal }) => fetchHits(q, signal),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
    retry: false,
  });

  const needle = input.trim().toLowerCase();
  const matchingPages = useMemo(
    () => (needle ? pages.filter((p) => [p.label, ...p.keywords].some((w) => w.toLowerCase().includes(needle))) : pages),
    [pages, needle],
  );
  const hits = useMemo(() => (enabled ? (data ?? []) : []), [enabled, data]);
  const items = [...matchingPages.map((p) => `page:${p.href}`), ...hits.map((h) => `${h.kind}:${h.id}`)];
  // The highlighted item stays while it is listed; otherwise the first one is the one Enter opens.
  const current = items.includes(selected) ? selected : (items[0] ?? "");

  function go(href: string) {
    setOpen(false);
    setInput("");
    router.push(href);
  }

  return (
    <CommandDialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) setInput("");
      }}
      title="Search Wharf"
      description="Jump to a project, service, ticket, release or page"
      className="top-[15%] translate-y-0 sm:max-w-xl"
      commandProps={{ shouldFilter: false, value: current, onValueChange: setSelected, loop: true, label: "Search Wharf" }}
    >
      <div className="relative">
        <CommandInput value={input} onValueChange={setInput} placeholder="Projects, services, tickets (#12), releases (v2), pages…" maxLength={100} />
        {isFetching && <Loader2 className="absolute top-1/2 right-10 size-4 -translate-y-1/2 animate-spin text-muted-foreground" aria-label="Searching" />}
      </div>
      <CommandList className="max-h-[min(60svh,420px)]">
        {error && enabled ? (
          <div role="alert" className="px-4 py-6 text-center text-sm text-destructive">
            Search failed: {error.message}
          </div>
        ) : (
          <CommandEmpty>
            {needle.length < 2
              ? "Type 2 or more characters to search projects, services, tickets and releases."
              : q !== input.trim() || isFetching
                ? "Searching…"
                : `Nothing you may see matches “${input.trim()}”.`}
          </CommandEmpty>
        )}
        {matchingPages.length > 0 && (
          <CommandGroup heading="Pages">
            {matchingPages.map((p) => (
              <CommandItem key={p.href} value={`page:${p.href}`} onSelect={() => go(p.href)}>
                <FileText />
                <span className="truncate">{p.label}</span>
              </CommandItem>
            ))}
          </CommandGroup>
        )}
        {GROUPS.map(({ kind, heading, icon: Icon }) => {
          const group = hits.filter((h) => h.kind === kind);
          if (!group.length) return null;
          return (
            <CommandGroup key={kind} heading={heading}>
              {group.map((h) => (
                <CommandItem key={h.id} value={`${h.kind}:${h.id}`} onSelect={() => go(h.href)}>
                  <Icon />
                  <div className="min-w-0">
                    <div className="truncate">{h.title}</div>
                    <div className="truncate text-xs text-muted-foreground">{h.subtitle}</div>
                  </div>
                </CommandItem>
              ))}
            </CommandGroup>
          );
        })}
      </CommandList>
    </CommandDialog>
  );
}
