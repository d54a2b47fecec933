/** Every task module, imported once so the registry knows them all. */
export * from "./cluster-health";
export { provisioningStepTask } from "@/lib/provisioning/engine";
