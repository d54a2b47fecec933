"use server";

import { defineAction } from "@/lib/http/action";
import { setPlatformRole } from "@/lib/catalog/users";
import { ZSetPlatformRole } from "@/lib/catalog/schemas";
import { requestRbacReconcile } from "@/lib/provisioning/reconcile";
import { z } from "zod";

export const setPlatformRoleAction = defineAction(
  "user.role",
  ZSetPlatformRole,
  async (input, ctx) => {
    const u = await setPlatformRole(ctx, input);
    return { version: u.version };
  },
  { revalidate: () => ["/admin/users"] },
);

export const requestReconcileAction = defineAction("rbac.reconcile", z.object({}), async (_input, ctx) => {
  await requestRbacReconcile(ctx);
  return {};
});
