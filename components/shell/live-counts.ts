"use client";

/**
 * The bell's notifications and the sidebar's inbox count, kept current by
 * one server-sent event stream per tab (/api/notifications/stream, fed by
 * Postgres LISTEN/NOTIFY): the counts arrive as soon as the page is up and
 * again whenever they change, instead of a poll. The bell and the sidebar
 * read the same react-query entry, which only the stream (or, while it is
 * down, a plain read) writes: neither seeds it, so one component's server
 * value can never hide the other's (the sidebar's initial zero used to leave
 * the bell empty for 20 s after every page load). Until the stream's first
 * event each shows what the server rendered.
 */
import { useEffect } from "react";
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";

export interface LiveCounts {
  items: { id: string; title: string; body: string; link: string; readAt: string | null; createdAt: string }[];
  unread: number;
  inbox: number;
}

export const LIVE_COUNTS_KEY = ["live-counts"] as const;

const STREAM = "/api/notifications/stream";
const MAX_BACKOFF_MS = 60_000;

/** One stream per tab, shared by every component that shows the counts. */
const stream = {
  users: 0,
  source: null as EventSource | null,
  retry: null as ReturnType<typeof setTimeout> | null,
  backoffMs: 2000,
};

async function readOnce(client: QueryClient): Promise<"ok" | "signed-out" | "failed"> {
  try {
    const res = await fetch("/api/notifications", { cache: "no-store" });
    if (res.status === 401) return "signed-out";
    if (!res.ok) return "failed";
    client.setQueryData(LIVE_COUNTS_KEY, (await res.json()) as LiveCounts);
    return "ok";
  } catch {
    return "failed";
  }
}

function stop() {
  stream.source?.close();
  stream.source = null;
  if (stream.retry) clearTimeout(stream.retry);
  stream.retry = null;
}

function open(client: QueryClient) {
  stop();
  const source = new EventSource(STREAM);
  stream.source = source;
  source.addEventListener("counts", (e) => {
    stream.backoffMs = 2000;
    client.setQueryData(LIVE_COUNTS_KEY, JSON.parse((e as MessageEvent<string>).data) as LiveCounts);
  });
  // The session ended: nothing more will come; the next navigation leads to sign-in.
  source.addEventListener("end", stop);
  source.onerror = () => {
    // While CONNECTING the browser reconnects by itself; CLOSED means it gave up (the server answered an error).
    if (source.readyState !== EventSource.CLOSED || stream.source !== source) return;
    stream.source = null;
    void readOnce(client).then((outcome) => {
      if (outcome === "signed-out" || stream.users === 0) return;
      const wait = stream.backoffMs;
      stream.backoffMs = Math.min(stream.backoffMs * 2, MAX_BACKOFF_MS);
      stream.retry = setTimeout(() => open(client), wait);
    });
  };
}

/**
 * The live counts, and whether they have arrived (`live`). `initial` is what
 * the server rendered, shown until then: it is never written to the shared
 * entry.
 */
export function useLiveCounts(initial?: Partial<Pick<LiveCounts, "unread" | "inbox">>) {
  const client = useQueryClient();
  useEffect(() => {
    stream.users += 1;
    if (stream.users === 1) open(client);
    return () => {
      stream.users -= 1;
      if (stream.users === 0) stop();
    };
  }, [client]);
  const query = useQuery({
    queryKey: LIVE_COUNTS_KEY,
    queryFn: async (): Promise<LiveCounts> => {
      const res = await fetch("/api/notifications", { cache: "no-store" });
      if (!res.ok) throw new Error(`notifications: ${res.status}`);
      return res.json();
    },
    // Written by the stream only; never fetched on a timer or on focus.
    enabled: false,
    staleTime: Infinity,
  });
  const data: LiveCounts = query.data ?? { items: [], unread: initial?.unread ?? 0, inbox: initial?.inbox ?? 0 };
  return { data, live: query.data !== undefined };
}
