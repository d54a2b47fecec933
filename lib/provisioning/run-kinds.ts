/**
 * The run kinds planned from the catalog, and what their end means for the
 * project: an onboarding that succeeded activates it, an archive archives it.
 * (Their tickets are closed by the tickets module, which follows every run.)
 */
import { recordAudit } from "@/lib/audit/record";
import { systemCtx } from "@/lib/context";
import { loadPlanInput } from "./plan-input";
import { defineRunKind, type RunKind } from "./registry";

const fromCatalog: RunKind["loadInput"] = (client, projectId, opts) => loadPlanInput(projectId, "", opts.params ?? {}, client);

export const onboardingRun = defineRunKind({
  kind: "onboarding",
  label: "Onboarding",
  loadInput: async (client, projectId, opts) => ({ ...(await fromCatalog!(client, projectId, opts)), kind: "onboarding" }),
  async onFinished(tx, run, outcome) {
    if (outcome !== "succeeded" || !run.projectId) return;
    const before = await tx.project.findUnique({ where: { id: run.projectId }, select: { lifecycle: true, slug: true } });
    if (before?.lifecycle !== "requested") return;
    await tx.project.update({ where: { id: run.projectId }, data: { lifecycle: "active", version: { increment: 1 } } });
    await recordAudit(tx, systemCtx(`run-${run.id}`), {
      action: "project.activate",
      target: { type: "project", id: run.projectId, label: before.slug },
      projectId: run.projectId,
      before: { lifecycle: "requested" },
      after: { lifecycle: "active" },
    });
  },
});

export const memberSyncRun = defineRunKind({
  kind: "member_sync",
  label: "Member sync",
  loadInput: async (client, projectId, opts) => ({ ...(await fromCatalog!(client, projectId, opts)), kind: "member_sync" }),
});

export const quotaRun = defineRunKind({
  kind: "quota",
  label: "Quota change",
  loadInput: async (client, projectId, opts) => ({ ...(await fromCatalog!(client, projectId, opts)), kind: "quota" }),
});

export const archiveRun = defineRunKind({
  kind: "archive",
  label: "Archive",
  loadInput: async (client, projectId, opts) => ({ ...(await fromCatalog!(client, projectId, opts)), kind: "archive" }),
  async onFinished(tx, run, outcome) {
    if (outcome !== "succeeded" || !run.projectId) return;
    const before = await tx.project.findUnique({ where: { id: run.projectId }, select: { lifecycle: true, slug: true } });
    if (!before || before.lifecycle === "archived") return;
    await tx.project.update({ where: { id: run.projectId }, data: { lifecycle: "archived", version: { increment: 1 } } });
    await recordAudit(tx, systemCtx(`run-${run.id}`), {
      action: "project.archive",
      target: { type: "project", id: run.projectId, label: before.slug },
      projectId: run.projectId,
      before: { lifecycle: before.lifecycle },
      after: { lifecycle: "archived" },
    });
  },
});

/** Repairs of member RoleBindings found drifted by the nightly reconcile. */
export const reconcileRun = defineRunKind({ kind: "reconcile", label: "RBAC repair" });
