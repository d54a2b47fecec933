"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** How long a prefetched page is taken as fresh before reaching for its link asks again (the router's own stale time for dynamic pages is shorter; this only spares repeated calls). */
const AGAIN_AFTER_MS = 30_000;

/**
 * Prefetches a page when someone reaches for its link (the pointer over it, keyboard focus, a touch) rather than
 * when the link scrolls into view. next/link prefetches every link in view by default, and each prefetch of a
 * dynamic page is a server render of its layouts: one visit to the projects list made 40 prefetches and cost the
 * server 426 ms of CPU against 13 ms for the list itself (docs/performance.md). The shell's and the list's links
 * say prefetch={false} and get this instead, from one listener on the document; a click still navigates in the
 * client and uses what was prefetched.
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
    document.addEventListener("pointerover", reach, { passive: true });
    document.addEventListener("focusin", reach);
    document.addEventListener("touchstart", reach, { passive: true });
    return () => {
      document.removeEventListener("pointerover", reach);
      document.removeEventListener("focusin", reach);
      document.removeEventListener("touchstart", reach);
    };
  }, [router]);
  return null;
}
