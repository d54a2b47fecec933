"use server";
/** Server actions of provisioning: retry a failed step, run the RBAC reconcile now. */
import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { retryStep } from "./engine";
import { requestRbacReconcile } from "./reconcile";

export const retryStepAction = defineAction("provisioning.retry", z.object({ stepId: z.string().min(1) }), async ({ stepId }, ctx) => {
  await retryStep(ctx, stepId);
  return {};
});

export const requestReconcileAction = defineAction("rbac.reconcile", z.object({}), async (_input, ctx) => {
  await requestRbacReconcile(ctx);
  return {};
});
