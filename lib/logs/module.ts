/**
 * The log center: live tails of a service across every pod and cluster of
 * an environment, filters, logs around a release, one pod's logs. Reads the
 * clusters' pod logs (no log store; see docs/logs.md for a LogQL reader).
 *
 * Production logs carry customers' data, so reading them is its own right:
 * `log.read.production` (project owners, maintainers, developers; platform
 * admins and ops), while `log.read` covers the other environments (every
 * member; admins and ops). Managers read dashboards, not logs.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PROJECT } from "@/lib/access/roles";

export const logsModule = defineModule({
  name: "logs",
  policy: {
    "log.read": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ALL_PROJECT,
      description: "Read a project's service logs in dev, test and staging",
    },
    "log.read.production": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer", "developer"],
      description: "Read a project's service logs in production (they may carry customers' data)",
    },
  },
  parts: (): ModuleParts => ({
    clusterPermissions: [
      { group: "", resource: "pods", verbs: ["list", "watch"], purpose: "the pods a log tail follows (joining and ending)" },
      { group: "", resource: "pods/log", verbs: ["get"], purpose: "reading and following container logs" },
    ],
  }),
});
