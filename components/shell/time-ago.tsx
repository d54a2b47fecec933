"use client";

import { formatDistanceToNowStrict } from "date-fns";
import { useEffect, useState } from "react";

/** "3 minutes ago", with the exact time on hover; re-rendered every 30 s. */
export function TimeAgo({ date }: { date: Date | string | null | undefined }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  if (!date) return <span className="text-muted-foreground">never</span>;
  const d = typeof date === "string" ? new Date(date) : date;
  return (
    <time dateTime={d.toISOString()} title={d.toISOString().replace("T", " ").slice(0, 19) + " UTC"} suppressHydrationWarning>
      {formatDistanceToNowStrict(d, { addSuffix: true })}
    </time>
  );
}
