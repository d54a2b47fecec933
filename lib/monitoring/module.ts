/**
 * Monitoring: metrics read from Prometheus (or any Prometheus-API store) for
 * dashboards, release health and the managers' boards; rules Wharf writes for
 * the Prometheus it runs. This module is the foundation: metrics sources per
 * cluster (lib/monitoring/sources.ts), the one bounded PromQL client
 * (prom.ts), the PromQL checker (promql.ts) and the status every monitoring
 * page starts from (status.ts). See docs/monitoring.md.
 *
 * Rights: `monitoring.read` on a project (its dashboards and figures): every
 * member; platform admins, ops and managers (managers read boards).
 * `monitoring.status.read`: whether monitoring works and which source is
 * down, for every signed-in person (each monitoring page says why it is empty).
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PLATFORM, ALL_PROJECT } from "@/lib/access/roles";
import { dashboardOnboardStep, dashboardOnboardingContributor } from "./dashboards-step";
import { rulesApplyStep, rulesArchiveContributor, rulesContributor, rulesDeleteStep, rulesFileStep, rulesRemoveFileStep, rulesRun } from "./rules-deploy";
import type { ClusterPermission } from "@/lib/kube/access";

// ---- mon-health: the managers' boards read capacity and quota from each cluster's API (lib/monitoring/boards.ts).
// They also list nodes and pods, which the catalog (nodes list) and deploy (pods list) modules declare already.
const healthClusterPermissions: ClusterPermission[] = [
  { group: "", resource: "resourcequotas", verbs: ["list"], purpose: "quota used against quota per project on the managers' board" },
];
// ---- end mon-health

export const monitoringModule = defineModule({
  name: "monitoring",
  policy: {
    "monitoring.read": {
      on: ["project"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      description: "Read a project's metrics and dashboards",
    },
    "monitoring.status.read": {
      on: ["platform"],
      platform: ALL_PLATFORM,
      description: "See whether monitoring is set up and which metrics source does not answer",
    },
    // --- dashboards (mon-dashboards) ---
    "monitoring.dashboard.edit": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Generate and regenerate a project's dashboard, and edit a panel's PromQL",
    },
    // --- end dashboards ---
    // --- mon-rules: alert rules as code (lib/monitoring/rules*.ts) ---
    "monitoring.rules.edit": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer"],
      description: "Change a project's alert rules: thresholds, durations, rules on or off, extra rules",
    },
    // --- end mon-rules ---
  },
  parts: (): ModuleParts => ({
    // --- dashboards (mon-dashboards) ---
    planContributors: [dashboardOnboardingContributor, rulesContributor, rulesArchiveContributor],
    stepKinds: [dashboardOnboardStep, rulesFileStep, rulesApplyStep, rulesRemoveFileStep, rulesDeleteStep],
    // --- end dashboards ---
    // mon-rules: alert rules deployed as a rule file for Wharf's Prometheus and as PrometheusRule objects on each cluster.
    runKinds: [rulesRun],
    clusterPermissions: [
      {
        group: "monitoring.coreos.com",
        resource: "prometheusrules",
        verbs: ["get", "create", "patch", "delete"],
        purpose: "projects' alert rules applied as PrometheusRule objects (prometheus-operator), deleted when a project is archived",
      },
      ...healthClusterPermissions,
    ],
  }),
});
