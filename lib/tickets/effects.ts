/**
 * What the end of a provisioning run means for its ticket and project.
 * Registered with the engine at import (the worker imports it).
 */
import type { Tx } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { systemCtx } from "@/lib/context";
import { onRunFinished, type RunOutcome } from "@/lib/provisioning/engine";
import { notify } from "@/lib/notifications";

async function closeTicket(tx: Tx, ticketId: string | null, outcome: RunOutcome, news: { done: string; failed: string }) {
  if (!ticketId) return;
  const ticket = await tx.ticket.findUnique({ where: { id: ticketId }, include: { project: { select: { teamId: true, slug: true } } } });
  if (!ticket || ticket.status !== "provisioning") return;
  const status = outcome === "succeeded" ? "done" : "failed";
  await tx.ticket.update({ where: { id: ticketId }, data: { status, version: { increment: 1 } } });
  await recordAudit(tx, systemCtx(`ticket-${ticket.number}`), {
    action: `ticket.${status}`,
    target: { type: "ticket", id: ticketId, label: `#${ticket.number}` },
    projectId: ticket.projectId,
    before: { status: ticket.status },
    after: { status },
  });
  await notify(tx, {
    userIds: [ticket.requesterId],
    teamId: ticket.project?.teamId,
    title: `#${ticket.number} ${outcome === "succeeded" ? news.done : news.failed}`,
    body: ticket.title,
    link: `/tickets/${ticket.number}`,
  });
}

onRunFinished("onboarding", async (tx, run, outcome) => {
  if (outcome === "succeeded" && run.projectId) {
    const before = await tx.project.findUnique({ where: { id: run.projectId }, select: { lifecycle: true, slug: true } });
    if (before?.lifecycle === "requested") {
      await tx.project.update({ where: { id: run.projectId }, data: { lifecycle: "active", version: { increment: 1 } } });
      await recordAudit(tx, systemCtx(`run-${run.id}`), {
        action: "project.activate",
        target: { type: "project", id: run.projectId, label: before.slug },
        projectId: run.projectId,
        before: { lifecycle: "requested" },
        after: { lifecycle: "active" },
      });
    }
  }
  await closeTicket(tx, run.ticketId, outcome, { done: "is provisioned: the project is active", failed: "failed to provision: a step failed for good" });
});

for (const kind of ["member_sync", "quota"]) {
  onRunFinished(kind, async (tx, run, outcome) => {
    await closeTicket(tx, run.ticketId, outcome, { done: "is done", failed: "failed on a cluster" });
  });
}

onRunFinished("archive", async (tx, run, outcome) => {
  if (outcome === "succeeded" && run.projectId) {
    const before = await tx.project.findUnique({ where: { id: run.projectId }, select: { lifecycle: true, slug: true } });
    if (before && before.lifecycle !== "archived") {
      await tx.project.update({ where: { id: run.projectId }, data: { lifecycle: "archived", version: { increment: 1 } } });
      await recordAudit(tx, systemCtx(`run-${run.id}`), {
        action: "project.archive",
        target: { type: "project", id: run.projectId, label: before.slug },
        projectId: run.projectId,
        before: { lifecycle: before.lifecycle },
        after: { lifecycle: "archived" },
      });
    }
  }
  await closeTicket(tx, run.ticketId, outcome, { done: "is done: the project is archived", failed: "failed: some namespaces could not be deleted" });
});

/** A failed run retried by hand reopens its ticket's provisioning. */
for (const kind of ["onboarding", "member_sync", "quota", "archive"]) {
  onRunFinished(`${kind}:resumed`, async (tx, run) => {
    if (!run.ticketId) return;
    await tx.ticket.updateMany({ where: { id: run.ticketId, status: "failed" }, data: { status: "provisioning", version: { increment: 1 } } });
  });
}
