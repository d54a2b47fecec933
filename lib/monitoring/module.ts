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
  },
  parts: (): ModuleParts => ({
    clusterPermissions: [...healthClusterPermissions],
  }),
});
