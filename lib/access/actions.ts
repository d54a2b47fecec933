"use server";
/** Server actions of users and access. */

import { defineAction } from "@/lib/http/action";
import { setPlatformRole } from "@/lib/catalog/users";
import { ZSetPlatformRole } from "@/lib/catalog/schemas";

export const setPlatformRoleAction = defineAction(
  "user.role",
  ZSetPlatformRole,
  async (input, ctx) => {
    const u = await setPlatformRole(ctx, input);
    return { version: u.version };
  },
  { revalidate: () => ["/admin/users"] },
);
