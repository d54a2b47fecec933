import * as React from "react";

import { cn } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";

export type StatusTone = "success" | "warning" | "destructive" | "muted";

/**
 * Status (normalized: lower-case, spaces/underscores as "-") to tone.
 * Extend it by mutating (`statusTones["paused"] = "muted"`) or pass a
 * per-use `tones` override to <StatusBadge>.
 */
export const statusTones: Record<string, StatusTone> = {
  // success
  reachable: "success",
  active: "success",
  succeeded: "success",
  success: "success",
  successful: "success",
  done: "success",
  completed: "success",
  complete: "success",
  running: "success",
  "running-ok": "success",
  ok: "success",
  healthy: "success",
  ready: "success",
  available: "success",
  synced: "success",
  deployed: "success",
  approved: "success",
  enabled: "success",
  // warning
  pending: "warning",
  progressing: "warning",
  "in-progress": "warning",
  requested: "warning",
  unknown: "warning",
  queued: "warning",
  waiting: "warning",
  deploying: "warning",
  provisioning: "warning",
  syncing: "warning",
  "out-of-sync": "warning",
  "missing-permissions": "warning",
  outofsync: "warning",
  starting: "warning",
  terminating: "warning",
  retrying: "warning",
  open: "warning",
  // destructive
  unreachable: "destructive",
  "credentials-rejected": "destructive",
  failed: "destructive",
  failure: "destructive",
  error: "destructive",
  errored: "destructive",
  degraded: "destructive",
  unhealthy: "destructive",
  crashloopbackoff: "destructive",
  rejected: "destructive",
  missing: "destructive",
  // muted
  archived: "muted",
  cancelled: "muted",
  canceled: "muted",
  suspended: "muted",
  disabled: "muted",
  inactive: "muted",
  deleted: "muted",
  skipped: "muted",
  superseded: "muted",
  draft: "muted",
  planned: "muted",
};

export const statusToneDotClass: Record<StatusTone, string> = {
  success: "bg-success",
  warning: "bg-warning",
  destructive: "bg-destructive",
  muted: "bg-muted-foreground/50",
};

export function normalizeStatus(status: string): string {
  return status
    .trim()
    .replace(/([a-z])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
}

export function statusTone(status: string, tones: Record<string, StatusTone> = statusTones, fallback: StatusTone = "muted"): StatusTone {
  const key = normalizeStatus(status);
  return tones[key] ?? statusTones[key] ?? tones[key.replace(/-/g, "")] ?? statusTones[key.replace(/-/g, "")] ?? fallback;
}

/** "in_progress" / "InProgress" / "in-progress" become "In progress". */
export function statusLabel(status: string): string {
  const words = normalizeStatus(status).replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type StatusBadgeProps = Omit<React.ComponentProps<typeof Badge>, "variant"> & {
  status: string;
  /** Visible text; defaults to a humanized form of `status`. */
  label?: React.ReactNode;
  /** Force a tone instead of looking the status up. */
  tone?: StatusTone;
  /** Extra/overriding status-to-tone entries for this badge only. */
  tones?: Record<string, StatusTone>;
  /** Tone for statuses not in the mapping. Defaults to "muted". */
  fallbackTone?: StatusTone;
};

function StatusBadge({ status, label, tone, tones, fallbackTone = "muted", className, children, ...props }: StatusBadgeProps) {
  const resolvedTone = tone ?? statusTone(status, tones ?? statusTones, fallbackTone);

  return (
    <Badge
      variant="outline"
      data-slot="status-badge"
      data-status={normalizeStatus(status)}
      data-tone={resolvedTone}
      className={cn("gap-1.5 font-normal", resolvedTone === "muted" && "text-muted-foreground", className)}
      {...props}
    >
      <span aria-hidden="true" data-slot="status-badge-dot" className={cn("size-2 shrink-0 rounded-full", statusToneDotClass[resolvedTone])} />
      {label ?? statusLabel(status)}
      {children}
    </Badge>
  );
}

export { StatusBadge, type StatusBadgeProps };
