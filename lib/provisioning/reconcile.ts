/**
 * RBAC drift: someone edited or deleted a member RoleBinding on a cluster.
 * The reconcile (nightly, or now from the Admin page) compares what Wharf
 * wants with what each cluster has, records every difference, and repairs
 * the drifted bindings through the provisioning engine (so repairs retry and
 * show up like any other step).
 */
import { z } from "zod";
import type { KubernetesObject } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";
import { connectCluster } from "@/lib/kube/connection";
import { readObject } from "@/lib/kube/apply";
import { ClusterError } from "@/lib/kube/gateway";
import { enqueue } from "@/lib/jobs/enqueue";
import { defineTask } from "@/lib/jobs/registry";
import { computePlan, createRun } from "./engine";
import { loadPlanInput } from "./plan-input";
import type { StepDraft } from "./registry";

type Binding = KubernetesObject & { roleRef?: { name?: string }; subjects?: { kind: string; name: string }[] };

function shape(b: Binding | null) {
  if (!b) return null;
  return { roleRef: b.roleRef?.name ?? "", subjects: (b.subjects ?? []).map((s) => `${s.kind}:${s.name}`).sort() };
}

export interface Drift {
  project: string;
  cluster: string;
  namespace: string;
  binding: string;
  before: ReturnType<typeof shape>;
  after: ReturnType<typeof shape>;
}

export async function reconcileRbac(ctx: Ctx = systemCtx("rbac-reconcile")) {
  const projects = await db().project.findMany({ where: { lifecycle: "active", environments: { some: {} } }, select: { id: true, slug: true } });
  const drifts: Drift[] = [];
  const unreachable = new Set<string>();
  let checked = 0;
  let repairRuns = 0;
  const connections = new Map<string, Awaited<ReturnType<typeof connectCluster>> | null>();
  for (const project of projects) {
    const drafts = computePlan(await loadPlanInput(project.id, "member_sync"));
    const drifted: StepDraft[] = [];
    for (const draft of drafts) {
      if (!connections.has(draft.clusterId!)) connections.set(draft.clusterId!, await connectCluster(draft.clusterId!).catch(() => null));
      const conn = connections.get(draft.clusterId!);
      if (!conn || unreachable.has(conn.name)) {
        unreachable.add(draft.clusterName ?? draft.clusterId!);
        continue;
      }
      let differs = false;
      for (const desired of (draft.spec as { objects: Binding[] }).objects) {
        checked++;
        let actual: Binding | null;
        try {
          actual = await readObject<Binding>(conn, desired);
        } catch (e) {
          if (e instanceof ClusterError) {
            unreachable.add(conn.name);
            differs = false;
            break;
          }
          throw e;
        }
        const want = shape(desired);
        const have = shape(actual);
        if (JSON.stringify(want) !== JSON.stringify(have)) {
          differs = true;
          drifts.push({
            project: project.slug,
            cluster: conn.name,
            namespace: desired.metadata!.namespace!,
            binding: desired.metadata!.name!,
            before: have,
            after: want,
          });
        }
      }
      if (differs) drifted.push(draft);
    }
    if (drifted.length) {
      await db().$transaction(async (tx) => {
        await createRun(tx, { kind: "reconcile", projectId: project.id, createdById: ctx.actor.kind === "user" ? ctx.actor.id : null, drafts: drifted });
        for (const d of drifts.filter((x) => x.project === project.slug)) {
          await recordAudit(tx, ctx, {
            action: "rbac.drift",
            target: { type: "rolebinding", id: `${d.cluster}/${d.namespace}/${d.binding}`, label: `${d.cluster}: ${d.namespace}/${d.binding}` },
            projectId: project.id,
            before: d.before ?? { missing: true },
            after: d.after,
          });
        }
      });
      repairRuns++;
    }
  }
  const summary = { projects: projects.length, bindingsChecked: checked, drifted: drifts.length, repairRuns, unreachableClusters: [...unreachable] };
  await db().$transaction((tx) =>
    recordAudit(tx, ctx, { action: "rbac.reconcile", target: { type: "platform", id: "rbac", label: "RBAC reconcile" }, after: summary }),
  );
  return { ...summary, drifts };
}

export const rbacReconcileTask = defineTask({
  name: "rbac_reconcile",
  description: "Finds member RoleBindings edited or deleted on the clusters and repairs them",
  payload: z.object({ requestedBy: z.string().optional() }).passthrough(),
  async run(payload, { jobId, log }) {
    const result = await reconcileRbac(systemCtx(payload.requestedBy ? `reconcile-by-${payload.requestedBy}` : `job-${jobId}`));
    log.info({ ...result, drifts: result.drifts.length }, "RBAC reconciled");
  },
});

/** "Reconcile now" from the Admin page: queued, never run inside the request. */
export async function requestRbacReconcile(ctx: Ctx) {
  authorize(ctx, "rbac.reconcile", platform);
  await db().$transaction(async (tx) => {
    await enqueue(rbacReconcileTask, { requestedBy: ctx.actor.email }, { jobKey: "rbac_reconcile", maxAttempts: 1 }, tx);
    await recordAudit(tx, ctx, { action: "rbac.reconcile.request", target: { type: "platform", id: "rbac", label: "RBAC reconcile" } });
  });
}

export async function lastReconcile(ctx: Ctx) {
  authorize(ctx, "rbac.reconcile", platform);
  return db().auditEvent.findFirst({ where: { action: "rbac.reconcile" }, orderBy: { at: "desc" } });
}
