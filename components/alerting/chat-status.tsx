/** The incident page's chat line: where its message went, and a failure (retrying) while it lasts. */
import { AlertTriangle, MessageSquare } from "lucide-react";
import type { IncidentChatStatus } from "@/lib/alerting/chat";

export function ChatStatus({ status }: { status: IncidentChatStatus }) {
  if (!status.length) return <p className="text-sm text-muted-foreground">Not posted to chat (the team has no chat channel).</p>;
  return (
    <ul className="space-y-1 text-sm" aria-label="Chat">
      {status.map((c) => (
        <li key={c.channel} className="flex items-start gap-2">
          {c.failing ? (
            <AlertTriangle className="mt-0.5 size-4 shrink-0 text-destructive" />
          ) : (
            <MessageSquare className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
          )}
          <span>
            {c.label}: {c.sentCount ? `sent ${c.sentCount}×, last ${c.lastSentAt ? new Date(c.lastSentAt).toLocaleString() : ""}` : "not sent yet"}
            {c.failing && (
              <span className="block text-destructive" role="status">
                Failing after {c.attempts} attempt{c.attempts === 1 ? "" : "s"}, retrying: {c.lastError}
              </span>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}
