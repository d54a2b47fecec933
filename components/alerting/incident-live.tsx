"use client";

/**
 * Keeps an open incident page current: react-query reads the incident's
 * version and timeline length from `/api/incidents/<n>` every 5 s and, when
 * either moved (an alert joined or resolved, someone acked, chat sent),
 * refreshes the server-rendered page. What the reader is typing stays.
 */
import { useEffect, useRef } from "react";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";

export function IncidentLive({ number, stamp }: { number: number; stamp: string }) {
  const router = useRouter();
  const { data } = useQuery({
    queryKey: ["incident-stamp", number],
    queryFn: async (): Promise<{ stamp: string }> => {
      const res = await fetch(`/api/incidents/${number}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`incident: ${res.status}`);
      return res.json();
    },
    refetchInterval: 5_000,
  });
  const shown = useRef(stamp);
  useEffect(() => {
    shown.current = stamp;
  }, [stamp]);
  useEffect(() => {
    if (data && data.stamp !== shown.current) {
      shown.current = data.stamp;
      router.refresh();
    }
  }, [data, router]);
  return null;
}
