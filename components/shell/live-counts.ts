"use client";

import { useQuery } from "@tanstack/react-query";

export interface LiveCounts {
  items: { id: string; title: string; body: string; link: string; readAt: string | null; createdAt: string }[];
  unread: number;
  inbox: number;
}

/** Notifications and the tickets waiting for the user, shared by the bell and the sidebar (one request). */
export function useLiveCounts(initial?: Partial<LiveCounts>) {
  return useQuery({
    queryKey: ["notifications"],
    queryFn: async (): Promise<LiveCounts> => {
      const res = await fetch("/api/notifications");
      if (!res.ok) throw new Error(`notifications: ${res.status}`);
      return res.json();
    },
    initialData: initial ? { items: [], unread: 0, inbox: 0, ...initial } : undefined,
    refetchInterval: 20_000,
  });
}
