"use client";

import Link from "next/link";
import { Bell } from "lucide-react";
import { useQueryClient } from "@tanstack/react-query";
import { formatDistanceToNowStrict } from "date-fns";
import { Button } from "@/components/ui/button";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { markNotificationsReadAction } from "@/lib/notifications/actions";
import { useLiveCounts } from "./live-counts";

export function NotificationBell({ initialUnread }: { initialUnread: number }) {
  const { data } = useLiveCounts({ unread: initialUnread });
  const queryClient = useQueryClient();
  const unread = data?.unread ?? 0;
  return (
    <Popover
      onOpenChange={(open) => {
        if (!open && unread > 0) void markNotificationsReadAction({}).then(() => queryClient.invalidateQueries({ queryKey: ["notifications"] }));
      }}
    >
      <PopoverTrigger asChild>
        <Button variant="ghost" size="icon" className="relative" aria-label={unread ? `Notifications: ${unread} unread` : "Notifications"}>
          <Bell />
          {unread > 0 && (
            <span
              className="absolute -top-0.5 -right-0.5 flex min-w-4 items-center justify-center rounded-full bg-destructive px-1 text-[10px] font-semibold text-white"
              data-testid="unread-count"
            >
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-96 p-0">
        <div className="border-b px-4 py-2 text-sm font-medium">Notifications</div>
        {!data?.items.length ? (
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
