import { StatusBadge, type StatusTone } from "@/components/ui/status-badge";

const SEVERITY_TONES: Record<string, StatusTone> = { critical: "destructive", error: "destructive", warning: "warning", info: "muted" };
const INCIDENT_TONES: Record<string, StatusTone> = { open: "destructive", pending: "warning", acknowledged: "warning", resolved: "success" };

/** An alert's or incident's severity: critical and error red, warning amber, the rest muted. */
export function SeverityBadge({ severity }: { severity: string }) {
  return <StatusBadge status={severity || "none"} label={severity || "no severity"} tones={SEVERITY_TONES} data-testid="severity" />;
}

/** An incident's status: open red (nobody is on it yet), acknowledged amber, resolved green. */
export function IncidentStatusBadge({ status }: { status: string }) {
  return <StatusBadge status={status} tones={INCIDENT_TONES} data-testid="incident-status" />;
}

/** An alert's state: firing red, resolved green. */
export function AlertStatusBadge({ status }: { status: string }) {
  return <StatusBadge status={status} tones={{ firing: "destructive", resolved: "success" }} />;
}
