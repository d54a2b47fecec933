/**
 * Alerting: Alertmanager's configuration generated from the CMDB (teams,
 * projects, environments, severities, maintenance windows), every alert it
 * sends to Wharf's webhook kept (13 months), alerts of one service and cause
 * grouped into incidents linked to the release that caused them, one chat
 * message per incident and channel, on-call escalation, silences through
 * Alertmanager's v2 API, and rollback on alert. See docs/alerting.md.
 *
 * Rights:
 * - `alert.read` (project): its alerts and incidents: every member; platform admins, ops and managers.
 * - `incident.respond` (project): ack, assign, comment, resolve: owner, maintainer, developer; admins and ops.
 * - `alert.silence` (project): create and expire silences of its alerts: owner, maintainer, developer; admins and ops.
 * - `alerting.maintenance.edit` (project): its maintenance windows: owner, maintainer; admins and ops.
 * - `alerting.oncall.edit` (team): the team's on-call rota and time to acknowledge: the team's leads; admins and ops.
 * - `alerting.routing.read` / `alerting.routing.apply` (platform): see the generated Alertmanager configuration and its
 *   state, and rewrite and reload it by hand: admins and ops.
 * - `alerting.pages` (platform): open the Alerts and Incidents pages: everyone (what they list is scoped by `alert.read`).
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PLATFORM, ALL_PROJECT } from "@/lib/access/roles";
import { incidentChatTask } from "./chat";

export const alertingModule = defineModule({
  name: "alerting",
  policy: {
    "alert.read": {
      on: ["project"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      description: "Read a project's alerts and incidents",
    },
    "incident.respond": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer", "developer"],
      description: "Acknowledge, assign, comment on and resolve a project's incidents",
    },
    "alert.silence": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer", "developer"],
      description: "Silence a project's alerts in Alertmanager, and expire those silences",
    },
    "alerting.maintenance.edit": {
      on: ["project"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer"],
      description: "Edit a project's maintenance windows (its alerts are not sent during them)",
    },
    "alerting.oncall.edit": {
      on: ["team"],
      platform: ["admin", "ops"],
      team: ["lead"],
      description: "Edit a team's on-call rota and its time to acknowledge",
    },
    "alerting.routing.read": {
      on: ["platform"],
      platform: ["admin", "ops"],
      description: "See the Alertmanager configuration Wharf generates and whether it is loaded",
    },
    "alerting.routing.apply": {
      on: ["platform"],
      platform: ["admin", "ops"],
      description: "Rewrite and reload Alertmanager's configuration by hand",
    },
    // ---- al-pages: the Alerts and Incidents pages are open to everyone signed in; each lists only what
    // `alert.read` lets its reader see (their projects' alerts; everything for admins, ops and managers).
    "alerting.pages": {
      on: ["platform"],
      platform: ALL_PLATFORM,
      description: "Open the Alerts and Incidents pages (each shows the alerts of the projects you may read)",
    },
  },
  nav: [
    // ---- al-pages
    { href: "/alerts", label: "Alerts", icon: "alerts", requires: "alerting.pages", order: 55 },
    { href: "/incidents", label: "Incidents", icon: "incidents", requires: "alerting.pages", order: 56 },
  ],
  parts: (): ModuleParts => ({
    // Each part of the alerting work adds its run kinds, tasks and crons here, in its own block.
    tasks: [incidentChatTask],
    crons: [],
  }),
});
