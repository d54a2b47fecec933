/**
 * Tickets: requests that need an approval, and the catalog's own request
 * types (onboarding a project, joining one, its quota, archiving it). The engine is generic; other modules bring their
 * own types (deploys to production, config publishes, ...). It follows every
 * provisioning run: a run's end closes the ticket that started it.
 */
import { defineModule, type ModuleParts } from "@/lib/module";
import { ALL_PLATFORM, ALL_PROJECT } from "@/lib/access/roles";
import { defineRunKind } from "@/lib/provisioning/registry";
import { closeTicketOfRun, reopenTicketOfRun } from "./engine";
import { onboardingTicket } from "./onboarding";
import { archiveTicket, permissionTicket, quotaTicket } from "./requests";

export const ticketsModule = defineModule({
  name: "tickets",
  policy: {
    "ticket.read": { on: ["platform"], platform: ALL_PLATFORM, description: "Open the tickets page (your own requests; approvers see their inbox)" },
    "ticket.view": {
      on: ["ticket"],
      platform: ["admin", "ops", "manager"],
      project: ALL_PROJECT,
      requester: true,
      description: "See a ticket: its requester, approvers, managers and the project's members",
    },
    "ticket.comment": {
      on: ["ticket"],
      platform: ["admin", "ops"],
      project: ["owner", "maintainer", "developer"],
      requester: true,
      description: "Comment on a ticket (viewers and managers read the thread)",
    },
    "ticket.cancel": { on: ["ticket"], platform: ["admin"], requester: true, description: "Cancel an open request (its requester, or an admin)" },
    "ticket.decide.elevated": {
      on: ["ticket"],
      platform: ["admin"],
      description: "Decide a request that needs an admin (quota above the presets, GPUs)",
    },
    "ticket.onboarding.decide": { on: ["ticket"], platform: ["admin", "ops"], description: "Approve or reject onboarding requests" },
    "ticket.permission.decide": {
      on: ["ticket"],
      platform: ["admin", "ops"],
      project: ["owner"],
      description: "Approve or reject requests to join a project (its owner, ops, admins)",
    },
    "ticket.quota.decide": { on: ["ticket"], platform: ["admin", "ops"], description: "Approve or reject quota requests within the presets" },
    "ticket.archive.decide": { on: ["ticket"], platform: ["admin", "ops"], description: "Approve or reject archiving a project" },
    "project.request": { on: ["platform"], platform: ALL_PLATFORM, description: "Request a new project (onboarding wizard)" },
    "project.access.request": { on: ["project"], platform: ALL_PLATFORM, description: "Ask to join a project with a role" },
    "project.quota.request": {
      on: ["project"],
      platform: ["admin"],
      project: ["owner", "maintainer"],
      description: "Ask for a different quota in an environment",
    },
    "project.archive.request": { on: ["project"], platform: ["admin"], project: ["owner"], description: "Ask to archive the project" },
  },
  nav: [{ href: "/tickets", label: "Tickets", icon: "tickets", requires: "ticket.read", order: 40 }],
  parts: (): ModuleParts => ({
    ticketTypes: [onboardingTicket, permissionTicket, quotaTicket, archiveTicket],
    // Follows every run: the end of a run that a ticket started closes that ticket.
    runKinds: [defineRunKind({ kind: "*", label: "Any run", onFinished: closeTicketOfRun, onResumed: reopenTicketOfRun })],
  }),
});
