/** Statuses whose check got an answer from the API server, so its latency means something. */
export function answered(status: string) {
  return status === "reachable" || status === "missing_permissions" || status === "credentials_rejected";
}
