/**
 * Matchers a silence starts with (pure: used by the silence dialog in the browser and by pages on the server).
 */
export type MatcherOp = "=" | "!=" | "=~" | "!~";
export interface MatcherDraft {
  name: string;
  op: MatcherOp;
  value: string;
}

/** Labels of an alert as matchers (name = value), leaving out the ones that differ per replica or evaluation. */
export function matchersFromLabels(labels: Record<string, string>): MatcherDraft[] {
  return Object.entries(labels)
    .filter(([k]) => !["pod", "instance", "job", "wharf_rule"].includes(k))
    .map(([name, value]) => ({ name, op: "=" as const, value }));
}

/** The matchers a silence from an incident starts with: its key's project, service, environment and alertname. */
export function incidentSilenceMatchers(incident: { key: string }): MatcherDraft[] {
  const [project, service, environment, alertname] = incident.key.split("/");
  return (
    [
      ["project", project],
      ["service", service],
      ["environment", environment],
      ["alertname", alertname],
    ] as const
  )
    .filter(([, v]) => v)
    .map(([name, value]) => ({ name, op: "=" as const, value: value! }));
}
