"use client";

import Link from "@/components/ui/link";
import { SpriteIcon } from "@/components/icons/sprite-icon";
import { useQueryClient } from "@tanstack/react-query";
import { formatDistanceToNowStrict } from "date-fns";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { markNotificationsReadAction } from "@/lib/notifications/actions";
import { useHydrated } from "@/hooks/use-hydrated";
import styles from "./header.module.css";
import { LIVE_COUNTS_KEY, useLiveCounts, type LiveCounts } from "./live-counts";

export function NotificationBell({ initialUnread }: { initialUnread: number }) {
  const { data, live } = useLiveCounts({ unread: initialUnread });
  const queryClient = useQueryClient();
  const unread = data.unread;
  const hydrated = useHydrated();
  /** Closing the list marks everything read: at once here, and in every other tab by the stream's next event. */
  function markRead() {
    if (unread === 0) return;
    const now = new Date().toISOString();
    queryClient.setQueryData<LiveCounts>(LIVE_COUNTS_KEY, (old) =>
      old ? { ...old, unread: 0, items: old.items.map((n) => (n.readAt ? n : { ...n, readAt: now })) } : old,
    );
    void markNotificationsReadAction({});
  }
  const button = (
    <button type="button" className={`${styles.base} ${styles.icon}`} aria-label={unread ? `Notifications: ${unread} unread` : "Notifications"}>
      <SpriteIcon name="bell" />
      {unread > 0 && (
        <span
          className="absolute -top-0.5 -right-0.5 flex min-w-4 items-center justify-center rounded-full bg-destructive px-1 text-[10px] font-semibold text-white"
          data-testid="unread-count"
        >
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </button>
  );
  // The server renders the button alone, and the list around it comes with hydration (docs/performance.md, ninth pass).
  if (!hydrated) return button;
  return (
    <Popover
      onOpenChange={(open) => {
        if (!open) markRead();
      }}
    >
      <PopoverTrigger asChild>{button}</PopoverTrigger>
      <PopoverContent align="end" className="w-96 p-0">
        <div className="border-b px-4 py-2 text-sm font-medium">Notifications</div>
        {!live ? (
          <p className="flex items-center justify-center gap-2 px-4 py-6 text-sm text-muted-foreground">
            <SpriteIcon name="loader" className="size-4 animate-spin" /> Loading notifications…
          </p>
        ) : !data.items.length ? (
          <p className="px-4 py-6 text-center text-sm text-muted-foreground">Nothing yet: decisions on your requests and their provisioning show here.</p>
        ) : (
          <ul className="max-h-96 divide-y overflow-auto" aria-label="Notifications">
            {data.items.map((n) => (
              <li key={n.id} className={n.readAt ? "" : "bg-accent/40"}>
                <Link href={n.link || "/"} className="block px-4 py-3 hover:bg-muted">
                  <div className="text-sm font-medium">{n.title}</div>
                  {n.body && <div className="line-clamp-2 text-xs text-muted-foreground">{n.body}</div>}
                  <div className="mt-1 text-xs text-muted-foreground">{formatDistanceToNowStrict(new Date(n.createdAt), { addSuffix: true })}</div>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </PopoverContent>
    </Popover>
  );
}
