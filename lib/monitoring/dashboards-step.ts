/**
 * Onboarding gives a project its dashboard: a step (no cluster: the dashboard
 * is stored in Wharf) that writes the generated version 1, audited as the
 * system. Idempotent: a project that has a dashboard keeps it.
 */
import { z } from "zod";
import { systemCtx } from "@/lib/context";
import { definePlanContributor, defineStepKind } from "@/lib/provisioning/registry";
import { ensureGeneratedDashboard } from "./dashboards";

export const dashboardOnboardStep = defineStepKind({
  kind: "monitoring-dashboard",
  label: "Dashboard",
  needsCluster: false,
  spec: z.object({}),
  async run(_spec, { projectId, runId }) {
    if (!projectId) throw new Error("The project of this step no longer exists.");
    return ensureGeneratedDashboard(systemCtx(`dashboard-${runId}`), projectId);
  },
});

export const dashboardOnboardingContributor = definePlanContributor({
  name: "monitoring-dashboard",
  runKinds: ["onboarding"],
  contribute: (input) => [
    {
      key: "monitoring-dashboard",
      kind: "monitoring-dashboard",
      title: `Dashboard of ${input.project.slug}`,
      target: `Wharf: request rate, errors, latency, CPU, memory, restarts and replicas of ${input.services.length ? input.services.map((s) => s.slug).join(", ") : "the project's services"}`,
      spec: {},
    },
  ],
});
