/** Every task module, imported once so the registry knows them all. */
export * from "./cluster-health";
export { provisioningStepTask } from "@/lib/provisioning/engine";
export { webhookTask } from "@/lib/notifications";
export { rbacReconcileTask } from "@/lib/provisioning/reconcile";
// The ends of provisioning runs: tickets closed, projects activated or archived.
import "@/lib/tickets/effects";
// Releases: their steps, automatic rollbacks and what their end means.
export { autoRollbackTask } from "@/lib/deploy/releases";
