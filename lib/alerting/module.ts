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
import { routingTask } from "./routing-apply";
// ---- al-chat: escalation (lib/alerting/oncall.ts)
import { escalationTask } from "./oncall";
// ---- end al-chat
// al-ingest: alert history, incidents, catch-up, retention, rollback on alert.
import { alertsCatchUpTask } from "./catchup";
import { alertsRetentionTask } from "./retention";
import { alertRollbackTask } from "./rollback";

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
    // --- al-routing: ops see and reload Alertmanager's generated configuration (admins also reach it from Admin) ---
    { href: "/admin/alerting", label: "Alert routing", icon: "alert-routing", requires: "alerting.routing.read", order: 85 },
    // --- end al-routing ---
    // ---- al-pages
    { href: "/alerts", label: "Alerts", icon: "alerts", requires: "alerting.pages", order: 55 },
    { href: "/incidents", label: "Incidents", icon: "incidents", requires: "alerting.pages", order: 56 },
  ],
  parts: (): ModuleParts => ({
    // Each part of the alerting work adds its run kinds, tasks and crons here, in its own block.
    tasks: [
      incidentChatTask,
      // --- al-routing: Alertmanager's configuration from the CMDB (lib/alerting/routing*.ts) ---
      routingTask,
      // --- end al-routing ---
      // ---- al-chat: on-call escalation (lib/alerting/oncall.ts)
      escalationTask,
      // ---- end al-chat
      // ---- al-ingest: catch-up from Alertmanager, retention, rollback on alert
      alertsCatchUpTask,
      alertsRetentionTask,
      alertRollbackTask,
      // ---- end al-ingest
    ],
    crons: [
      // --- al-routing: the safety net of the trigger (a rewritten file, a restarted Alertmanager): a no-op when all agrees ---
      {
        schedule: "* * * * *",
        task: routingTask.name,
        options: "?max=1&jobKey=alertmanager-config&queue=alertmanager-config",
        description: "Checks that Alertmanager runs the configuration generated from the CMDB, and writes and reloads it when not",
      },
      // --- end al-routing ---
      // ---- al-chat: every minute, open incidents not acknowledged in time go to the next person on call
      {
        schedule: "* * * * *",
        task: escalationTask.name,
        // No retries: it runs again in a minute anyway.
        options: "?max=1&jobKey=incident_escalate&jobKeyMode=replace",
        description: "Escalates incidents not acknowledged within their team's time to the next person of the on-call rota",
      },
      // ---- end al-chat
      // ---- al-ingest
      {
        schedule: "* * * * *",
        task: alertsCatchUpTask.name,
        // No retries: it runs again in a minute anyway.
        options: "?max=1&jobKey=alerts_catch_up&jobKeyMode=replace",
        description: "Every minute: store the alerts Alertmanager holds that Wharf missed, resolve those it no longer has",
      },
      {
        schedule: "17 3 * * *",
        task: alertsRetentionTask.name,
        options: "?max=3&jobKey=alerts_retention&jobKeyMode=replace",
        description: "Daily: delete alert history older than WHARF_ALERT_RETENTION_DAYS (13 months); incidents are kept",
      },
      // ---- end al-ingest
    ],
  }),
});
