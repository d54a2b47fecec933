import Link from "@/components/ui/link";
import {
  BellOff,
  BellRing,
  CheckCircle2,
  CircleCheck,
  Eye,
  GitCommitVertical,
  MessageSquare,
  MessageSquareWarning,
  RotateCcw,
  Send,
  Siren,
  TrendingUp,
  Undo2,
  UserPlus,
  type LucideIcon,
} from "lucide-react";
import { TimeAgo } from "@/components/shell/time-ago";
import type { TimelineEntry } from "@/lib/alerting/queries";

/** How each kind of line reads (lib/alerting/events.ts INCIDENT_EVENT_KINDS); an unknown kind shows its name. */
const KINDS: Record<string, { icon: LucideIcon; label: string; tone?: string }> = {
  alert_firing: { icon: Siren, label: "Alert firing", tone: "text-destructive" },
  alert_resolved: { icon: CircleCheck, label: "Alert resolved", tone: "text-success" },
  release_linked: { icon: GitCommitVertical, label: "Release linked" },
  acknowledged: { icon: Eye, label: "Acknowledged" },
  assigned: { icon: UserPlus, label: "Assigned" },
  comment: { icon: MessageSquare, label: "Comment" },
  resolved: { icon: CheckCircle2, label: "Resolved", tone: "text-success" },
  reopened: { icon: Undo2, label: "Reopened", tone: "text-destructive" },
  escalated: { icon: TrendingUp, label: "Escalated", tone: "text-warning" },
  chat_sent: { icon: Send, label: "Chat message sent" },
  chat_failed: { icon: MessageSquareWarning, label: "Chat message failed", tone: "text-destructive" },
  silenced: { icon: BellOff, label: "Silenced" },
  silence_expired: { icon: BellRing, label: "Silence expired" },
  rollback_started: { icon: RotateCcw, label: "Rollback started", tone: "text-warning" },
};

function dataString(data: unknown, key: string): string | null {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  const v = (data as Record<string, unknown>)[key];
  return typeof v === "string" && v ? v : null;
}

/** The incident's timeline, oldest first: what happened, who did it (or Wharf), when. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className="text-sm text-muted-foreground">Nothing has happened on this incident yet.</p>;
  return (
    <ol className="space-y-4" aria-label="Timeline">
      {entries.map((e) => {
        const kind = KINDS[e.kind] ?? { icon: MessageSquare, label: e.kind.replace(/_/g, " ") };
        const Icon = kind.icon;
        // Lines about a release (linked, rolled back to) link to it when their data names it.
        const releaseId = dataString(e.data, "releaseId") ?? dataString(e.data, "rollbackReleaseId");
        const silenceId = dataString(e.data, "silenceId");
        return (
          <li key={e.id} className="flex gap-3" data-testid={`timeline-${e.kind}`}>
            <Icon aria-hidden className={`mt-0.5 size-4 shrink-0 ${kind.tone ?? "text-muted-foreground"}`} />
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
                <span className="font-medium">{kind.label}</span>
                <span className="text-muted-foreground">by {e.actor ?? "Wharf"}</span>
                <span className="text-xs text-muted-foreground">
                  <TimeAgo date={e.at} />
                </span>
              </div>
              {e.text && <p className={`text-sm break-words whitespace-pre-wrap ${e.kind === "comment" ? "" : "text-muted-foreground"}`}>{e.text}</p>}
              {releaseId && (
                <Link className="text-sm underline-offset-4 hover:underline" href={`/releases/${releaseId}`}>
                  Open the release
                </Link>
              )}
              {silenceId && <p className="font-mono text-xs text-muted-foreground">silence {silenceId}</p>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
