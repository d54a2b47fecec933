"use client";

/**
 * The one live source of a ticket page: its status and provisioning steps,
 * polled from /api/tickets/[number] every 2 s while the ticket is being
 * carried out. The header's status, the failure banner and the step list all
 * read it, so they never disagree (the header used to be rendered once by
 * the server and said "Provisioning" while the steps below said done). When
 * the status moves on, the server-rendered rest of the page (decision,
 * history) is refreshed too.
 */
import { createContext, useContext, useEffect, useRef } from "react";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { StatusBadge } from "@/components/ui/status-badge";

export interface LiveStep {
  id: string;
  key?: string;
  kind: string;
  title: string;
  target: string;
  environment: string | null;
  status: string;
  attempts?: number;
  maxAttempts?: number;
  lastError?: string;
  nextAttemptAt?: string | null;
  spec: unknown;
  cluster: { name: string } | null;
}

/** What /api/tickets/[number] answers (lib/tickets/query.ts getTicketProgress). */
export interface TicketProgress {
  status: string;
  run: { id: string; status: string; steps: LiveStep[] } | null;
}

/** Statuses in which the ticket still changes by itself (its run is carried out). */
const MOVING = new Set(["approved", "provisioning"]);

interface Live {
  status: string;
  progress: TicketProgress | undefined;
  refetch: () => void;
}

const TicketLiveContext = createContext<Live | null>(null);

export function TicketLive({ number, initialStatus, children }: { number: number; initialStatus: string; children: React.ReactNode }) {
  const router = useRouter();
  const query = useQuery({
    queryKey: ["ticket", number],
    queryFn: async (): Promise<TicketProgress> => {
      const res = await fetch(`/api/tickets/${number}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`ticket: ${res.status}`);
      return res.json();
    },
    // A failed ticket is watched too: ops may retry its step from this page.
    enabled: MOVING.has(initialStatus) || initialStatus === "failed",
    refetchInterval: (q) => (q.state.data && !MOVING.has(q.state.data.status) && q.state.data.run?.status !== "running" ? false : 2000),
  });
  const status = query.data?.status ?? initialStatus;
  const shown = useRef(initialStatus);
  useEffect(() => {
    if (status === shown.current) return;
    shown.current = status;
    router.refresh();
  }, [status, router]);
  // The refreshed page can be newer than the last poll (the ticket finished in between): the server's status also
  // turns polling off, so read once more rather than keep showing the poll's older answer.
  // Only when the server's status changes: a poll that disagrees is followed by a refresh, not by another read.
  const { data, refetch } = query;
  const serverStatus = useRef(initialStatus);
  useEffect(() => {
    if (initialStatus === serverStatus.current) return;
    serverStatus.current = initialStatus;
    if (data && data.status !== initialStatus) void refetch();
  }, [initialStatus, data, refetch]);
  return <TicketLiveContext.Provider value={{ status, progress: query.data, refetch: () => void query.refetch() }}>{children}</TicketLiveContext.Provider>;
}

export function useTicketLive(): Live {
  const live = useContext(TicketLiveContext);
  if (!live) throw new Error("useTicketLive is used outside <TicketLive>");
  return live;
}

/** The ticket's status in the page header, as live as its steps. */
export function TicketStatus() {
  const { status } = useTicketLive();
  return <StatusBadge status={status} data-testid="ticket-status" />;
}

export function TicketFailedBanner({ hint }: { hint: string }) {
  const { status } = useTicketLive();
  if (status !== "failed") return null;
  return (
    <Alert variant="destructive" className="mb-6" data-testid="ticket-failed">
      <AlertTitle>Provisioning failed</AlertTitle>
      <AlertDescription>
        A step failed after all its attempts; {hint ? `${hint} ` : ""}
        Ops can fix the cause and retry the failed step below.
      </AlertDescription>
    </Alert>
  );
}
