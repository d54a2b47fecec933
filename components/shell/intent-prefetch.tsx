"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** How long a prefetched page is taken as fresh before reaching for its link asks again (the router's own stale time for dynamic pages is shorter; this only spares repeated calls). */
const AGAIN_AFTER_MS = 30_000;

/**
 * Two things next/link does, done once for the whole document instead of by a component per link.
 *
 * Prefetching: a page is prefetched when someone reaches for its link (the pointer over it, keyboard focus, a touch) rather than
 * when the link scrolls into view. next/link prefetches every link in view by default, and each prefetch of a
 * dynamic page is a server render of its layouts: one visit to the projects list made 40 prefetches and cost the
 * server 426 ms of CPU against 13 ms for the list itself (docs/performance.md). Every Link of the app
 * (components/ui/link.tsx, prefetch={false} unless it says otherwise) and the plain anchors below get this instead; a
 * click still navigates in the client and uses what was prefetched.
 *
 * Navigating: a plain `<a href>` inside an element marked `data-client-nav` navigates in the client on a plain left
 * click, as a next/link would (with a modifier key, or a middle click, the browser opens a tab as usual). The
 * list's rows, the sidebar, the breadcrumbs and the list's sort and page links are such anchors: a next/link
 * component with its hooks costs about 50 µs of server rendering each, and the list has about sixty.
 */
export function IntentPrefetch() {
  const router = useRouter();
  useEffect(() => {
    const asked = new Map<string, number>();
    const reach = (e: Event) => {
      const a = e.target instanceof Element ? e.target.closest("a[href]") : null;
      if (!(a instanceof HTMLAnchorElement) || a.target || a.hasAttribute("download") || a.origin !== window.location.origin) return;
      const href = a.pathname + a.search;
      if (href.startsWith("/api/") || href === window.location.pathname + window.location.search) return;
      const now = Date.now();
      if (now - (asked.get(href) ?? -Infinity) < AGAIN_AFTER_MS) return;
      asked.set(href, now);
      router.prefetch(href);
    };
    const navigate = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = e.target instanceof Element ? e.target.closest("[data-client-nav] a[href]") : null;
      if (!(a instanceof HTMLAnchorElement) || a.target || a.hasAttribute("download") || a.origin !== window.location.origin) return;
      e.preventDefault();
      router.push(a.pathname + a.search + a.hash);
    };
    document.addEventListener("click", navigate);
    document.addEventListener("pointerover", reach, { passive: true });
    document.addEventListener("focusin", reach);
    document.addEventListener("touchstart", reach, { passive: true });
    return () => {
      document.removeEventListener("click", navigate);
      document.removeEventListener("pointerover", reach);
      document.removeEventListener("focusin", reach);
      document.removeEventListener("touchstart", reach);
    };
  }, [router]);
  return null;
}
